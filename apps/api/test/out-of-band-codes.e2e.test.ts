// Email and SMS codes end to end (issue 11; S14–S16, S26, S30), on real parts: two API processes on one PostgreSQL
// database, codes delivered over a real SMTP conversation (nodemailer → an SMTP server on loopback with STARTTLS and a
// certificate made by openssl at run time, reached through a TCP relay the test can cut) and parsed back with
// mailparser; SMS to an HTTP receiver on loopback that checks the webhook's signature. Nothing secret — no code, no full
// address or number — in logs, audit, error bodies or a dump of the database.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyringKey } from "@mfa-chain/crypto";
import {
  makeTestCertificates,
  startLoopbackServer,
  startSmtpTestServer,
  type LoopbackServer,
  type SmtpTestServer,
} from "@mfa-chain/delivery/testing";
import { createDatabase } from "@mfa-chain/infra-postgres";
import { pgDump } from "@mfa-chain/pg-harness";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant } from "../src/boot/api-keys.js";
import { ApiClient, Authenticator, uniqueId, type Enrollment } from "./support/api.js";
import { spawnApi, type ApiProcess } from "./support/processes.js";

const database = useTestDatabase("api_out_of_band");
const SMS_SECRET = randomBytes(24).toString("hex");
let processes: ApiProcess[] = [];
let smtp: SmtpTestServer;
let relay: Relay;
let sms: LoopbackServer;
let a: ApiClient;
let b: ApiClient;
const clock = { now: () => Date.now() };
/** Every code and full destination the tests handled: none may appear in logs, audit, error bodies or the dump. */
const secrets = new Set<string>();

/** A TCP relay in front of the SMTP server: `down()` cuts every connection and refuses new ones until `up()`. */
interface Relay {
  readonly port: number;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

async function startRelay(targetPort: number): Promise<Relay> {
  let open = true;
  const pairs = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!open) return void client.destroy();
    const upstream = connect(targetPort, "127.0.0.1");
    pairs.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(client);
      pairs.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    port: (server.address() as AddressInfo).port,
    down() {
      open = false;
      for (const s of pairs) s.destroy();
      pairs.clear();
    },
    up() {
      open = true;
    },
    close: () =>
      new Promise((ok) => {
        for (const s of pairs) s.destroy();
        server.close(() => ok());
      }),
  };
}

/** The receiver's side of the webhook signature, written from docs/delivery.md. */
function verifySignature(rawBody: Buffer, header: string | undefined): boolean {
  if (header === undefined) return false;
  const fields = Object.fromEntries(header.split(",").map((part) => part.split("=", 2)));
  const t = Number(fields.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300) return false;
  const expected = createHmac("sha256", SMS_SECRET)
    .update(Buffer.concat([Buffer.from(`${t}.`), rawBody]))
    .digest();
  const given = Buffer.from(fields.v1 ?? "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const LIMITS = {
  // Generous enough for the tests' resends, tight enough to show the limit: 3 sends per destination and per user an hour.
  perDestination: [{ count: 3, windowSeconds: 3600 }],
  perUser: [{ count: 3, windowSeconds: 3600 }],
  perTenant: [{ count: 10_000, windowSeconds: 60 }],
};

beforeAll(async () => {
  const certificates = makeTestCertificates();
  smtp = await startSmtpTestServer({ certificates });
  relay = await startRelay(smtp.port);
  const dir = mkdtempSync(join(tmpdir(), "mfa-oob-"));
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, certificates.caPem);
  sms = await startLoopbackServer((request) =>
    verifySignature(request.rawBody, request.headers["mfa-signature"] as string | undefined) ? { status: 200 } : { status: 401 },
  );
  const env = {
    DATABASE_URL: database.url,
    MFA_SECRET_KEYS: `k1:${generateKeyringKey()}`,
    MFA_CODE_HASH_KEY: randomBytes(32).toString("base64"),
    LOG_LEVEL: "debug",
    RATE_LIMIT_PER_IP: "1000000",
    RATE_LIMIT_PER_KEY: "1000000",
    SMTP_URL: `smtp://localhost:${relay.port}`,
    SMTP_FROM: "no-reply@mfa.test",
    SMTP_TLS_CA_FILE: caFile,
    SMS_WEBHOOK_URL: `${sms.url}/sms`,
    SMS_WEBHOOK_SECRET: SMS_SECRET,
    MFA_SEND_LIMITS: JSON.stringify(LIMITS),
  };
  processes = await Promise.all([spawnApi(env), spawnApi(env)]);
  const db = createDatabase({ url: database.url, poolSize: 1 });
  const { apiKey } = await createTenant(db.db, { id: uniqueId("t"), name: "oob", role: "admin", now: Date.now() });
  await db.close();
  a = new ApiClient(processes[0]!.url, apiKey);
  b = new ApiClient(processes[1]!.url, apiKey);
  const mail = { id: "mail", label: "Email", type: "email" };
  const policies = [
    { id: "chain", name: "App then email", mode: "fixed", requiredSteps: 2, factors: [{ id: "app", label: "App", type: "totp" }, mail] },
    { id: "mail", name: "Email only", mode: "fixed", requiredSteps: 1, factors: [mail], lockout: { maxFailures: 100 } },
    {
      id: "phone",
      name: "SMS only",
      mode: "fixed",
      requiredSteps: 1,
      factors: [{ id: "phone", label: "Phone", type: "sms" }],
      lockout: { maxFailures: 100 },
    },
  ];
  for (const p of policies) expect((await a.post("/v1/policies", p)).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await relay?.close();
  await smtp?.close();
  await sms?.close();
});

/** The codes mailed to an address, oldest first, read from the parsed messages (text part). */
function codesMailedTo(address: string): string[] {
  // Security notifications (a factor added, …) go to the same address: only the code messages count here.
  return smtp.received
    .filter((m) => m.rcptTo.includes(address))
    .filter((m) => /verification code|Confirm your new second factor/.test(m.parsed.subject ?? ""))
    .map((m) => {
      expect(m.secure).toBe(true);
      // No code in the subject line.
      expect(m.parsed.subject ?? "").not.toMatch(/\d{6}/);
      const code = /\b(\d{6,8})\b/.exec(m.parsed.text ?? "")?.[1];
      if (!code) throw new Error("a mailed message without a code");
      secrets.add(code);
      return code;
    });
}

async function waitForMail(address: string, count: number): Promise<string> {
  const since = Date.now();
  while (codesMailedTo(address).length < count) {
    if (Date.now() - since > 10_000) throw new Error(`no message #${count} for the address arrived`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return codesMailedTo(address).at(-1) as string;
}

/** A user with a confirmed email factor of policy `policyId` (enrolled through `via`, confirmed with the mailed code). */
async function userWithEmail(policyId = "mail", via: ApiClient = a) {
  const userId = uniqueId("u");
  const address = `${userId}@Example.TEST`.replace("_", ".");
  const normalized = address.replace("@Example.TEST", "@example.test");
  secrets
    .add(address)
    .add(normalized)
    .add(normalized.split("@")[0] as string);
  const enrolled = await via.post(`/v1/users/${userId}/factors`, { policyId, factorId: "mail", destination: address });
  expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
  expect(enrolled.body.destination).toBe(`${normalized[0]}***@example.test`);
  expect(enrolled.body.factor).toMatchObject({ status: "pending", destination: `${normalized[0]}***@example.test` });
  const code = await waitForMail(normalized, 1);
  const confirmed = await via.post(`/v1/users/${userId}/factors/${enrolled.body.factor.id}/confirm`, { code });
  expect(confirmed.body).toMatchObject({ confirmed: true });
  return { userId, address: normalized };
}

const start = async (userId: string, policyId = "mail", via: ApiClient = a) =>
  (await via.post("/v1/attempts", { userId, policyId })).body.attemptId as string;

describe("email codes over a real SMTP conversation, two API processes, PostgreSQL", () => {
  it("passes a chain TOTP → email: the code is mailed over STARTTLS, parsed back and verified", async () => {
    const userId = uniqueId("u");
    const enrolledApp = await a.post<Enrollment>(`/v1/users/${userId}/factors`, { policyId: "chain", factorId: "app" });
    const app = new Authenticator(enrolledApp.body, clock);
    secrets.add(enrolledApp.body.secret);
    expect((await a.post(`/v1/users/${userId}/factors/${app.credentialId}/confirm`, { code: app.next() })).body.confirmed).toBe(true);
    const address = `${userId.replace("_", ".")}@example.test`;
    secrets.add(address);
    const enrolled = await a.post(`/v1/users/${userId}/factors`, { policyId: "chain", factorId: "mail", destination: address });
    expect(enrolled.status).toBe(201);
    expect(
      (await b.post(`/v1/users/${userId}/factors/${enrolled.body.factor.id}/confirm`, { code: await waitForMail(address, 1) })).body
        .confirmed,
    ).toBe(true);

    const attemptId = await start(userId, "chain");
    // A challenge on the TOTP step: a clear 409, nothing sent.
    const early = await a.post(`/v1/attempts/${attemptId}/challenge`);
    expect(early.status).toBe(409);
    expect(early.contentType).toContain("application/problem+json");
    expect(early.body.code).toBe("challenge_not_supported");
    expect((await a.post(`/v1/attempts/${attemptId}/verify`, { factorId: "app", code: app.next() })).body).toMatchObject({ success: true });
    const challenge = await b.post(`/v1/attempts/${attemptId}/challenge`);
    expect(challenge.status, JSON.stringify(challenge.body)).toBe(200);
    expect(challenge.headers.get("cache-control")).toBe("no-store");
    expect(challenge.body).toMatchObject({ factorId: "mail", destination: `${address[0]}***@example.test` });
    const expiresIn = Date.parse(challenge.body.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(290_000);
    expect(expiresIn).toBeLessThanOrEqual(300_000);
    const code = await waitForMail(address, 2);
    expect(code).toMatch(/^\d{6}$/);
    expect((await a.post(`/v1/attempts/${attemptId}/verify`, { factorId: "mail", code })).body).toMatchObject({
      success: true,
      complete: true,
    });
  });

  it("S14 20 parallel verifies of one emailed code through two processes: exactly one success", async () => {
    const { userId, address } = await userWithEmail();
    const attemptId = await start(userId);
    expect((await a.post(`/v1/attempts/${attemptId}/challenge`)).status).toBe(200);
    const code = await waitForMail(address, 2);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).post(`/v1/attempts/${attemptId}/verify`, { factorId: "mail", code })),
    );
    expect(results.filter((r) => r.status === 200 && r.body.success === true)).toHaveLength(1);
  });

  it("S14 the code of another attempt, or of another user, fails (and counts)", async () => {
    const alice = await userWithEmail();
    const bob = await userWithEmail();
    const first = await start(alice.userId);
    expect((await a.post(`/v1/attempts/${first}/challenge`)).status).toBe(200);
    const aliceCode = await waitForMail(alice.address, 2);
    const second = await start(alice.userId);
    expect((await b.post(`/v1/attempts/${second}/verify`, { factorId: "mail", code: aliceCode })).body).toMatchObject({
      success: false,
      reset: true,
    });
    const bobs = await start(bob.userId);
    expect((await b.post(`/v1/attempts/${bobs}/challenge`)).status).toBe(200);
    await waitForMail(bob.address, 2);
    expect((await a.post(`/v1/attempts/${bobs}/verify`, { factorId: "mail", code: aliceCode })).body.success).toBe(false);
    expect((await a.get(`/v1/users/${alice.userId}/lockout`)).body.consecutiveFailures).toBe(1);
  });

  it("S15 a resend replaces the code: the old one fails, the new one passes; failures are not reset", async () => {
    const { userId, address } = await userWithEmail();
    const attemptId = await start(userId);
    expect((await a.post(`/v1/attempts/${attemptId}/challenge`)).status).toBe(200);
    const old = await waitForMail(address, 2);
    const wrong = old === "000000" ? "111111" : "000000";
    expect((await a.post(`/v1/attempts/${attemptId}/verify`, { factorId: "mail", code: wrong })).body.success).toBe(false);
    expect((await b.post(`/v1/attempts/${attemptId}/challenge`)).status).toBe(200);
    const fresh = await waitForMail(address, 3);
    expect((await a.get(`/v1/users/${userId}/lockout`)).body.consecutiveFailures).toBe(1);
    if (fresh !== old) expect((await b.post(`/v1/attempts/${attemptId}/verify`, { factorId: "mail", code: old })).body.success).toBe(false);
    expect((await a.post(`/v1/attempts/${attemptId}/verify`, { factorId: "mail", code: fresh })).body).toMatchObject({
      success: true,
      complete: true,
    });
  });

  it("at most 5 tries per code: the 6th fails even when right, and counts as a failure", async () => {
    const { userId, address } = await userWithEmail();
    const attemptId = await start(userId);
    expect((await a.post(`/v1/attempts/${attemptId}/challenge`)).status).toBe(200);
    const right = await waitForMail(address, 2);
    const wrong = right === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++)
      expect((await (i % 2 ? a : b).post(`/v1/attempts/${attemptId}/verify`, { factorId: "mail", code: wrong })).body.success).toBe(false);
    expect((await a.post(`/v1/attempts/${attemptId}/verify`, { factorId: "mail", code: right })).body.success).toBe(false);
    expect((await a.get(`/v1/users/${userId}/lockout`)).body.consecutiveFailures).toBe(6);
  });

  it("S16 50 parallel challenge requests through two processes: exactly the allowed number of messages delivered, the rest 429 with Retry-After", async () => {
    const { userId, address } = await userWithEmail();
    const attemptId = await start(userId);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).post(`/v1/attempts/${attemptId}/challenge`)),
    );
    // 3 an hour per destination and per user: the enrollment's code was one of them.
    expect(results.filter((r) => r.status === 200)).toHaveLength(2);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(48);
    for (const r of refused) {
      expect(r.body.code).toBe("too_many_sends");
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(3000);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(codesMailedTo(address)).toHaveLength(3);
  });

  it("the SMTP server down: the challenge answers 503 and changes nothing; once it is back, a challenge succeeds", async () => {
    const { userId, address } = await userWithEmail();
    const attemptId = await start(userId);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const state = async () => ({
      attempt: (await a.get(`/v1/attempts/${attemptId}`)).body,
      lockout: (await a.get(`/v1/users/${userId}/lockout`)).body,
      challenges: (await client.query("select * from one_time_challenges where user_id = $1 order by id", [userId])).rows,
      sends: (await client.query("select count(*)::int as n from challenge_sends where user_id = $1", [userId])).rows[0].n,
    });
    try {
      const before = await state();
      relay.down();
      const refused = await b.post(`/v1/attempts/${attemptId}/challenge`);
      expect(refused.status).toBe(503);
      expect(refused.contentType).toContain("application/problem+json");
      expect(refused.body.code).toBe("delivery_unavailable");
      expect(await state()).toEqual(before);
      relay.up();
      const later = await b.post(`/v1/attempts/${attemptId}/challenge`);
      expect(later.status, JSON.stringify(later.body)).toBe(200);
      const code = await waitForMail(address, 2);
      expect((await a.post(`/v1/attempts/${attemptId}/verify`, { factorId: "mail", code })).body).toMatchObject({ success: true });
    } finally {
      relay.up();
      await client.end();
    }
  });

  it("bad input: an address with control characters or of 300 characters, a number not in E.164 → 400 problem+json", async () => {
    const userId = uniqueId("u");
    const cases = [
      { policyId: "mail", factorId: "mail", destination: "eve@example.test\r\nBcc: all@example.test" },
      { policyId: "mail", factorId: "mail", destination: `${"e".repeat(288)}@example.test` },
      { policyId: "phone", factorId: "phone", destination: "07700 900123" },
      { policyId: "mail", factorId: "mail" },
    ];
    for (const body of cases) {
      const res = await a.post(`/v1/users/${userId}/factors`, body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.contentType).toContain("application/problem+json");
      expect(res.body.code).toBe("invalid_input");
      if (body.destination) expect(JSON.stringify(res.body)).not.toContain(body.destination);
    }
    expect((await a.get(`/v1/users/${userId}/factors`)).body.factors).toEqual([]);
  });
});

describe("SMS codes through a signed webhook", () => {
  it("enrolls an E.164 number, the receiver checks each request's signature, and the texted code passes a step", async () => {
    const userId = uniqueId("u");
    const number = `+4477009${String(Math.floor(Math.random() * 1e5)).padStart(5, "0")}`;
    secrets.add(number);
    const enrolled = await a.post(`/v1/users/${userId}/factors`, { policyId: "phone", factorId: "phone", destination: number });
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
    expect(enrolled.body.destination).toBe(`+44*******${number.slice(-3)}`);
    const texted = () =>
      sms.requests
        .map((r) => JSON.parse(r.rawBody.toString("utf8")) as { to: string; body: string })
        // Only the code messages: a security notification (a factor added) goes to the number too.
        .filter((m) => m.to === number && /\b\d{6}\b/.test(m.body))
        .map((m) => {
          const code = /\b(\d{6})\b/.exec(m.body)?.[1] as string;
          secrets.add(code);
          return code;
        });
    expect(sms.requests.every((r) => verifySignature(r.rawBody, r.headers["mfa-signature"] as string))).toBe(true);
    expect((await b.post(`/v1/users/${userId}/factors/${enrolled.body.factor.id}/confirm`, { code: texted()[0] })).body.confirmed).toBe(
      true,
    );
    const attemptId = await start(userId, "phone");
    const challenge = await b.post(`/v1/attempts/${attemptId}/challenge`);
    expect(challenge.status).toBe(200);
    expect(challenge.body.destination).toBe(`+44*******${number.slice(-3)}`);
    expect((await a.post(`/v1/attempts/${attemptId}/verify`, { factorId: "phone", code: texted()[1] })).body).toMatchObject({
      success: true,
      complete: true,
    });
  });
});

/**
 * Whether `text` holds `secret`. A code is 6 digits, which a longer number (a log line's time in ms) or a sealed audit
 * event's hex hash holds by chance now and then: a code counts only as a token of its own, as any leak of it would be.
 */
const holds = (text: string, secret: string): boolean =>
  /^\d+$/.test(secret) ? new RegExp(`(?<![0-9A-Za-z])${secret}(?![0-9A-Za-z])`).test(text) : text.includes(secret);

describe("S10 nothing secret in logs, audit, answers or the database", () => {
  it("no code and no full address or number in either process's log, the audit trail, or a dump of the database", async () => {
    const logs = processes.map((p) => p.output()).join("\n");
    // Every audit record of the database, not only a page of them.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const audit = JSON.stringify((await client.query("select * from audit_events order by seq")).rows);
    await client.end();
    expect(audit).toContain("challenge.sent");
    expect(audit).toMatch(/\*\*\*@example\.test/);
    const dump = (await pgDump(database.url)).toString("utf8");
    expect(secrets.size).toBeGreaterThan(20);
    for (const secret of secrets) {
      expect(holds(logs, secret), `a secret in the logs`).toBe(false);
      expect(holds(audit, secret), `a secret in the audit`).toBe(false);
      // Codes are 6 digits: a dump's numbers (timestamps, ids) may hold one by chance; destinations never.
      if (!/^\d+$/.test(secret)) expect(dump.includes(secret), `a secret in the dump`).toBe(false);
    }
    // As a column value of the dump (tab-separated), no code appears.
    for (const code of [...secrets].filter((s) => /^\d{6}$/.test(s))) {
      expect(dump.includes(`\t${code}\t`) || dump.includes(`\t${code}\n`)).toBe(false);
    }
  });
});
