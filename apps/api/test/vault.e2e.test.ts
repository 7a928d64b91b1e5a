/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are JSON that each test asserts field by field */
// The shared vault over HTTP against a real PostgreSQL (SPEC §4, issue 16): codes equal oathtool's, remaining validity
// under a fixed clock, HOTP reads in parallel, grants and audited refusals, tenant isolation, no seed at rest or in
// any answer, log line or audit event, and bad input named in a 4xx problem.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pgDump } from "@mfa-chain/pg-harness";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { encodeBase32 } from "@mfa-chain/totp";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "../src/boot/api-keys.js";
import { ApiClient, OffsetClock, startTestApi, uniqueId, type TestApi } from "./support/api.js";
import { runNode } from "./support/processes.js";

const database = useTestDatabase("api_vault");
let api: TestApi;
let admin: ApiClient;
let tenantId: string;
/** Every log line of the API, to show that no seed reaches the logs. */
const logLines: string[] = [];
/** Every seed this file adds, in base32, to look for afterwards. */
const seeds: Buffer[] = [];

function oathtoolPath(): string {
  try {
    return execFileSync("sh", ["-c", "command -v oathtool"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("oathtool is not installed: apt-get install oathtool (.ci/run does this)");
  }
}

const oathtool = (args: string[], secret: string): string =>
  execFileSync(oathtoolPath(), [...args, "--base32", "-"], { input: secret, encoding: "utf8" }).trim();
const oathTotp = (secret: string, o: { algorithm: string; digits: number; period: number }, atSeconds: number) =>
  oathtool([`--totp=${o.algorithm}`, `--digits=${o.digits}`, `--time-step-size=${o.period}s`, `--now=@${atSeconds}`], secret);
const oathHotp = (secret: string, digits: number, counter: number, window = 0) =>
  oathtool(["--hotp", `--digits=${digits}`, `--counter=${counter}`, `--window=${window}`], secret).split("\n");

function newSeed(bytes = 20): { raw: Buffer; b32: string } {
  const raw = randomBytes(bytes);
  seeds.push(raw);
  return { raw, b32: encodeBase32(raw) };
}

/** Runs `work` with the API's clock fixed at `at` (epoch ms). */
async function at<T>(instant: number, work: () => Promise<T>): Promise<T> {
  api.clock.now = () => instant;
  try {
    return await work();
  } finally {
    api.clock.now = OffsetClock.prototype.now;
  }
}

async function add(body: Record<string, unknown>, client: ApiClient = admin): Promise<any> {
  const added = await client.post("/v1/vault/entries", { name: uniqueId("entry"), ...body });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  return added.body;
}

const asUser = (client: ApiClient, userId: string) => ({
  call: (method: string, path: string, body?: unknown) => client.call(method, path, body, { headers: { "Mfa-Acting-User": userId } }),
});

beforeAll(async () => {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  api = await startTestApi(database.url, { LOG_LEVEL: "debug" }, { logger: pino({ level: "debug" }, stream) });
  ({ client: admin, tenantId } = await api.tenant("admin"));
});
afterAll(async () => {
  await api?.close();
});

describe("vault codes equal oathtool's", () => {
  const sets = [
    { algorithm: "SHA1", digits: 6, period: 30 },
    { algorithm: "SHA1", digits: 8, period: 60 },
    { algorithm: "SHA256", digits: 6, period: 30 },
    { algorithm: "SHA256", digits: 8, period: 60 },
    { algorithm: "SHA512", digits: 6, period: 60 },
    { algorithm: "SHA512", digits: 8, period: 30 },
  ] as const;
  for (const p of sets) {
    it(`TOTP ${p.algorithm}, ${p.digits} digits, ${p.period} s: added by URI, every parameter kept`, async () => {
      const { b32 } = newSeed();
      const uri = `otpauth://totp/Acme%20SaaS:team%40acme.test?secret=${b32}&issuer=Acme%20SaaS&algorithm=${p.algorithm}&digits=${p.digits}&period=${p.period}`;
      const entry = await add({ uri, tags: ["saas"], notes: "one seat" });
      expect(entry).toMatchObject({
        type: "totp",
        issuer: "Acme SaaS",
        accountName: "team@acme.test",
        ...p,
        counter: null,
        tags: ["saas"],
      });
      for (const t of [1_700_000_000_000, 1_800_000_017_000, 2_000_000_059_000]) {
        const read = await at(t, () => admin.get(`/v1/vault/entries/${entry.id}/code`));
        expect(read.status).toBe(200);
        expect(read.body.code).toBe(oathTotp(b32, p, Math.floor(t / 1000)));
      }
    });
  }

  for (const digits of [6, 8]) {
    it(`HOTP SHA1 ${digits} digits: each read gives the next counter's code`, async () => {
      const { b32 } = newSeed();
      const entry = await add({ uri: `otpauth://hotp/Bank:ops?secret=${b32}&digits=${digits}&counter=5` });
      expect(entry).toMatchObject({ type: "hotp", counter: 5, period: null, digits });
      const expected = oathHotp(b32, digits, 5, 2);
      for (let i = 0; i < 3; i++) {
        const read = await admin.get(`/v1/vault/entries/${entry.id}/code`);
        expect(read.body).toMatchObject({ type: "hotp", code: expected[i], counter: 5 + i, remainingSeconds: null, validUntil: null });
      }
      expect((await admin.get(`/v1/vault/entries/${entry.id}`)).body.counter).toBe(8);
    });
  }

  it("a seed given as base32 plus parameters makes the same codes", async () => {
    const { b32 } = newSeed(32);
    const entry = await add({ secret: b32.toLowerCase(), algorithm: "SHA256", digits: 8, period: 60, issuer: "X", accountName: "y" });
    const t = 1_750_000_000_000;
    const read = await at(t, () => admin.get(`/v1/vault/entries/${entry.id}/code`));
    expect(read.body.code).toBe(oathTotp(b32, { algorithm: "SHA256", digits: 8, period: 60 }, t / 1000));
  });
});

describe("remaining validity, with a fixed clock", () => {
  it("gives the whole seconds left and the end of the step; under 5 s left, the next code too", async () => {
    const { b32 } = newSeed();
    const entry = await add({ uri: `otpauth://totp/a?secret=${b32}` });
    const stepStart = 1_700_000_010_000; // a multiple of 30 s
    const early = await at(stepStart + 12_300, () => admin.get(`/v1/vault/entries/${entry.id}/code`));
    expect(early.body).toEqual({
      entryId: entry.id,
      type: "totp",
      code: oathTotp(b32, { algorithm: "SHA1", digits: 6, period: 30 }, (stepStart + 12_300) / 1000),
      period: 30,
      remainingSeconds: 18,
      validUntil: new Date(stepStart + 30_000).toISOString(),
      counter: null,
      next: null,
    });
    expect(early.headers.get("cache-control")).toBe("no-store");
    const late = await at(stepStart + 26_000, () => admin.get(`/v1/vault/entries/${entry.id}/code`));
    expect(late.body.remainingSeconds).toBe(4);
    expect(late.body.next).toEqual({
      code: oathTotp(b32, { algorithm: "SHA1", digits: 6, period: 30 }, (stepStart + 30_000) / 1000),
      validUntil: new Date(stepStart + 60_000).toISOString(),
    });
    const exact = await at(stepStart + 25_000, () => admin.get(`/v1/vault/entries/${entry.id}/code`));
    expect([exact.body.remainingSeconds, exact.body.next]).toEqual([5, null]);
  });
});

describe("HOTP under parallel reads", () => {
  it("50 parallel reads give 50 distinct consecutive codes", async () => {
    const { b32 } = newSeed();
    const entry = await add({ uri: `otpauth://hotp/a?secret=${b32}&counter=100` });
    const reads = await Promise.all(Array.from({ length: 50 }, () => admin.get(`/v1/vault/entries/${entry.id}/code`)));
    expect(reads.map((r) => r.status)).toEqual(Array(50).fill(200));
    const counters = reads.map((r) => r.body.counter as number).sort((a, b) => a - b);
    expect(counters).toEqual(Array.from({ length: 50 }, (_, i) => 100 + i));
    const expected = oathHotp(b32, 6, 100, 49);
    for (const r of reads) expect(r.body.code).toBe(expected[r.body.counter - 100]);
    expect(new Set(reads.map((r) => r.body.code)).size).toBe(50);
    expect((await admin.get(`/v1/vault/entries/${entry.id}`)).body.counter).toBe(150);
  });
});

describe("access", () => {
  let service: ApiClient;
  beforeAll(async () => {
    const issued = await issueApiKey(api.server.database.db, tenantId, "vault service", "service");
    service = new ApiClient(api.url, issued.apiKey);
  });

  it("a user without a grant gets 403 naming the missing grant, and the refusal is audited with the client address", async () => {
    const entry = await add({ uri: `otpauth://totp/a?secret=${newSeed().b32}` });
    const refused = await asUser(service, "mallory").call("GET", `/v1/vault/entries/${entry.id}/code`);
    expect(refused.status).toBe(403);
    expect(refused.contentType).toContain("application/problem+json");
    expect(refused.body).toMatchObject({ code: "forbidden" });
    expect(refused.body.detail).toContain('"mallory" has no read_code grant');
    const audit = await admin.get(`/v1/audit-events?type=vault.access_denied&userId=mallory`);
    expect(audit.body.events).toHaveLength(1);
    expect(audit.body.events[0].data).toMatchObject({ entryId: entry.id, permission: "read_code", clientAddress: "127.0.0.1" });
    // A service key that names no user is refused too.
    const anonymous = await service.get(`/v1/vault/entries/${entry.id}/code`);
    expect(anonymous.status).toBe(403);
    expect(anonymous.body.detail).toContain("Mfa-Acting-User");
    expect((await service.get("/v1/vault/entries")).status).toBe(403);
  });

  it("grants to a user and to a group let them read; every read is audited; revoking takes it away", async () => {
    const entry = await add({ uri: `otpauth://totp/a?secret=${newSeed().b32}` });
    const alice = asUser(service, "alice");
    const bob = asUser(service, "bob");
    expect((await admin.put("/v1/vault/groups/ops", { members: ["bob", "carol"] })).body).toEqual({ id: "ops", members: ["bob", "carol"] });
    expect((await admin.get("/v1/vault/groups")).body.groups).toContainEqual({ id: "ops", members: ["bob", "carol"] });
    const g1 = await admin.post(`/v1/vault/entries/${entry.id}/grants`, {
      principal: { kind: "user", id: "alice" },
      permission: "read_code",
    });
    expect(g1.status).toBe(200);
    await admin.post(`/v1/vault/entries/${entry.id}/grants`, { principal: { kind: "group", id: "ops" }, permission: "read_code" });
    expect((await alice.call("GET", `/v1/vault/entries/${entry.id}/code`)).status).toBe(200);
    expect((await bob.call("GET", `/v1/vault/entries/${entry.id}/code`)).status).toBe(200);
    const listed = await alice.call("GET", "/v1/vault/entries");
    expect(listed.body.entries.map((e: any) => e.id)).toContain(entry.id);
    // alice may read but not manage: no grants shown, and granting is refused.
    expect(listed.body.entries.find((e: any) => e.id === entry.id).grants).toEqual([]);
    const grantByAlice = await alice.call("POST", `/v1/vault/entries/${entry.id}/grants`, {
      principal: { kind: "user", id: "alice" },
      permission: "manage",
    });
    expect(grantByAlice.status).toBe(403);
    const reads = await admin.get(`/v1/audit-events?type=vault.code_read&limit=200`);
    const mine = reads.body.events.filter((e: any) => e.data.entryId === entry.id);
    expect(mine.map((e: any) => e.userId).sort()).toEqual(["alice", "bob"]);
    for (const e of mine) {
      expect(e.data).toMatchObject({ clientAddress: "127.0.0.1", burst: false });
      expect(typeof e.data.timeStep).toBe("number");
      expect(e.actor.kind).toBe("api_key");
    }
    const revoked = await admin.post(`/v1/vault/entries/${entry.id}/grants/revoke`, {
      principal: { kind: "group", id: "ops" },
      permission: "read_code",
    });
    expect(revoked.body.grants).toEqual([{ principal: { kind: "user", id: "alice" }, permission: "read_code" }]);
    expect((await bob.call("GET", `/v1/vault/entries/${entry.id}/code`)).status).toBe(403);
    const again = await admin.post(`/v1/vault/entries/${entry.id}/grants/revoke`, {
      principal: { kind: "group", id: "ops" },
      permission: "read_code",
    });
    expect(again).toMatchObject({ status: 404, body: { code: "vault_grant_not_found" } });
  });

  it("a user who adds an entry manages it; deleting it removes it", async () => {
    const dave = asUser(service, "dave");
    const added = await dave.call("POST", "/v1/vault/entries", { name: uniqueId("dave"), uri: `otpauth://totp/a?secret=${newSeed().b32}` });
    expect(added.status).toBe(201);
    expect(added.body.grants).toEqual([{ principal: { kind: "user", id: "dave" }, permission: "manage" }]);
    expect((await dave.call("DELETE", `/v1/vault/entries/${added.body.id}`)).status).toBe(204);
    expect((await admin.get(`/v1/vault/entries/${added.body.id}`)).status).toBe(404);
  });

  it("another tenant's key sees nothing: 404 for the entry and its code, an empty list", async () => {
    const entry = await add({ uri: `otpauth://totp/a?secret=${newSeed().b32}` });
    const { client: other } = await api.tenant("admin");
    for (const path of [`/v1/vault/entries/${entry.id}`, `/v1/vault/entries/${entry.id}/code`]) {
      const r = await other.get(path);
      expect(r.status).toBe(404);
      expect(r.body.code).toBe("vault_entry_not_found");
    }
    expect(
      (await other.post(`/v1/vault/entries/${entry.id}/grants`, { principal: { kind: "user", id: "x" }, permission: "manage" })).status,
    ).toBe(404);
    expect((await other.get("/v1/vault/entries")).body).toEqual({ entries: [] });
    expect((await admin.get(`/v1/vault/entries/${entry.id}`)).status).toBe(200);
  });
});

describe("rate limit and bursts", () => {
  it("reads past the burst threshold are flagged in the audit; past the limit they are refused (429)", async () => {
    const limited = await startTestApi(database.url, { VAULT_READS_PER_WINDOW: "4", VAULT_BURST_READS: "2" });
    try {
      const { client } = await limited.tenant("admin");
      const added = await client.post("/v1/vault/entries", { name: "burst", uri: `otpauth://totp/a?secret=${newSeed().b32}` });
      const other = await client.post("/v1/vault/entries", { name: "other", uri: `otpauth://totp/a?secret=${newSeed().b32}` });
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await client.get(`/v1/vault/entries/${added.body.id}/code`)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
      // Per entry: another entry still answers.
      expect((await client.get(`/v1/vault/entries/${other.body.id}/code`)).status).toBe(200);
      const bursts = await client.get("/v1/audit-events?type=vault.read_burst");
      expect(bursts.body.events.map((e: any) => e.data.reads).sort()).toEqual([3, 4]);
      const reads = await client.get("/v1/audit-events?type=vault.code_read");
      expect(reads.body.events.filter((e: any) => e.data.burst === true)).toHaveLength(2);
    } finally {
      await limited.close();
    }
  });
});

describe("bad input: a 4xx problem naming the problem, and nothing stored", () => {
  const b32 = encodeBase32(randomBytes(20));
  const short = encodeBase32(randomBytes(9));
  it.each<[string, Record<string, unknown>, RegExp]>([
    ["a malformed URI", { uri: "otpauth:/totp?secret" }, /^uri: invalid_uri/],
    ["another scheme", { uri: `https://example.com/?secret=${b32}` }, /invalid_scheme/],
    ["an unsupported algorithm", { uri: `otpauth://totp/a?secret=${b32}&algorithm=MD5` }, /uri\.algorithm: invalid_algorithm/],
    ["7 digits", { uri: `otpauth://totp/a?secret=${b32}&digits=7` }, /uri\.digits: invalid_digits/],
    ["an empty secret", { uri: "otpauth://totp/a?secret=" }, /uri\.secret: missing_secret/],
    ["a secret under 80 bits", { uri: `otpauth://totp/a?secret=${short}` }, /uri\.secret: invalid_secret/],
    ["an unknown parameter", { uri: `otpauth://totp/a?secret=${b32}&colour=red` }, /unknown_parameter: unknown parameter "colour"/],
    ["a 45 s period", { uri: `otpauth://totp/a?secret=${b32}&period=45` }, /period: expected 30 or 60 seconds, got 45/],
    ["an HOTP URI without a counter", { uri: `otpauth://hotp/a?secret=${b32}` }, /missing_counter/],
    ["base32: an empty secret", { secret: "" }, /secret: empty/],
    ["base32: not base32", { secret: "not base32!" }, /secret: not base32/],
    ["base32: under 80 bits", { secret: short }, /secret: under 80 bits/],
    ["base32: 7 digits", { secret: b32, digits: 7 }, /digits: expected 6 or 8, got 7/],
    ["base32: an unsupported algorithm", { secret: b32, algorithm: "SHA3-256" }, /algorithm: unsupported/],
  ])("%s", async (_, body, detail) => {
    const before = (await admin.get("/v1/vault/entries")).body.entries.length;
    const r = await admin.post("/v1/vault/entries", { name: uniqueId("bad"), ...body });
    expect(r.status).toBe(400);
    expect(r.contentType).toContain("application/problem+json");
    expect(r.body.code).toBe("invalid_seed");
    expect(r.body.detail).toMatch(detail);
    expect((await admin.get("/v1/vault/entries")).body.entries.length).toBe(before);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["both uri and secret", { uri: `otpauth://totp/a?secret=${b32}`, secret: b32 }, /give exactly one of uri and secret/],
    ["neither", {}, /give exactly one of uri and secret/],
    ["parameters beside a uri", { uri: `otpauth://totp/a?secret=${b32}`, digits: 8 }, /parameters come from the URI/],
    ["an unknown field", { secret: b32, window: 5 }, /unknown field "window"/],
  ])("request shape: %s", async (_, body, detail) => {
    const r = await admin.post("/v1/vault/entries", { name: uniqueId("bad"), ...body });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: "invalid_request" });
    expect(r.body.detail).toMatch(detail);
  });

  it("a name used twice, a bad acting user, a bad grant and a bad group are refused by name", async () => {
    const name = uniqueId("dup");
    await add({ name, uri: `otpauth://totp/a?secret=${b32}` });
    const dup = await admin.post("/v1/vault/entries", { name, uri: `otpauth://totp/a?secret=${b32}` });
    expect(dup).toMatchObject({ status: 409, body: { code: "vault_entry_exists" } });
    const badUser = await admin.call("GET", "/v1/vault/entries", undefined, { headers: { "Mfa-Acting-User": "a b" } });
    expect(badUser.status).toBe(400);
    expect(badUser.body.detail).toContain("mfa-acting-user");
    const entry = (await admin.get("/v1/vault/entries")).body.entries[0];
    const badGrant = await admin.post(`/v1/vault/entries/${entry.id}/grants`, {
      principal: { kind: "group", id: "Not A Slug" },
      permission: "read_code",
    });
    expect(badGrant).toMatchObject({ status: 400, body: { code: "invalid_input" } });
    const badPermission = await admin.post(`/v1/vault/entries/${entry.id}/grants`, {
      principal: { kind: "user", id: "x" },
      permission: "admin",
    });
    expect(badPermission.status).toBe(400);
    expect((await admin.put("/v1/vault/groups/Bad Group", { members: [] })).status).toBe(400);
  });
});

describe("pnpm mfa vault (the operator's CLI)", () => {
  it("add with a dry run reports each line's fate; add, list, code, grant and revoke; no seed printed", async () => {
    const { client, tenantId: tenant } = await api.tenant("admin");
    const env = { DATABASE_URL: database.url, MFA_SECRET_KEYS: api.keySpec };
    const cli = (...args: string[]) => runNode("src/cli.ts", ["vault", ...args], env);
    const totp = newSeed();
    const hotp = newSeed();
    const dir = mkdtempSync(join(tmpdir(), "mfa-vault-"));
    try {
      const file = join(dir, "seeds.txt");
      writeFileSync(
        file,
        [
          `otpauth://totp/Acme:ops?secret=${totp.b32}&issuer=Acme`,
          `otpauth://totp/Acme:other?secret=${newSeed().b32}&digits=7`,
          "# a comment, then a blank line",
          "",
          `otpauth://hotp/Bank:ops?secret=${hotp.b32}&counter=3&algorithm=SHA1`,
          `otpauth://totp/Acme:ops?secret=${newSeed().b32}`,
          `otpauth://totp/x?secret=${newSeed().b32}&foo=bar`,
        ].join("\n"),
      );
      const dry = await cli("add", tenant, file, "--dry-run");
      expect(dry.code).toBe(1);
      expect(dry.stdout.trim().split("\n")).toEqual([
        'line 1: would add "Acme: ops" (totp, SHA1, 6 digits)',
        expect.stringMatching(/^line 2: refused: uri\.digits: invalid_digits/),
        'line 5: would add "Bank: ops" (hotp, SHA1, 6 digits)',
        'line 6: refused: an entry named "Acme: ops" exists',
        expect.stringMatching(/^line 7: refused: uri: unknown_parameter: unknown parameter "foo"/),
        "dry run: 2 of 5 would be added",
      ]);
      expect((await client.get("/v1/vault/entries")).body.entries).toEqual([]);

      const added = await cli("add", tenant, file);
      expect(added.code).toBe(1);
      expect(added.stdout).toMatch(/line 1: added ve_\S+ "Acme: ops"/);
      expect(added.stdout).toMatch(/line 5: added ve_\S+ "Bank: ops"/);
      expect(added.stdout).toContain("2 of 5 added");
      const entries = (await client.get("/v1/vault/entries")).body.entries;
      expect(entries.map((e: any) => [e.name, e.type, e.counter])).toEqual([
        ["Acme: ops", "totp", null],
        ["Bank: ops", "hotp", 3],
      ]);

      const listed = await cli("list", tenant);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain("Acme: ops\ttotp SHA1 6 digits, 30 s");
      expect(listed.stdout).toContain("Bank: ops\thotp SHA1 6 digits, counter 3");

      const before = Math.floor(Date.now() / 1000);
      const code = await cli("code", tenant, "Acme: ops");
      const after = Math.floor(Date.now() / 1000);
      expect(code.code).toBe(0);
      const shown = /^(\d{6}) \(valid (\d+) s more\)/.exec(code.stdout)?.[1];
      const possible = [before, after].map((t) => oathTotp(totp.b32, { algorithm: "SHA1", digits: 6, period: 30 }, t));
      expect(possible).toContain(shown);
      const hotpCode = await cli("code", tenant, "Bank: ops");
      expect(hotpCode.stdout.trim()).toBe(`${oathHotp(hotp.b32, 6, 3)[0]} (counter 3)`);

      expect((await cli("code", tenant, "Acme: ops", "--as", "alice")).code).toBe(2);
      const granted = await cli("grant", tenant, "Acme: ops", "user:alice", "read_code");
      expect(granted.code).toBe(0);
      expect(granted.stdout).toContain("user:alice read_code");
      expect((await cli("code", tenant, "Acme: ops", "--as", "alice")).code).toBe(0);
      const revoked = await cli("revoke", tenant, "Acme: ops", "user:alice", "read_code");
      expect(revoked.stdout).toContain("no grants");
      const refused = await cli("code", tenant, "Acme: ops", "--as", "alice");
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('no entry "Acme: ops" that user "alice" may read');
      expect((await cli("grant", tenant, "Acme: ops", "alice", "read_code")).stderr).toContain("user:<id> or group:<id>");

      const reads = (await client.get("/v1/audit-events?type=vault.code_read")).body.events;
      expect(reads.map((e: any) => [e.actor.kind, e.userId])).toEqual([
        ["system", "alice"],
        ["system", null],
        ["system", null],
      ]);
      const printed = [dry, added, listed, code, hotpCode, granted, revoked].map((r) => r.stdout + r.stderr).join("");
      for (const seed of [totp, hotp]) {
        expect(printed).not.toContain(seed.b32);
        expect(printed).not.toContain(seed.raw.toString("hex"));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("no seed anywhere but sealed", () => {
  it("a database dump, the logs, the audit and the API's answers hold no seed", async () => {
    expect(seeds.length).toBeGreaterThan(10);
    const dump = (await pgDump(database.url)).toString("latin1");
    expect(dump).toContain("vault_entries");
    const answers = JSON.stringify([
      (await admin.get("/v1/vault/entries")).body,
      (await admin.get("/v1/audit-events?limit=200")).body,
      await Promise.all(
        ((await admin.get("/v1/vault/entries")).body.entries as any[]).map((e) =>
          admin.get(`/v1/vault/entries/${e.id}`).then((r) => r.body),
        ),
      ),
    ]);
    const logs = logLines.join("");
    expect(logs).toContain("/v1/vault/entries/:entryId/code");
    for (const seed of seeds) {
      const spellings = [encodeBase32(seed), encodeBase32(seed).toLowerCase(), seed.toString("hex"), seed.toString("base64")];
      for (const s of spellings) {
        expect(dump).not.toContain(s);
        expect(answers).not.toContain(s);
        expect(logs).not.toContain(s);
      }
      expect(dump).not.toContain(seed.toString("latin1"));
    }
  });
});
