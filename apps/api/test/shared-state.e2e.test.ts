// Properties about state shared between API processes, shown through two real API processes on one PostgreSQL
// database: S2 (parallel submissions of one code), S6 (failure counting under parallel load), S18–S20 (backup codes:
// shown once and stored only hashed, redeemed once, counted in the lockout) and S10 (nothing secret in what the
// processes log, answer or audit).
import { randomBytes } from "node:crypto";
import { generateKeyringKey } from "@mfa-chain/crypto";
import { pgDump } from "@mfa-chain/pg-harness";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, verifyAuditChain } from "@mfa-chain/infra-postgres";
import { createTenant, issueApiKey } from "../src/boot/api-keys.js";
import { ApiClient, Authenticator, enrollAll, twoFactorPolicy, uniqueId, type Enrollment } from "./support/api.js";
import { runNode, spawnApi, type ApiProcess } from "./support/processes.js";

const database = useTestDatabase("api_shared_state");
let processes: ApiProcess[] = [];
let a: ApiClient;
let tenantId: string;
let b: ApiClient;
const clock = { now: () => Date.now() };
/** Everything secret the tests handled: none of it may appear in logs, audit records or error bodies. */
const secrets = new Set<string>();
const codes = new Set<string>();

beforeAll(async () => {
  const env = {
    DATABASE_URL: database.url,
    MFA_SECRET_KEYS: `k1:${generateKeyringKey()}`,
    MFA_CODE_HASH_KEY: randomBytes(32).toString("base64"),
    LOG_LEVEL: "debug",
    // Both processes sit "behind" a trusted proxy on loopback, so the X-Forwarded-For addresses below are believed.
    TRUSTED_PROXIES: "127.0.0.1,::1",
    RATE_LIMIT_PER_IP: "1000000",
    RATE_LIMIT_PER_KEY: "1000000",
  };
  processes = await Promise.all([spawnApi(env), spawnApi(env)]);
  const db = createDatabase({ url: database.url, poolSize: 1 });
  tenantId = uniqueId("t");
  const { apiKey } = await createTenant(db.db, { id: tenantId, name: "shared", role: "admin", now: Date.now() });
  secrets.add(apiKey);
  await db.close();
  a = new ApiClient(processes[0]!.url, apiKey);
  b = new ApiClient(processes[1]!.url, apiKey);
  expect((await a.post("/v1/policies", twoFactorPolicy("login"))).status).toBe(201);
  expect((await b.post("/v1/policies", { ...twoFactorPolicy("lenient"), lockout: { maxFailures: 100 } })).status).toBe(201);
  expect((await a.post("/v1/policies", recoveryPolicy)).status).toBe(201);
}, 90_000);

/** One step with a backup code (what a user who lost the phone passes), failures counted generously. */
const recoveryPolicy = {
  id: "recovery",
  name: "Backup codes",
  mode: "fixed",
  requiredSteps: 1,
  factors: [{ id: "backup", label: "Backup codes", type: "backup_code" }],
  lockout: { maxFailures: 100 },
};

/** A user with a fresh set of backup codes, enrolled through one process; the codes are remembered as secrets. */
async function userWithBackupCodes(client: ApiClient = a) {
  const userId = uniqueId("u");
  const enrolled = await client.post(`/v1/users/${userId}/factors`, { policyId: "recovery", factorId: "backup" });
  expect(enrolled.status).toBe(201);
  const shown = enrolled.body.codes as string[];
  for (const code of shown) codes.add(code);
  return { userId, enrolled, shown };
}

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
});

/** Alternates requests between the two processes. */
const via = (i: number): ApiClient => (i % 2 === 0 ? a : b);

async function enrolledUser(policyId: string) {
  const userId = uniqueId("u");
  const devices = await enrollAll(a, clock, { userId, policyId, factorIds: ["google_auth", "ms_auth"] });
  for (const d of Object.values(devices)) secrets.add(d.enrollment.secret);
  return { userId, g: devices.google_auth as Authenticator, m: devices.ms_auth as Authenticator };
}

const start = async (client: ApiClient, userId: string, policyId: string) =>
  (await client.post("/v1/attempts", { userId, policyId })).body.attemptId as string;

describe("two API processes, one database", () => {
  it("a key revoked with `mfa revoke-key` is refused at once by both processes, their key caches included", async () => {
    const db = createDatabase({ url: database.url, poolSize: 1 });
    const issued = await issueApiKey(db.db, tenantId, uniqueId("ops"), "admin");
    await db.close();
    secrets.add(issued.apiKey);
    const clients = processes.map((p) => new ApiClient(p.url, issued.apiKey));
    // Each process hears revocations, so it caches keys (30 s): the key below is served from the cache.
    for (const p of processes) expect(p.output()).toContain("hearing API-key revocations: key cache on");
    for (const client of clients) for (let i = 0; i < 3; i++) expect((await client.get("/v1/policies")).status).toBe(200);

    const revoked = await runNode("src/cli.ts", ["revoke-key", tenantId, issued.keyId], { DATABASE_URL: database.url });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`key ${issued.keyId} revoked`);
    const refusedAfter = await Promise.all(
      clients.map(async (client) => {
        const since = Date.now();
        // The notice travels from the revoking commit to each process's listener: allow it a moment, far below the TTL.
        while ((await client.get("/v1/policies")).status !== 401) {
          if (Date.now() - since > 1_000) throw new Error("a revoked key was still accepted 1 s after revoke-key returned");
          await new Promise((r) => setTimeout(r, 10));
        }
        return Date.now() - since;
      }),
    );
    expect(Math.max(...refusedAfter)).toBeLessThan(1_000);
    // eslint-disable-next-line no-console
    console.info(`[revoke-key] refused by the two processes ${refusedAfter.join(" ms and ")} ms after revoke-key returned`);
    // A second revocation is refused, naming the key; the first is in the audit.
    const again = await runNode("src/cli.ts", ["revoke-key", tenantId, issued.keyId], { DATABASE_URL: database.url });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(issued.keyId);
    const audit = await a.get(`/v1/audit-events?type=api_key.revoked`);
    expect(audit.status).toBe(200);
    expect(audit.body.events.map((e: { data: { keyId: string } }) => e.data.keyId)).toContain(issued.keyId);
  }, 60_000);

  it("S2 parallel submissions of one valid code, through both processes: exactly one success", async () => {
    const { userId, g } = await enrolledUser("lenient");
    const attemptId = await start(a, userId, "lenient");
    const code = g.next();
    codes.add(code);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => via(i).post(`/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code })),
    );
    expect(results.map((r) => r.status).filter((s) => s !== 200 && s !== 409)).toEqual([]);
    expect(results.filter((r) => r.body.success === true)).toHaveLength(1);
    const attempt = (await b.get(`/v1/attempts/${attemptId}`)).body;
    // One success, and the replays after it (failures) reset the chain: never more than one step passed.
    expect(attempt.stepsPassed).toBeLessThanOrEqual(1);

    // The same code in 30 different attempts of the user (one credential, one time step): one success.
    const attempts = await Promise.all(Array.from({ length: 30 }, (_, i) => start(via(i), userId, "lenient")));
    const next = g.next();
    codes.add(next);
    const across = await Promise.all(
      attempts.map((id, i) => via(i).post(`/v1/attempts/${id}/verify`, { factorId: "google_auth", code: next })),
    );
    expect(across.filter((r) => r.body.success === true)).toHaveLength(1);
    await a.post(`/v1/users/${userId}/unlock`);
  });

  it("S2 two different right codes for one step of one attempt, at once through both processes: one advance", async () => {
    // Steps now and now+1: when now is checked first the replay guard passes now+1 too, so only the attempt's
    // concurrency control keeps the cursor to one advance. Eight attempts, so both orders occur.
    for (let trial = 0; trial < 8; trial++) {
      const { userId, g } = await enrolledUser("lenient");
      const attemptId = await start(a, userId, "lenient");
      const pair = [g.at(0), g.at(1)];
      for (const c of pair) codes.add(c);
      const both = await Promise.all(
        pair.map((code, i) => via(i).post(`/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code })),
      );
      expect(both.map((r) => r.status).filter((s) => s !== 200 && s !== 409)).toEqual([]);
      expect(both.filter((r) => r.body.success === true)).toHaveLength(1);
      expect((await b.get(`/v1/attempts/${attemptId}`)).body.stepsPassed).toBeLessThanOrEqual(1);
      const passed = (await a.get(`/v1/audit-events?userId=${userId}&type=attempt.step_succeeded`)).body.events as unknown[];
      expect(passed).toHaveLength(1);
    }
  });

  it("S2 parallel advancing of the same step of one attempt: exactly one advance", async () => {
    const { userId, g, m } = await enrolledUser("lenient");
    const attemptId = await start(a, userId, "lenient");
    const one = await a.post(`/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code: g.next() });
    expect(one.body.success).toBe(true);
    const code = m.next();
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => via(i).post(`/v1/attempts/${attemptId}/verify`, { factorId: "ms_auth", code })),
    );
    expect(results.filter((r) => r.body.complete === true)).toHaveLength(1);
    expect((await a.get(`/v1/attempts/${attemptId}`)).body).toMatchObject({ status: "completed", stepsPassed: 2 });
    await a.post(`/v1/users/${userId}/unlock`);
  });

  it("S6 N parallel wrong codes across processes, attempts and factors raise the count by exactly N", async () => {
    const { userId, g, m } = await enrolledUser("lenient");
    const attempts = await Promise.all([start(a, userId, "lenient"), start(b, userId, "lenient")]);
    const n = 40;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        via(i).call(
          "POST",
          `/v1/attempts/${attempts[i % 2]}/verify`,
          { factorId: i % 3 === 0 ? "ms_auth" : "google_auth", code: (i % 2 ? g : m).wrong() },
          {
            headers: { "x-forwarded-for": `10.0.0.${i}` },
          },
        ),
      ),
    );
    expect(results.map((r) => r.status).filter((s) => s !== 200 && s !== 409)).toEqual([]);
    expect(results.every((r) => r.body.success === false || r.body.code === "chain_breached")).toBe(true);
    expect((await b.get(`/v1/users/${userId}/lockout`)).body).toMatchObject({ consecutiveFailures: n, locked: false });
  });

  it("S6 with the default limit of 5, parallel wrong codes record exactly 5 failures and then nothing slips through", async () => {
    const { userId, g } = await enrolledUser("login");
    const attempts = await Promise.all([start(a, userId, "login"), start(b, userId, "login")]);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        via(i).post(`/v1/attempts/${attempts[i % 2]}/verify`, { factorId: "google_auth", code: g.wrong() }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(results.filter((r) => r.status === 423)).toHaveLength(25);
    // Locked: right codes, in parallel, through both processes, are all refused alike.
    const right = g.next();
    codes.add(right);
    const after = await Promise.all(
      Array.from({ length: 20 }, (_, i) => via(i).post(`/v1/attempts/${attempts[i % 2]}/verify`, { factorId: "google_auth", code: right })),
    );
    expect(after.every((r) => r.status === 423 && r.body.code === "user_locked")).toBe(true);
    expect((await a.get(`/v1/users/${userId}/lockout`)).body).toMatchObject({ locked: true, consecutiveFailures: 5, lockCount: 1 });
  });

  it("S18 backup codes: ten of 75 bits, shown once, active at once, and the database holds none of them in any spelling", async () => {
    const { userId, enrolled, shown } = await userWithBackupCodes();
    expect(enrolled.headers.get("cache-control")).toBe("no-store");
    expect(enrolled.body).toMatchObject({ factor: { type: "backup_code", status: "active", remaining: 10 }, confirmBefore: null });
    expect(new Set(shown).size).toBe(10);
    // 15 characters of Crockford's base32 (5 bits each): 75 bits, shown in groups of five.
    for (const code of shown) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    // Never shown again: the factor list has the count, not the codes.
    const listed = await b.get(`/v1/users/${userId}/factors`);
    expect(listed.body.factors).toEqual([expect.objectContaining({ type: "backup_code", remaining: 10 })]);
    expect(JSON.stringify(listed.body)).not.toMatch(/[0-9A-Z]{5}-[0-9A-Z]{5}/);
    const dump = (await pgDump(database.url)).toString("latin1");
    expect(dump).toContain("backup_codes");
    for (const code of shown) {
      const canonical = code.replaceAll("-", "");
      for (const form of [code, canonical, canonical.toLowerCase(), Buffer.from(canonical).toString("hex")]) {
        expect(dump.includes(form), "the database dump holds a backup code").toBe(false);
      }
    }
  });

  it("S19 50 parallel redemptions of one backup code, through both processes: exactly one success; it fails afterwards", async () => {
    const { userId, shown } = await userWithBackupCodes(b);
    const attempts = await Promise.all(Array.from({ length: 50 }, (_, i) => start(via(i), userId, "recovery")));
    const code = shown[3] as string;
    const results = await Promise.all(attempts.map((id, i) => via(i).post(`/v1/attempts/${id}/verify`, { factorId: "backup", code })));
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    expect(results.filter((r) => r.body.success === true)).toHaveLength(1);
    // Used: refused in a new attempt, typed either way; another code of the set still passes, once.
    const again = await start(a, userId, "recovery");
    for (const typed of [code, code.replaceAll("-", "").toLowerCase()]) {
      expect((await a.post(`/v1/attempts/${again}/verify`, { factorId: "backup", code: typed })).body.success).toBe(false);
    }
    const other = (shown[7] as string).replaceAll("-", " ").toLowerCase();
    expect((await b.post(`/v1/attempts/${again}/verify`, { factorId: "backup", code: other })).body).toMatchObject({
      success: true,
      complete: true,
    });
    const listed = await a.get(`/v1/users/${userId}/factors`);
    expect(listed.body.factors[0]).toMatchObject({ remaining: 8 });
    // A new set replaces the old one at once: its unused codes fail from then on.
    const renewed = await a.post(`/v1/users/${userId}/factors`, { policyId: "recovery", factorId: "backup" });
    for (const c of renewed.body.codes as string[]) codes.add(c);
    const afterRenewal = await start(b, userId, "recovery");
    expect((await b.post(`/v1/attempts/${afterRenewal}/verify`, { factorId: "backup", code: shown[0] })).body.success).toBe(false);
    const factors = (await a.get(`/v1/users/${userId}/factors`)).body.factors as { status: string }[];
    expect(factors.map((f) => f.status).sort()).toEqual(["active", "revoked"]);
    await a.post(`/v1/users/${userId}/unlock`);
  });

  it("S20 backup codes share the user's failure counter: 50 parallel wrong codes through both processes count exactly 50", async () => {
    const { userId } = await userWithBackupCodes();
    const attempts = await Promise.all([start(a, userId, "recovery"), start(b, userId, "recovery")]);
    const wrong = Array.from({ length: 50 }, (_, i) => `ZZZZZ-ZZZZZ-${String(i).padStart(5, "0")}`);
    const results = await Promise.all(
      wrong.map((code, i) => via(i).post(`/v1/attempts/${attempts[i % 2]}/verify`, { factorId: "backup", code })),
    );
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    expect(results.every((r) => r.body.success === false)).toBe(true);
    expect((await b.get(`/v1/users/${userId}/lockout`)).body).toMatchObject({ consecutiveFailures: 50, locked: false });
  });

  it("S10 codes, secrets and keys appear in no log line, audit record or error body", async () => {
    // A flow that handles secrets and codes of every kind, including failures.
    const { userId, g, m } = await enrolledUser("login");
    const attemptId = await start(b, userId, "login");
    const bodies: string[] = [];
    const valid = [g.next(), g.next()];
    const wrong = m.wrong();
    for (const code of [...valid, wrong]) codes.add(code);
    for (const [factorId, code] of [
      ["google_auth", valid[0]],
      ["ms_auth", wrong],
      ["ms_auth", "１２３４５６"],
      ["google_auth", valid[1]],
    ] as const) {
      bodies.push(JSON.stringify((await b.post(`/v1/attempts/${attemptId}/verify`, { factorId, code })).body));
    }
    const enrolledUserId = uniqueId("u");
    const enrolled = await a.post<Enrollment>(`/v1/users/${enrolledUserId}/factors`, { policyId: "login", factorId: "google_auth" });
    secrets.add(enrolled.body.secret);
    const wrongConfirm = new Authenticator(enrolled.body, clock).wrong();
    codes.add(wrongConfirm);
    const bad = await a.post(`/v1/users/${enrolledUserId}/factors/${enrolled.body.factor.id}/confirm`, { code: wrongConfirm });
    expect(bad.body).toMatchObject({ confirmed: false });
    const rightConfirm = new Authenticator(enrolled.body, clock).next();
    codes.add(rightConfirm);
    bodies.push(
      JSON.stringify((await b.post(`/v1/users/${enrolledUserId}/factors/${enrolled.body.factor.id}/confirm`, { code: rightConfirm })).body),
    );
    // Error bodies: a code too long to be one (400), a right code for a factor that is not the current step (409), a
    // code for a factor that does not exist (409), on both processes.
    const malformed = "73".repeat(40);
    const outOfTurn = m.next();
    codes.add(outOfTurn);
    const fresh = await start(a, userId, "login");
    for (const [client, factorId, code, status] of [
      [a, "google_auth", malformed, 400],
      [b, "ms_auth", outOfTurn, 409],
      [a, "no_such_factor", g.at(0), 409],
    ] as const) {
      const r = await client.post(`/v1/attempts/${fresh}/verify`, { factorId, code });
      expect(r.status).toBe(status);
      expect(r.contentType).toContain("application/problem+json");
      bodies.push(JSON.stringify(r.body));
    }
    for (const code of [malformed, wrongConfirm, "１２３４５６", g.at(0)]) codes.add(code);

    // Every audit record of the tenant, read from the database with all its columns (not only what the API lists).
    const db = createDatabase({ url: database.url, poolSize: 1 });
    let audit: string;
    try {
      const rows = await db.db.selectFrom("audit_events").selectAll().where("tenant_id", "=", tenantId).execute();
      expect(rows.length).toBeGreaterThan(200);
      expect(rows.some((r) => r.user_id === userId)).toBe(true);
      audit = JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
    } finally {
      await db.close();
    }

    const logs = processes.map((p) => p.output()).join("\n");
    expect(logs).toContain("mfa-chain API listening");
    // Codes are six digits, which a timestamp may hold by chance: look for them as JSON string values.
    const forbidden = [...secrets, ...[...codes].map((c) => `"${c}"`)];
    for (const s of forbidden) {
      expect(logs.includes(s), "a log line holds a code or secret").toBe(false);
      expect(audit.includes(s), "an audit record holds a code or secret").toBe(false);
      for (const body of bodies) expect(body.includes(s), "a response body holds a code or secret").toBe(false);
    }
  });

  it("both processes seal the tenant's audit trail into one valid hash chain", async () => {
    const db = createDatabase({ url: database.url, poolSize: 1 });
    try {
      const deadline = Date.now() + 20_000;
      let report = await verifyAuditChain(db.db, tenantId);
      while (report.ok && report.unsealed > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        report = await verifyAuditChain(db.db, tenantId);
      }
      expect(report).toMatchObject({ ok: true, unsealed: 0 });
      expect(report.ok && report.checked).toBeGreaterThan(100);
    } finally {
      await db.close();
    }
  });
});
