// The seed's own scenarios and SPEC §2 over HTTP, against a real PostgreSQL.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrollAll, startTestApi, twoFactorPolicy, uniqueId, type ApiClient, type Authenticator, type TestApi } from "./support/api.js";

const database = useTestDatabase("api_chain");
let api: TestApi;
let client: ApiClient;

beforeAll(async () => {
  api = await startTestApi(database.url);
  ({ client } = await api.tenant());
  expect((await client.post("/v1/policies", twoFactorPolicy("login"))).status).toBe(201);
  expect((await client.post("/v1/policies", twoFactorPolicy("login-random", "random"))).status).toBe(201);
});
afterAll(async () => api?.close());

async function userWithTwoFactors(policyId = "login"): Promise<{ userId: string; devices: Record<string, Authenticator> }> {
  const userId = uniqueId("u");
  const devices = await enrollAll(client, api.clock, { userId, policyId, factorIds: ["google_auth", "ms_auth"] });
  return { userId, devices };
}

describe("the seed's scenarios", () => {
  it("enrolls two factors, starts, passes step 1, passes step 2, completes", async () => {
    const { userId, devices } = await userWithTwoFactors();
    const started = await client.post("/v1/attempts", { userId, policyId: "login" });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ currentFactor: { id: "google_auth", label: "Google Authenticator", type: "totp" }, steps: 2 });
    expect(started.body.attemptId).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(started.body).not.toHaveProperty("chain");
    const id = started.body.attemptId as string;

    const one = await client.post(`/v1/attempts/${id}/verify`, { factorId: "google_auth", code: devices.google_auth!.next() });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      success: true,
      complete: false,
      reset: false,
      nextFactor: { id: "ms_auth", label: "Microsoft Authenticator", type: "totp" },
    });

    const two = await client.post(`/v1/attempts/${id}/verify`, { factorId: "ms_auth", code: devices.ms_auth!.next() });
    expect(two.body).toMatchObject({ success: true, complete: true, reset: false, nextFactor: null, lockedUntil: null });

    const read = await client.get(`/v1/attempts/${id}`);
    expect(read.body).toMatchObject({ status: "completed", complete: true, stepsPassed: 2, currentFactor: null });
    expect(read.body.completedAt).not.toBeNull();
  });

  it("a wrong code resets the chain to step 1 with HTTP 200", async () => {
    const { userId, devices } = await userWithTwoFactors();
    const id = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
    await client.post(`/v1/attempts/${id}/verify`, { factorId: "google_auth", code: devices.google_auth!.next() });
    const wrong = await client.post(`/v1/attempts/${id}/verify`, { factorId: "ms_auth", code: devices.ms_auth!.wrong() });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({
      success: false,
      complete: false,
      reset: true,
      nextFactor: { id: "google_auth" },
      failuresRemaining: 4,
    });
    expect((await client.get(`/v1/attempts/${id}`)).body).toMatchObject({ stepsPassed: 0, currentFactor: { id: "google_auth" } });
  });

  it("a wrong factor id answers 409 chain_breached and resets", async () => {
    const { userId, devices } = await userWithTwoFactors();
    const id = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
    await client.post(`/v1/attempts/${id}/verify`, { factorId: "google_auth", code: devices.google_auth!.next() });
    const breach = await client.post(`/v1/attempts/${id}/verify`, { factorId: "google_auth", code: devices.google_auth!.next() });
    expect(breach.status).toBe(409);
    expect(breach.contentType).toContain("application/problem+json");
    expect(breach.body).toMatchObject({ code: "chain_breached", reset: true, nextFactor: { id: "google_auth" }, failuresRemaining: 4 });
  });

  it("starting before enrolling names what is missing", async () => {
    const userId = uniqueId("u");
    await enrollAll(client, api.clock, { userId, policyId: "login", factorIds: ["google_auth"] });
    const started = await client.post("/v1/attempts", { userId, policyId: "login" });
    expect(started.status).toBe(409);
    expect(started.body).toMatchObject({
      code: "factors_not_enrolled",
      missing: [{ id: "ms_auth", label: "Microsoft Authenticator", type: "totp" }],
    });
    expect(started.body.detail).toContain("ms_auth");
  });
});

describe("SPEC §2 beyond the seed", () => {
  it("random mode draws distinct confirmed factors and completes with them", async () => {
    for (let round = 0; round < 4; round++) {
      const { userId, devices } = await userWithTwoFactors("login-random");
      const started = await client.post("/v1/attempts", { userId, policyId: "login-random" });
      expect(started.status).toBe(201);
      const first = started.body.currentFactor.id as string;
      expect(["google_auth", "ms_auth"]).toContain(first);
      const one = await client.post(`/v1/attempts/${started.body.attemptId}/verify`, { factorId: first, code: devices[first]!.next() });
      expect(one.body.success).toBe(true);
      const second = one.body.nextFactor.id as string;
      expect(second).not.toBe(first);
      const two = await client.post(`/v1/attempts/${started.body.attemptId}/verify`, { factorId: second, code: devices[second]!.next() });
      expect(two.body).toMatchObject({ success: true, complete: true });
    }
  });

  it("a reset after step 1 demands step 1 again, then completes", async () => {
    const { userId, devices } = await userWithTwoFactors();
    const id = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
    await client.post(`/v1/attempts/${id}/verify`, { factorId: "google_auth", code: devices.google_auth!.next() });
    const failed = await client.post(`/v1/attempts/${id}/verify`, { factorId: "ms_auth", code: devices.ms_auth!.wrong() });
    expect(failed.body).toMatchObject({ success: false, reset: true, nextFactor: { id: "google_auth" } });
    const skip = await client.post(`/v1/attempts/${id}/verify`, { factorId: "ms_auth", code: devices.ms_auth!.next() });
    expect(skip.status).toBe(409);
    const again = await client.post(`/v1/attempts/${id}/verify`, { factorId: "google_auth", code: devices.google_auth!.next() });
    expect(again.body).toMatchObject({ success: true, nextFactor: { id: "ms_auth" } });
    const done = await client.post(`/v1/attempts/${id}/verify`, { factorId: "ms_auth", code: devices.ms_auth!.next() });
    expect(done.body).toMatchObject({ success: true, complete: true });
  });

  it("an expired attempt answers 410 attempt_expired and changes nothing", async () => {
    const { userId, devices } = await userWithTwoFactors();
    const started = await client.post("/v1/attempts", { userId, policyId: "login" });
    expect(Date.parse(started.body.expiresAt) - api.clock.now()).toBeGreaterThan(590_000);
    api.clock.advance(601_000);
    try {
      const late = await client.post(`/v1/attempts/${started.body.attemptId}/verify`, {
        factorId: "google_auth",
        code: devices.google_auth!.next(),
      });
      expect(late.status).toBe(410);
      expect(late.body.code).toBe("attempt_expired");
      expect((await client.get(`/v1/users/${userId}/lockout`)).body.consecutiveFailures).toBe(0);
    } finally {
      api.clock.advance(-601_000);
    }
  });

  it("a completed attempt accepts nothing more (409 attempt_completed) and stays readable", async () => {
    const { userId, devices } = await userWithTwoFactors();
    const id = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
    await client.post(`/v1/attempts/${id}/verify`, { factorId: "google_auth", code: devices.google_auth!.next() });
    await client.post(`/v1/attempts/${id}/verify`, { factorId: "ms_auth", code: devices.ms_auth!.next() });
    const more = await client.post(`/v1/attempts/${id}/verify`, { factorId: "google_auth", code: devices.google_auth!.next() });
    expect(more.status).toBe(409);
    expect(more.body.code).toBe("attempt_completed");
    expect((await client.get(`/v1/attempts/${id}`)).body.status).toBe("completed");
  });

  it("an unknown attempt is 404 attempt_not_found", async () => {
    const res = await client.post(`/v1/attempts/${"A".repeat(32)}/verify`, { factorId: "google_auth", code: "123456" });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe("attempt_not_found");
  });

  it("a policy change makes a new version; a running attempt keeps the version it started with", async () => {
    const { userId, devices } = await userWithTwoFactors();
    const id = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
    const { id: _id, ...definition } = twoFactorPolicy("login");
    const updated = await client.put("/v1/policies/login", { ...definition, requiredSteps: 1 });
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBeGreaterThanOrEqual(2);
    try {
      await client.post(`/v1/attempts/${id}/verify`, { factorId: "google_auth", code: devices.google_auth!.next() });
      const two = await client.post(`/v1/attempts/${id}/verify`, { factorId: "ms_auth", code: devices.ms_auth!.next() });
      expect(two.body).toMatchObject({ success: true, complete: true });
    } finally {
      await client.put("/v1/policies/login", definition);
    }
  });
});

describe("audit events over HTTP", () => {
  it("lists a user's events newest first, filtered by type and time, in pages", async () => {
    const { userId, devices } = await userWithTwoFactors();
    const id = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
    await client.post(`/v1/attempts/${id}/verify`, { factorId: "google_auth", code: devices.google_auth!.next() });
    await client.post(`/v1/attempts/${id}/verify`, { factorId: "ms_auth", code: devices.ms_auth!.wrong() });

    const all = (await client.get(`/v1/audit-events?userId=${userId}&limit=200`)).body.events as Array<{
      seq: number;
      type: string;
      at: string;
      userId: string;
    }>;
    expect(all.map((e) => e.type)).toEqual(
      expect.arrayContaining(["factor.enrolled", "factor.confirmed", "attempt.started", "attempt.step_succeeded", "attempt.step_failed"]),
    );
    expect(all.every((e) => e.userId === userId)).toBe(true);
    const seqs = all.map((e) => e.seq);
    expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);

    const pages: number[] = [];
    let before: number | null = null;
    for (let i = 0; i < 20; i++) {
      const page: { body: { events: Array<{ seq: number }>; nextBefore: number | null } } = await client.get(
        `/v1/audit-events?userId=${userId}&limit=3${before === null ? "" : `&before=${before}`}`,
      );
      pages.push(...page.body.events.map((e) => e.seq));
      expect(page.body.events.length).toBeLessThanOrEqual(3);
      before = page.body.nextBefore;
      if (before === null) break;
    }
    expect(pages).toEqual(seqs);

    const failed = (await client.get(`/v1/audit-events?userId=${userId}&type=attempt.step_failed`)).body.events as Array<{
      type: string;
      data: Record<string, unknown>;
    }>;
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data).toMatchObject({ reason: "invalid_code", step: 2, failures: 1 });
    const future = new Date(api.clock.now() + 60_000).toISOString();
    expect((await client.get(`/v1/audit-events?userId=${userId}&from=${encodeURIComponent(future)}`)).body.events).toEqual([]);
    const past = new Date(api.clock.now() - 3_600_000).toISOString();
    expect((await client.get(`/v1/audit-events?userId=${userId}&to=${encodeURIComponent(past)}`)).body.events).toEqual([]);
  });
});

describe("stored policies are read leniently", () => {
  it("a version that today's rules refuse (a zero-width character in a label, written straight into the table) still starts and passes an attempt", async () => {
    const { tenantId, client: c } = await api.tenant();
    const label = "Google\u200b Authenticator";
    // Today's rules refuse it for a new write…
    const policy = twoFactorPolicy("legacy");
    const refused = await c.post("/v1/policies", { ...policy, factors: [{ ...policy.factors[0], label }, policy.factors[1]] });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain("U+200B");
    // …but a version stored under earlier rules is written straight into the table (a valid one, with the label changed).
    expect((await c.post("/v1/policies", twoFactorPolicy("template"))).status).toBe(201);
    const sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    try {
      const inserted = await sql.query(
        `insert into policies (tenant_id, policy_id, version, definition, created_at)
         select tenant_id, 'legacy', 1, jsonb_set(definition, '{factors,0,label}', to_jsonb($2::text)), now()
         from policies where tenant_id = $1 and policy_id = 'template'`,
        [tenantId, label],
      );
      expect(inserted.rowCount).toBe(1);
    } finally {
      await sql.end();
    }
    const read = await c.get("/v1/policies/legacy");
    expect(read.status).toBe(200);
    expect(read.body.factors[0].label).toBe(label);
    const userId = uniqueId("u");
    const devices = await enrollAll(c, api.clock, { userId, policyId: "legacy", factorIds: ["google_auth", "ms_auth"] });
    const started = await c.post("/v1/attempts", { userId, policyId: "legacy" });
    expect(started.status).toBe(201);
    expect(started.body.currentFactor.label).toBe(label);
    const attemptId = started.body.attemptId as string;
    const one = await c.post(`/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code: devices.google_auth!.next() });
    expect(one.body).toMatchObject({ success: true, complete: false });
    const two = await c.post(`/v1/attempts/${attemptId}/verify`, { factorId: "ms_auth", code: devices.ms_auth!.next() });
    expect(two.body).toMatchObject({ success: true, complete: true });
  });
});
