// SECURITY S1, S3–S5, S7–S13 over HTTP on a real PostgreSQL (S2 and S6 run through two processes in
// shared-state.e2e.test.ts). Each test is named after the property it shows.
import { pgDump } from "@mfa-chain/pg-harness";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { decodeBase32 } from "@mfa-chain/totp";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Authenticator,
  enrollAll,
  startTestApi,
  twoFactorPolicy,
  uniqueId,
  type ApiClient,
  type Enrollment,
  type TestApi,
} from "./support/api.js";

const database = useTestDatabase("api_otp_security");
let api: TestApi;
let client: ApiClient;

const hotpPolicy = {
  id: "hotp-login",
  name: "Hardware token",
  mode: "fixed",
  requiredSteps: 1,
  factors: [{ id: "token", label: "Hardware token", type: "hotp" }],
  lockout: { maxFailures: 100 },
};

beforeAll(async () => {
  api = await startTestApi(database.url);
  ({ client } = await api.tenant());
  for (const policy of [twoFactorPolicy("login"), hotpPolicy]) expect((await client.post("/v1/policies", policy)).status).toBe(201);
});
afterAll(async () => api?.close());

async function oneFactorUser(policyId = "login", factorId = "google_auth") {
  const userId = uniqueId("u");
  const devices = await enrollAll(client, api.clock, { userId, policyId, factorIds: [factorId] });
  return { userId, device: devices[factorId] as Authenticator };
}

/** A user of the two-factor policy, with an attempt started. */
async function userWithAttempt() {
  const userId = uniqueId("u");
  const devices = await enrollAll(client, api.clock, { userId, policyId: "login", factorIds: ["google_auth", "ms_auth"] });
  const attemptId = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId as string;
  return { userId, devices, attemptId, g: devices.google_auth as Authenticator, m: devices.ms_auth as Authenticator };
}

const verify = (attemptId: string, factorId: string, code: string) => client.post(`/v1/attempts/${attemptId}/verify`, { factorId, code });
const lockoutOf = async (userId: string) => (await client.get(`/v1/users/${userId}/lockout`)).body;

describe("one-time codes", () => {
  it("S1 a TOTP code accepted once is refused when sent again, in the same step and in the next one", async () => {
    const { userId, g, attemptId } = await userWithAttempt();
    const code = g.next();
    expect((await verify(attemptId, "google_auth", code)).body.success).toBe(true);
    const second = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
    const again = await verify(second, "google_auth", code);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ success: false, reset: true });
    api.clock.advance(30_000);
    try {
      const third = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
      expect((await verify(third, "google_auth", code)).body.success).toBe(false);
    } finally {
      api.clock.advance(-30_000);
    }
  });

  it("S3 accepting step T refuses every code of a step ≤ T, not only the last code string", async () => {
    const { userId, g, attemptId } = await userWithAttempt();
    // Enrollment confirmed with step now-1; accept step now+1 first.
    expect((await verify(attemptId, "google_auth", g.at(1))).body.success).toBe(true);
    const next = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
    const older = await verify(next, "google_auth", g.at(0));
    expect(older.body).toMatchObject({ success: false, reset: true });
    expect((await verify(next, "google_auth", g.at(-1))).body.success).toBe(false);
  });

  it("S4 the window is server policy: a code two steps old fails, a client-sent window is rejected as an unknown field", async () => {
    const { userId, g, attemptId } = await userWithAttempt();
    // Confirmation used step now-1: move the server's clock 5 steps on, so that no step of the window below has been
    // used and only the window itself can refuse a code.
    api.clock.advance(5 * 30_000);
    try {
      expect((await verify(attemptId, "google_auth", g.at(-2))).body).toMatchObject({ success: false, reset: true });
      expect((await verify(attemptId, "google_auth", g.at(2))).body).toMatchObject({ success: false, reset: true });
      // The edge of the window passes: the two refusals above were the window's, not the replay guard's.
      expect((await verify(attemptId, "google_auth", g.at(-1))).body).toMatchObject({
        success: true,
        complete: false,
        nextFactor: { id: "ms_auth" },
      });
    } finally {
      api.clock.advance(-5 * 30_000);
    }
    const before = await lockoutOf(userId);
    const withWindow = await client.post(`/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code: "000000", window: 100000 });
    expect(withWindow.status).toBe(400);
    expect(withWindow.body).toMatchObject({ code: "invalid_request", errors: [{ path: "body", message: 'unknown field "window"' }] });
    expect(await lockoutOf(userId)).toEqual(before);
    const wide = await client.post("/v1/policies", { ...twoFactorPolicy("wide"), verifyWindow: 2 });
    expect(wide.status).toBe(400);
    expect(wide.body.detail).toContain("verifyWindow");
  });

  it("S5 HOTP look-ahead is bounded, the counter moves past a match, and one code is accepted once", async () => {
    const { userId, device } = await oneFactorUser("hotp-login", "token");
    // Confirmation used counter 0; the server now expects 1 and looks ahead 10 (1…11).
    const start = async () => (await client.post("/v1/attempts", { userId, policyId: "hotp-login" })).body.attemptId as string;
    expect((await verify(await start(), "token", device.counterCode(12))).body.success).toBe(false);
    expect((await verify(await start(), "token", device.counterCode(6))).body).toMatchObject({ success: true, complete: true });
    expect((await verify(await start(), "token", device.counterCode(6))).body.success).toBe(false);
    expect((await verify(await start(), "token", device.counterCode(5))).body.success).toBe(false);
    // Parallel submissions of one HOTP code: one success.
    const attempts = await Promise.all(Array.from({ length: 20 }, start));
    const code = device.counterCode(7);
    const results = await Promise.all(attempts.map((a) => verify(a, "token", code)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.success === true)).toHaveLength(1);
    await client.post(`/v1/users/${userId}/unlock`);
  });

  it("S7 the limit is at most 100 (default 5); a new attempt does not reset the count, only a success does", async () => {
    const tooMany = await client.post("/v1/policies", { ...twoFactorPolicy("many"), lockout: { maxFailures: 101 } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.detail).toContain("lockout.maxFailures");

    const { userId, g, attemptId } = await userWithAttempt();
    for (let i = 0; i < 3; i++) await verify(attemptId, "google_auth", g.wrong());
    const fresh = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
    const fourth = await verify(fresh, "google_auth", g.wrong());
    expect(fourth.body.failuresRemaining).toBe(1);
    expect((await lockoutOf(userId)).consecutiveFailures).toBe(4);
    expect((await verify(fresh, "google_auth", g.next())).body.success).toBe(true);
    expect(await lockoutOf(userId)).toMatchObject({ consecutiveFailures: 0, locked: false });

    const { userId: other, g: g2, attemptId: a2 } = await userWithAttempt();
    let last;
    for (let i = 0; i < 5; i++) last = await verify(a2, "google_auth", g2.wrong());
    expect(last?.body).toMatchObject({ success: false, failuresRemaining: 0 });
    expect(Date.parse(last?.body.lockedUntil) - api.clock.now()).toBeGreaterThan(295_000);
    expect(await lockoutOf(other)).toMatchObject({ locked: true, consecutiveFailures: 5, lockCount: 1 });
  });

  it("S8 a locked user gets the same answer for a right and a wrong code", async () => {
    const { g, attemptId } = await userWithAttempt();
    for (let i = 0; i < 5; i++) await verify(attemptId, "google_auth", g.wrong());
    const right = await verify(attemptId, "google_auth", g.next());
    const wrong = await verify(attemptId, "google_auth", g.wrong());
    expect(right.status).toBe(423);
    expect(right.body.code).toBe("user_locked");
    expect(wrong.status).toBe(right.status);
    expect(wrong.body).toEqual(right.body);
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(wrong.headers.get("retry-after")).not.toBeNull();
  });

  it("S9 secrets are 160 bits, sealed with AES-256-GCM bound to their row: a dump holds no seed, a copied ciphertext does not open", async () => {
    const userId = uniqueId("u");
    const secrets: string[] = [];
    const ids: string[] = [];
    for (const factorId of ["google_auth", "ms_auth"]) {
      const enrolled = await client.post<Enrollment>(`/v1/users/${userId}/factors`, { policyId: "login", factorId });
      expect(enrolled.body.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(decodeBase32(enrolled.body.secret)).toHaveLength(20);
      secrets.push(enrolled.body.secret);
      ids.push(enrolled.body.factor.id);
    }
    expect(new Set(secrets).size).toBe(2);
    const dump = await pgDump(database.url);
    expect(dump.length).toBeGreaterThan(1000);
    for (const secret of secrets) {
      const raw = Buffer.from(decodeBase32(secret));
      for (const form of [secret, secret.toLowerCase(), raw.toString("hex"), raw.toString("base64"), raw.toString("base64url")]) {
        expect(dump.includes(form)).toBe(false);
      }
    }
    // Copy the first factor's sealed secret onto the second's row: it is bound to the first row and will not open.
    const sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    try {
      const copied = await sql.query(
        `update otp_secrets c set secret_ciphertext = s.secret_ciphertext, secret_key_id = s.secret_key_id
           from otp_secrets s where s.credential_id = $1 and c.credential_id = $2 and c.tenant_id = s.tenant_id`,
        [ids[0], ids[1]],
      );
      expect(copied.rowCount).toBe(1);
    } finally {
      await sql.end();
    }
    // The first factor's valid code, sent to confirm the second: its secret cannot be opened, so nothing is accepted.
    const firstDevice = new Authenticator(
      { factor: { type: "totp", params: { algorithm: "SHA1", digits: 6, period: 30 } }, secret: secrets[0] } as Enrollment,
      api.clock,
    );
    const confirm = await client.post(`/v1/users/${userId}/factors/${ids[1]}/confirm`, { code: firstDevice.current() });
    expect(confirm.status).toBe(500);
    expect(confirm.body.code).toBe("internal_error");
    expect(JSON.stringify(confirm.body)).not.toContain(secrets[0]);
    const listed = (await client.get(`/v1/users/${userId}/factors`)).body.factors as Array<{ id: string; status: string }>;
    expect(listed.find((f) => f.id === ids[1])?.status).toBe("pending");
  });

  it("S11 the server clock is the only clock: a client-sent time is an unknown field", async () => {
    const { attemptId } = await userWithAttempt();
    for (const extra of [{ timestamp: Date.now() }, { time: 0 }, { secret: "JBSWY3DPEHPK3PXP" }]) {
      const res = await client.post(`/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code: "123456", ...extra });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].message).toBe(`unknown field "${Object.keys(extra)[0]}"`);
    }
  });

  it("S12 code shape is ASCII digits of the configured length; anything else fails and counts", async () => {
    const userId = uniqueId("u");
    const bad = ["１２３４５６", "١٢٣٤٥٦", "12345 ", " 123456", "+12345", "-12345", "", "1234567", "12345", "12e456", "0x1234"];
    const policy = { ...twoFactorPolicy("shape"), lockout: { maxFailures: 100 } };
    expect((await client.post("/v1/policies", policy)).status).toBe(201);
    await enrollAll(client, api.clock, { userId, policyId: "shape", factorIds: ["google_auth", "ms_auth"] });
    const shapeAttempt = (await client.post("/v1/attempts", { userId, policyId: "shape" })).body.attemptId;
    for (const code of bad) {
      const res = await verify(shapeAttempt, "google_auth", code);
      expect(res.status, JSON.stringify(code)).toBe(200);
      expect(res.body).toMatchObject({ success: false, reset: true });
    }
    expect((await lockoutOf(userId)).consecutiveFailures).toBe(bad.length);
  });

  it("S13 a factor is usable only once confirmed; re-enrolling does not change the secret a running attempt checks", async () => {
    const userId = uniqueId("u");
    const pending = await client.post<Enrollment>(`/v1/users/${userId}/factors`, { policyId: "login", factorId: "google_auth" });
    expect(pending.body.factor.status).toBe("pending");
    await enrollAll(client, api.clock, { userId, policyId: "login", factorIds: ["ms_auth"] });
    const refused = await client.post("/v1/attempts", { userId, policyId: "login" });
    expect(refused.status).toBe(409);
    expect(refused.body.missing.map((m: { id: string }) => m.id)).toEqual(["google_auth"]);

    const [old] = Object.values(
      await enrollAll(client, api.clock, { userId, policyId: "login", factorIds: ["google_auth"] }),
    ) as Authenticator[];
    const attemptId = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
    const replacement = await client.post<Enrollment>(`/v1/users/${userId}/factors`, { policyId: "login", factorId: "google_auth" });
    expect(replacement.status).toBe(201);
    const fresh = new Authenticator(replacement.body, api.clock);
    expect((await verify(attemptId, "google_auth", fresh.current())).body.success).toBe(false);
    expect((await verify(attemptId, "google_auth", old!.next())).body.success).toBe(true);
  });

  it("S13 parallel re-enrollments of one slot leave one pending enrollment, so at most one can be confirmed", async () => {
    const userId = uniqueId("u");
    await enrollAll(client, api.clock, { userId, policyId: "login", factorIds: ["google_auth"] });
    const enrollments = await Promise.all(
      Array.from({ length: 20 }, () =>
        client.post<Enrollment>(`/v1/users/${userId}/factors`, { policyId: "login", factorId: "google_auth" }),
      ),
    );
    expect(enrollments.map((e) => e.status)).toEqual(Array(20).fill(201));
    const factors = (await client.get(`/v1/users/${userId}/factors`)).body.factors as Array<{ id: string; status: string }>;
    expect(factors.filter((f) => f.status === "pending")).toHaveLength(1);
    expect(factors.filter((f) => f.status === "active")).toHaveLength(1);
    // Every one of the twenty, confirmed at once with its own right code: only the last enrollment is still there.
    const confirmed = await Promise.all(
      enrollments.map((e) =>
        client.post(`/v1/users/${userId}/factors/${e.body.factor.id}/confirm`, { code: new Authenticator(e.body, api.clock).next() }),
      ),
    );
    expect(confirmed.filter((r) => r.status === 200 && r.body.confirmed === true)).toHaveLength(1);
    expect(confirmed.filter((r) => r.status === 404)).toHaveLength(19);
    const after = (await client.get(`/v1/users/${userId}/factors`)).body.factors as Array<{ status: string }>;
    expect(after.filter((f) => f.status === "active")).toHaveLength(1);
  });
});
