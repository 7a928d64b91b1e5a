// SECURITY S25–S30 and S32 over HTTP on a real PostgreSQL (S31, bad input, has its own file).
import { issueApiKey } from "../src/boot/api-keys.js";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiClient,
  Authenticator,
  enrollAll,
  startTestApi,
  twoFactorPolicy,
  uniqueId,
  type Enrollment,
  type Reply,
  type TestApi,
} from "./support/api.js";

const database = useTestDatabase("api_flow_security");
let api: TestApi;
let admin: ApiClient;
let service: ApiClient;

beforeAll(async () => {
  api = await startTestApi(database.url);
  const tenant = await api.tenant("admin");
  admin = tenant.client;
  // A service key of the same tenant (what a relying party's backend would hold).
  const issued = await issueApiKey(api.server.database.db, tenant.tenantId, "service", "service", Date.now());
  service = new ApiClient(api.url, issued.apiKey);
  expect((await admin.post("/v1/policies", { ...twoFactorPolicy("login"), lockout: { maxFailures: 100 } })).status).toBe(201);
});
afterAll(async () => api?.close());

async function enrolled(client: ApiClient = admin) {
  const userId = uniqueId("u");
  const devices = await enrollAll(client, api.clock, { userId, policyId: "login", factorIds: ["google_auth", "ms_auth"] });
  return { userId, g: devices.google_auth as Authenticator, m: devices.ms_auth as Authenticator };
}
const start = async (client: ApiClient, userId: string) =>
  (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId as string;
const verify = (client: ApiClient, attemptId: string, factorId: string, code: string) =>
  client.post(`/v1/attempts/${attemptId}/verify`, { factorId, code });

/** Waits, when the clock is within `marginMs` of the next 30 s step, for that step to begin. */
async function clearOfStepBoundary(clock: { now(): number }, marginMs: number): Promise<void> {
  const left = 30_000 - (clock.now() % 30_000);
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 50));
}

async function completedAttempt(client: ApiClient, userId: string, g: Authenticator, m: Authenticator): Promise<string> {
  const id = await start(client, userId);
  expect((await verify(client, id, "google_auth", g.next())).body.success).toBe(true);
  expect((await verify(client, id, "ms_auth", m.next())).body.complete).toBe(true);
  return id;
}

describe("flow, tenancy and transport", () => {
  it("S25 no attempt reports complete until every step succeeded in order; no step can be skipped", async () => {
    const { userId, g, m } = await enrolled();
    const id = await start(service, userId);
    const skip = await verify(service, id, "ms_auth", m.next());
    expect(skip.status).toBe(409);
    expect(skip.body).toMatchObject({ code: "chain_breached", complete: false });
    expect((await service.get(`/v1/attempts/${id}`)).body).toMatchObject({ status: "active", complete: false, stepsPassed: 0 });
    const one = await verify(service, id, "google_auth", g.next());
    expect(one.body).toMatchObject({ success: true, complete: false });
    expect((await service.get(`/v1/attempts/${id}`)).body).toMatchObject({
      status: "active",
      complete: false,
      stepsPassed: 1,
      completedAt: null,
    });
    // The same factor twice is not two steps.
    const twice = await verify(service, id, "google_auth", g.next());
    expect(twice.body).toMatchObject({ code: "chain_breached", complete: false });
    expect((await service.get(`/v1/attempts/${id}`)).body.complete).toBe(false);
  });

  it("S26 verify, confirmation and admin unlock share one lockout and one audit trail", async () => {
    const { userId, g } = await enrolled();
    const id = await start(service, userId);
    await verify(service, id, "google_auth", g.wrong());
    // A failed confirmation of a new factor counts on the same counter.
    const pending = await admin.post<Enrollment>(`/v1/users/${userId}/factors`, { policyId: "login", factorId: "ms_auth" });
    const confirm = await admin.post(`/v1/users/${userId}/factors/${pending.body.factor.id}/confirm`, {
      code: new Authenticator(pending.body, api.clock).wrong(),
    });
    expect(confirm.status).toBe(200);
    expect(confirm.body).toMatchObject({ confirmed: false });
    expect((await service.get(`/v1/users/${userId}/lockout`)).body.consecutiveFailures).toBe(2);
    // Unlocking takes an admin key, and is audited like every other path.
    expect((await service.post(`/v1/users/${userId}/unlock`)).status).toBe(403);
    const unlocked = await admin.post(`/v1/users/${userId}/unlock`);
    expect(unlocked.status).toBe(200);
    expect(unlocked.body).toMatchObject({ locked: false, consecutiveFailures: 0 });
    const events = (await admin.get(`/v1/audit-events?userId=${userId}&limit=100`)).body.events as Array<{
      type: string;
      actor: { kind: string };
    }>;
    const types = events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(["attempt.step_failed", "factor.confirm_failed", "user.unlocked", "attempt.started", "factor.confirmed"]),
    );
    expect(events.find((e) => e.type === "user.unlocked")?.actor.kind).toBe("api_key");
  });

  it("S27 a tenant's key can neither read nor change another tenant's users, factors, attempts, policies or audit", async () => {
    const { userId, g } = await enrolled();
    const id = await start(admin, userId);
    // Two failures on the owner's side, which the other tenant must neither see nor clear.
    for (let i = 0; i < 2; i++)
      expect((await verify(admin, await start(admin, userId), "google_auth", g.wrong())).body.success).toBe(false);
    const ownerLockout = (await admin.get(`/v1/users/${userId}/lockout`)).body;
    expect(ownerLockout).toMatchObject({ consecutiveFailures: 2 });
    const ownerAudit = (await admin.get(`/v1/audit-events?userId=${userId}&limit=200`)).body.events as unknown[];
    const credentialId = ((await admin.get(`/v1/users/${userId}/factors`)).body.factors[0] as { id: string }).id;
    const other = (await api.tenant("admin")).client;
    const checks: Array<[string, Promise<Reply>, number[]]> = [
      ["read policy", other.get("/v1/policies/login"), [404]],
      ["update policy", other.put("/v1/policies/login", (({ id: _id, ...definition }) => definition)(twoFactorPolicy("login"))), [404]],
      ["delete policy", other.delete("/v1/policies/login"), [404]],
      ["read attempt", other.get(`/v1/attempts/${id}`), [404]],
      ["verify attempt", verify(other, id, "google_auth", g.next()), [404]],
      ["revoke factor", other.post(`/v1/users/${userId}/factors/${credentialId}/revoke`, {}), [404]],
      ["confirm factor", other.post(`/v1/users/${userId}/factors/${credentialId}/confirm`, { code: "123456" }), [404]],
      ["start attempt", other.post("/v1/attempts", { userId, policyId: "login" }), [404]],
    ];
    for (const [what, pending, statuses] of checks) {
      const res = await pending;
      expect(statuses, `${what}: ${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
    }
    expect((await other.get("/v1/policies")).body.policies).toEqual([]);
    expect((await other.get(`/v1/users/${userId}/factors`)).body.factors).toEqual([]);
    expect((await other.get(`/v1/users/${userId}/lockout`)).body).toMatchObject({ locked: false, consecutiveFailures: 0 });
    expect((await other.get(`/v1/audit-events?userId=${userId}`)).body.events).toEqual([]);
    // An unlock by the other tenant's admin key reaches only its own user of that id (audited there), never the owner's.
    expect([200, 404]).toContain((await other.post(`/v1/users/${userId}/unlock`)).status);
    // And nothing changed for the owner: the attempt, the failure counter, the audit trail, the policy, the factors.
    expect((await admin.get(`/v1/attempts/${id}`)).body).toMatchObject({ status: "active", stepsPassed: 0 });
    expect((await admin.get(`/v1/users/${userId}/lockout`)).body).toEqual(ownerLockout);
    expect((await admin.get(`/v1/audit-events?userId=${userId}&limit=200`)).body.events).toEqual(ownerAudit);
    expect((await admin.get("/v1/policies/login")).status).toBe(200);
    expect((await admin.get(`/v1/users/${userId}/factors`)).body.factors.every((f: { status: string }) => f.status === "active")).toBe(
      true,
    );
  });

  it("S28 X-Forwarded-For is believed only from a trusted proxy, and a malformed value fails closed", async () => {
    // Two more instances on the same PostgreSQL database; without REDIS_URL each counts request rates on its own.
    const behindProxy = await startTestApi(database.url, {
      TRUSTED_PROXIES: "127.0.0.1,::1",
      RATE_LIMIT_PER_IP: "3",
      DATABASE_POOL_SIZE: "2",
    });
    const direct = await startTestApi(database.url, { RATE_LIMIT_PER_IP: "3", DATABASE_POOL_SIZE: "2" });
    try {
      const key = (await behindProxy.tenant()).apiKey;
      const directKey = (await direct.tenant()).apiKey;
      const through = (client: ApiClient, ip: string) =>
        client.call("GET", "/v1/policies", undefined, { headers: { "x-forwarded-for": ip } });
      const proxied = new ApiClient(behindProxy.url, key);
      for (let i = 0; i < 3; i++) expect((await through(proxied, "203.0.113.7")).status).toBe(200);
      const limited = await through(proxied, "203.0.113.7");
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      // Another client behind the same proxy has its own budget.
      expect((await through(proxied, "203.0.113.8")).status).toBe(200);
      // Only the nearest untrusted hop counts: a client cannot buy a fresh budget by prepending addresses.
      const spoofed = await through(proxied, "198.51.100.99, 203.0.113.7");
      expect(spoofed.status).toBe(429);
      const viaTwoProxies = await through(proxied, "203.0.113.7, 127.0.0.1");
      expect(viaTwoProxies.status).toBe(429);
      const malformed = await through(proxied, "203.0.113.9, not-an-ip");
      expect(malformed.status).toBe(400);
      expect(malformed.body.detail).toContain("X-Forwarded-For");

      // Without a trusted proxy the header is ignored: spoofed addresses share the socket's budget.
      const plain = new ApiClient(direct.url, directKey);
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await through(plain, `198.51.100.${i}`)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await behindProxy.close();
      await direct.close();
    }
  });

  it("S29 changing a user's factors needs a fresh completed attempt or an admin key, and is audited", async () => {
    const { userId, g, m } = await enrolled(admin);
    const denied = await service.post(`/v1/users/${userId}/factors`, { policyId: "login", factorId: "google_auth" });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe("reauthentication_required");
    const credentialId = ((await service.get(`/v1/users/${userId}/factors`)).body.factors[0] as { id: string }).id;
    expect((await service.post(`/v1/users/${userId}/factors/${credentialId}/revoke`, {})).status).toBe(403);
    // An attempt that is started but not completed is no proof.
    const open = await start(service, userId);
    const notDone = await service.post(`/v1/users/${userId}/factors`, {
      policyId: "login",
      factorId: "google_auth",
      reauthAttemptId: open,
    });
    expect(notDone.status).toBe(403);
    expect(notDone.body.detail).toContain(
      'the "reauthAttemptId" given is not an attempt this user completed in the last 300 seconds (it is not completed)',
    );
    const proof = await completedAttempt(service, userId, g, m);
    const allowed = await service.post(`/v1/users/${userId}/factors`, {
      policyId: "login",
      factorId: "google_auth",
      reauthAttemptId: proof,
    });
    expect(allowed.status).toBe(201);
    // A proof goes stale.
    api.clock.advance(6 * 60_000);
    try {
      expect((await service.post(`/v1/users/${userId}/factors/${credentialId}/revoke`, { reauthAttemptId: proof })).status).toBe(403);
    } finally {
      api.clock.advance(-6 * 60_000);
    }
    const revoked = await admin.post(`/v1/users/${userId}/factors/${credentialId}/revoke`, {});
    expect(revoked.status).toBe(200);
    expect(revoked.body.factor.status).toBe("revoked");
    const types = (
      (await admin.get(`/v1/audit-events?userId=${userId}&type=factor.enrolled&type=factor.revoked`)).body.events as Array<{ type: string }>
    ).map((e) => e.type);
    expect(types).toContain("factor.revoked");
    expect(types.filter((t) => t === "factor.enrolled").length).toBeGreaterThanOrEqual(3);
  });

  it("S30 single-use state is kept per credential: one factor's code neither satisfies nor consumes another's; ids of one kind are not ids of another", async () => {
    // Codes are named by step below, so the test keeps clear of a step boundary; both factors are confirmed with
    // step now-1.
    await clearOfStepBoundary(api.clock, 8_000);
    const { userId, g, m } = await enrolled();
    // Step now on both factors of one user: each credential has its own replay guard, so both pass.
    const id = await start(service, userId);
    expect((await verify(service, id, "google_auth", g.at(0))).body).toMatchObject({ success: true, nextFactor: { id: "ms_auth" } });
    expect((await verify(service, id, "ms_auth", m.at(0))).body).toMatchObject({ success: true, complete: true });
    // Microsoft's code of step now+1 sent in Google's place: it does not pass Google's step…
    expect((await verify(service, await start(service, userId), "google_auth", m.at(1))).body).toMatchObject({
      success: false,
      reset: true,
    });
    api.clock.advance(30_000);
    try {
      // …and it did not use up Microsoft's step now+1 (now the current step), which passes Microsoft's own step.
      const later = await start(service, userId);
      expect((await verify(service, later, "google_auth", g.at(1))).body).toMatchObject({ success: true });
      expect((await verify(service, later, "ms_auth", m.at(0))).body).toMatchObject({ success: true, complete: true });
    } finally {
      api.clock.advance(-30_000);
    }
    // Ids of one kind are not ids of another: a credential id is neither an attempt nor a re-authentication proof, and
    // an attempt id is not a factor.
    const credentialId = ((await service.get(`/v1/users/${userId}/factors`)).body.factors[0] as { id: string }).id;
    expect((await service.get(`/v1/attempts/${credentialId}`)).status).toBe(404);
    expect(
      (await service.post(`/v1/users/${userId}/factors`, { policyId: "login", factorId: "ms_auth", reauthAttemptId: credentialId })).status,
    ).toBe(403);
    expect((await admin.post(`/v1/users/${userId}/factors/${id}/revoke`, {})).status).toBe(404);
  });

  it("S32 reading a live code is off by default, and only an explicit development setting turns it on", async () => {
    const { userId } = await enrolled();
    const id = await start(admin, userId);
    const off = await admin.get(`/v1/dev/attempts/${id}/current-code`);
    expect(off.status).toBe(404);
    expect(JSON.stringify(off.body)).not.toMatch(/"code":"\d{6}"/);
    expect((await fetch(`${api.url}/openapi.json`).then((r) => r.text())).includes("/dev/")).toBe(false);

    const dev = await startTestApi(database.url, { MFA_DEV_CODES: "true", MFA_SECRET_KEYS: api.keySpec });
    try {
      const peeked = await new ApiClient(dev.url, admin.apiKey).get(`/v1/dev/attempts/${id}/current-code`);
      expect(peeked.status).toBe(200);
      expect(peeked.body.factorId).toBe("google_auth");
      expect(peeked.body.code).toMatch(/^\d{6}$/);
      expect(peeked.headers.get("cache-control")).toBe("no-store");
    } finally {
      await dev.close();
    }
  });
});
