// Operations: health and readiness, Prometheus metrics, the OpenAPI document and docs page, rate limits (in process,
// in PostgreSQL and in Redis) and a graceful shutdown that finishes in-flight requests.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, enrollAll, startTestApi, twoFactorPolicy, uniqueId, type TestApi } from "./support/api.js";

const database = useTestDatabase("api_operations");
let api: TestApi;
let client: ApiClient;

beforeAll(async () => {
  api = await startTestApi(database.url);
  ({ client } = await api.tenant());
  expect((await client.post("/v1/policies", twoFactorPolicy("login"))).status).toBe(201);
});
afterAll(async () => api?.close());

const text = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: await res.text() };
};

describe("operations", () => {
  it("answers /healthz and /readyz, and /readyz fails when the database is gone", async () => {
    expect(await (await fetch(`${api.url}/healthz`)).json()).toEqual({ status: "ok" });
    expect(await (await fetch(`${api.url}/readyz`)).json()).toEqual({ status: "ready" });
    const broken = await startTestApi(database.url);
    try {
      await broken.server.database.db.destroy();
      const res = await text(`${broken.url}/readyz`);
      expect(res.status).toBe(503);
      expect(res.type).toContain("application/problem+json");
    } finally {
      await broken.close().catch(() => undefined);
    }
  });

  it("exports Prometheus metrics: requests by route pattern, latency, verify outcomes and lockouts", async () => {
    const userId = uniqueId("u");
    const { google_auth: g } = await enrollAll(client, api.clock, { userId, policyId: "login", factorIds: ["google_auth", "ms_auth"] });
    const attemptId = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
    await client.post(`/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code: g!.next() });
    for (let i = 0; i < 5; i++) await client.post(`/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code: g!.wrong() });
    const metrics = await text(`${api.url}/metrics`);
    expect(metrics.type).toContain("text/plain");
    expect(metrics.body).toMatch(/mfa_verify_outcomes_total\{outcome="success"\} [1-9]/);
    expect(metrics.body).toMatch(/mfa_verify_outcomes_total\{outcome="invalid_code"\} [1-9]/);
    expect(metrics.body).toMatch(/mfa_lockouts_total [1-9]/);
    expect(metrics.body).toContain('mfa_http_requests_total{method="POST",route="/v1/attempts/:attemptId/verify",status="200"}');
    expect(metrics.body).toContain("mfa_http_request_duration_seconds_bucket");
    // Route patterns, never raw paths: no attempt id in a label.
    expect(metrics.body.includes(attemptId)).toBe(false);
  });

  it("labels answers given before the route ran (401, a body parser's 400 and 413) with the route pattern the path fits", async () => {
    const attemptPath = `/v1/attempts/${uniqueId("a")}/verify`;
    expect((await new ApiClient(api.url, null).post(attemptPath, {})).status).toBe(401);
    expect(
      (await client.call("POST", attemptPath, undefined, { raw: "{not json", headers: { "content-type": "application/json" } })).status,
    ).toBe(400);
    expect(
      (
        await client.call("POST", "/v1/policies", undefined, {
          raw: JSON.stringify({ name: "x".repeat(20_000) }),
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(413);
    const metrics = (await text(`${api.url}/metrics`)).body;
    for (const [route, status] of [
      ["/v1/attempts/:attemptId/verify", 401],
      ["/v1/attempts/:attemptId/verify", 400],
      ["/v1/policies", 413],
    ] as const) {
      expect(metrics).toContain(`mfa_http_requests_total{method="POST",route="${route}",status="${status}"}`);
    }
    // A path the API does not have is still "unmatched", never its raw path.
    await client.get("/v1/no/such/path");
    expect((await text(`${api.url}/metrics`)).body).toContain('route="unmatched",status="404"');
  });

  it("serves an OpenAPI 3.1 document generated from the schemas, and an interactive docs page", async () => {
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\.1\./);
    for (const path of [
      "/v1/policies",
      "/v1/users/{userId}/factors",
      "/v1/attempts",
      "/v1/attempts/{attemptId}/verify",
      "/v1/audit-events",
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(["VerifyStep", "VerifyOutcome", "PolicyDefinition", "Problem"]),
    );
    const page = await text(`${api.url}/docs/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain("swagger");
    const assets = await text(`${api.url}/docs/assets/swagger-ui-bundle.js`);
    expect(assets.status).toBe(200);
    // The demo page is off unless asked for on a PostgreSQL deployment.
    expect((await fetch(`${api.url}/demo/`)).status).toBe(404);
  });

  it("limits requests per API key, answering 429 with Retry-After", async () => {
    const limited = await startTestApi(null, { RATE_LIMIT_PER_KEY: "3" });
    try {
      const c = (await limited.tenant()).client;
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await c.get("/v1/policies")).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const res = await c.get("/v1/policies");
      expect(res.body.code).toBe("rate_limited");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      // Another key of another tenant has its own budget.
      expect((await (await limited.tenant()).client.get("/v1/policies")).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("shares one key's budget between two processes through Redis", async () => {
    const env = { RATE_LIMIT_PER_KEY: "4", REDIS_URL: process.env.REDIS_URL_TEST ?? "redis://127.0.0.1:6379" };
    const one = await startTestApi(database.url, env).catch((error: unknown) => {
      throw new Error(`this test needs a Redis server at ${env.REDIS_URL} (set REDIS_URL_TEST): ${String(error)}`);
    });
    const two = await startTestApi(database.url, env);
    try {
      const { apiKey } = await one.tenant();
      const a = new ApiClient(one.url, apiKey);
      const b = new ApiClient(two.url, apiKey);
      const statuses = [];
      for (const c of [a, b, a, b, a]) statuses.push((await c.get("/v1/policies")).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it("a graceful shutdown finishes in-flight requests, then refuses new connections", async () => {
    const leaving = await startTestApi(database.url);
    const c = (await leaving.tenant()).client;
    const ids = Array.from({ length: 10 }, () => uniqueId("p").replaceAll("_", "-"));
    const inFlight = ids.map((id) => c.post("/v1/policies", twoFactorPolicy(id)));
    await new Promise((r) => setTimeout(r, 5));
    const closed = leaving.close();
    // While draining, readiness fails so that a load balancer stops sending.
    const ready = await fetch(`${leaving.url}/readyz`);
    expect(ready.status).toBe(503);
    const results = await Promise.all(inFlight);
    await closed;
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    await expect(fetch(`${leaving.url}/healthz`)).rejects.toThrow();
    // Every acknowledged write was committed: another instance on the same database sees all ten.
    const listed = await new ApiClient(api.url, c.apiKey).get("/v1/policies");
    expect((listed.body.policies as Array<{ id: string }>).map((p) => p.id).sort()).toEqual([...ids].sort());
  });
});
