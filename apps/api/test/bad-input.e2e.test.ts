// SECURITY S31: every input is validated at the edge; a malformed request gets a 4xx problem+json body that says what
// is wrong, never a 5xx, and changes nothing. Table-driven cases for each route, then generated bodies (fast-check).
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { connect } from "node:net";
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrollAll, startTestApi, twoFactorPolicy, uniqueId, type ApiClient, type Reply, type TestApi } from "./support/api.js";

const database = useTestDatabase("api_bad_input");
let api: TestApi;
let client: ApiClient;
const userId = uniqueId("u");
let attemptId: string;
let credentialId: string;

const TABLES = ["tenants", "api_keys", "users", "policies", "credentials", "attempts", "lockouts", "one_time_challenges", "audit_events"];

/** Every row of every table of the service, as one string: equal snapshots mean nothing changed. */
async function snapshot(): Promise<string> {
  const sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  try {
    const parts: string[] = [];
    for (const table of TABLES) {
      const { rows } = await sql.query(
        `select coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as h, count(*) as n from ${table} t`,
      );
      parts.push(`${table}:${rows[0].n}:${rows[0].h}`);
    }
    return parts.join("\n");
  } finally {
    await sql.end();
  }
}

function expectProblem(res: Reply, what: string): void {
  expect(res.status, `${what}: ${res.status} ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400);
  expect(res.status, what).toBeLessThan(500);
  expect(res.contentType, what).toContain("application/problem+json");
  expect(typeof res.body.code, what).toBe("string");
  expect(res.body.detail, what).toEqual(expect.any(String));
  expect(res.body.detail.length, what).toBeGreaterThan(5);
}

beforeAll(async () => {
  api = await startTestApi(database.url);
  ({ client } = await api.tenant());
  expect((await client.post("/v1/policies", twoFactorPolicy("login"))).status).toBe(201);
  await enrollAll(client, api.clock, { userId, policyId: "login", factorIds: ["google_auth", "ms_auth"] });
  attemptId = (await client.post("/v1/attempts", { userId, policyId: "login" })).body.attemptId;
  credentialId = (await client.get(`/v1/users/${userId}/factors`)).body.factors[0].id;
});
afterAll(async () => api?.close());

type Case = readonly [
  what: string,
  method: string,
  path: () => string,
  body?: unknown,
  init?: { headers?: Record<string, string>; raw?: string },
];

const policy = twoFactorPolicy("p");
const { id: _id, ...definition } = policy;

const cases: Case[] = [
  ["policy: empty body", "POST", () => "/v1/policies", {}],
  ["policy: steps as a string", "POST", () => "/v1/policies", { ...policy, requiredSteps: "2" }],
  ["policy: unknown key", "POST", () => "/v1/policies", { ...policy, admin: true }],
  ["policy: steps above factors", "POST", () => "/v1/policies", { ...policy, requiredSteps: 3 }],
  ["policy: duplicate factor ids", "POST", () => "/v1/policies", { ...policy, factors: [policy.factors[0], policy.factors[0]] }],
  ["policy: unimplemented type", "POST", () => "/v1/policies", { ...policy, factors: [{ id: "x", label: "X", type: "carrier_pigeon" }] }],
  ["policy: bad id", "POST", () => "/v1/policies", { ...policy, id: "Not A Slug!" }],
  ["policy: window 100000", "POST", () => "/v1/policies", { ...policy, verifyWindow: 100000 }],
  ["policy: 9 digits", "POST", () => "/v1/policies", { ...policy, factors: [{ ...policy.factors[0], options: { digits: 9 } }] }],
  ["policy: already exists", "POST", () => "/v1/policies", { ...policy, id: "login" }],
  ["policy: invalid JSON", "POST", () => "/v1/policies", undefined, { raw: '{"id":', headers: { "content-type": "application/json" } }],
  ["policy: JSON null", "POST", () => "/v1/policies", undefined, { raw: "null", headers: { "content-type": "application/json" } }],
  ["policy: JSON array", "POST", () => "/v1/policies", undefined, { raw: "[1,2]", headers: { "content-type": "application/json" } }],
  ["policy: text/plain", "POST", () => "/v1/policies", undefined, { raw: "id=x", headers: { "content-type": "text/plain" } }],
  ["policy: 40 kB", "POST", () => "/v1/policies", { ...policy, name: "x".repeat(40_000) }],
  [
    "policy: latin1 charset",
    "POST",
    () => "/v1/policies",
    undefined,
    { raw: "{}", headers: { "content-type": "application/json; charset=latin1" } },
  ],
  ["policy update: bad id", "PUT", () => "/v1/policies/..%2F..", definition],
  ["policy update: missing", "PUT", () => "/v1/policies/nope", definition],
  ["policy read: version abc", "GET", () => "/v1/policies/login?version=abc"],
  ["policy read: version 0", "GET", () => "/v1/policies/login?version=0"],
  ["policy read: unknown query", "GET", () => "/v1/policies/login?debug=1"],
  ["policy delete: missing", "DELETE", () => "/v1/policies/nope"],
  ["enroll: user id with a space", "POST", () => "/v1/users/a%20b/factors", { policyId: "login", factorId: "google_auth" }],
  ["enroll: user id too long", "POST", () => `/v1/users/${"a".repeat(300)}/factors`, { policyId: "login", factorId: "google_auth" }],
  ["enroll: factor not in policy", "POST", () => `/v1/users/${userId}/factors`, { policyId: "login", factorId: "nope" }],
  ["enroll: unknown policy", "POST", () => `/v1/users/${userId}/factors`, { policyId: "nope", factorId: "google_auth" }],
  ["enroll: policyId a number", "POST", () => `/v1/users/${userId}/factors`, { policyId: 1, factorId: "google_auth" }],
  ["confirm: code a number", "POST", () => `/v1/users/${userId}/factors/${credentialId}/confirm`, { code: 123456 }],
  ["confirm: already active", "POST", () => `/v1/users/${userId}/factors/${credentialId}/confirm`, { code: "123456" }],
  ["confirm: unknown factor", "POST", () => `/v1/users/${userId}/factors/nope/confirm`, { code: "123456" }],
  ["revoke: unknown factor", "POST", () => `/v1/users/${userId}/factors/nope/revoke`, {}],
  ["start: user id a number", "POST", () => "/v1/attempts", { userId: 5, policyId: "login" }],
  ["start: unknown policy", "POST", () => "/v1/attempts", { userId, policyId: "nope" }],
  ["start: unknown user", "POST", () => "/v1/attempts", { userId: "nobody", policyId: "login" }],
  ["start: extra field", "POST", () => "/v1/attempts", { userId, policyId: "login", steps: 0 }],
  ["verify: code null", "POST", () => `/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code: null }],
  ["verify: code 65 chars", "POST", () => `/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code: "1".repeat(65) }],
  ["verify: no factorId", "POST", () => `/v1/attempts/${attemptId}/verify`, { code: "123456" }],
  ["verify: window", "POST", () => `/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code: "000000", window: 100000 }],
  ["verify: bad attempt id", "POST", () => "/v1/attempts/..%2F..%2Fetc/verify", { factorId: "google_auth", code: "123456" }],
  ["verify: broken percent-encoding", "POST", () => "/v1/attempts/%E0%A4%A/verify", { factorId: "google_auth", code: "123456" }],
  ["verify: unknown attempt", "POST", () => `/v1/attempts/${"Z".repeat(30)}/verify`, { factorId: "google_auth", code: "123456" }],
  ["audit: bad date", "GET", () => "/v1/audit-events?from=yesterday"],
  ["audit: limit 10000", "GET", () => "/v1/audit-events?limit=10000"],
  ["audit: unknown type", "GET", () => "/v1/audit-events?type=everything"],
  ["audit: unknown filter", "GET", () => "/v1/audit-events?tenantId=other"],
  ["lockout: bad user id", "GET", () => "/v1/users/%3Cscript%3E/lockout"],
  ["policy: NUL in the name", "POST", () => "/v1/policies", { ...policy, id: "nul", name: "a\u0000b" }],
  [
    "policy: lone surrogate in a label",
    "POST",
    () => "/v1/policies",
    { ...policy, id: "sur", factors: [{ ...policy.factors[0], label: "x\ud800" }, policy.factors[1]] },
  ],
  [
    "policy: control character in a label",
    "POST",
    () => "/v1/policies",
    { ...policy, id: "ctl", factors: [{ ...policy.factors[0], label: "x\u001b[31m" }, policy.factors[1]] },
  ],
  ["verify: NUL in the factor id", "POST", () => `/v1/attempts/${attemptId}/verify`, { factorId: "x\u0000y", code: "123456" }],
  [
    "verify: lone surrogate in the factor id",
    "POST",
    () => `/v1/attempts/${attemptId}/verify`,
    { factorId: "google_auth\udc00", code: "123456" },
  ],
  ["enroll: NUL in the factor id", "POST", () => `/v1/users/${userId}/factors`, { policyId: "login", factorId: "google_auth\u0000" }],
  [
    "policy: labels alike once normalized",
    "POST",
    () => "/v1/policies",
    {
      ...policy,
      id: "nfd",
      factors: [
        { ...policy.factors[0], label: "Caf\u00e9" },
        { ...policy.factors[1], label: "Cafe\u0301" },
      ],
    },
  ],
  [
    "policy: invisible label",
    "POST",
    () => "/v1/policies",
    { ...policy, id: "zw", factors: [{ ...policy.factors[0], label: "\u200b" }, policy.factors[1]] },
  ],
  [
    "policy: direction override in a label",
    "POST",
    () => "/v1/policies",
    { ...policy, id: "bidi", factors: [{ ...policy.factors[0], label: "abc\u202edef" }, policy.factors[1]] },
  ],
  ["policy: JSON number body", "POST", () => "/v1/policies", undefined, { raw: "123", headers: { "content-type": "application/json" } }],
  ["policy create: a query parameter", "POST", () => "/v1/policies?version=3", { ...policy, id: "qp" }],
  ["policy read: version in hex", "GET", () => "/v1/policies/login?version=0x1"],
  ["policy read: version with an exponent", "GET", () => "/v1/policies/login?version=1e0"],
  ["policy delete: with a body", "DELETE", () => "/v1/policies/login", { cascade: false, dryRun: true }],
  ["unlock: with a body", "POST", () => `/v1/users/${userId}/unlock`, { userId: "bob", force: true }],
  ["unlock: an array body", "POST", () => `/v1/users/${userId}/unlock`, [1, 2]],
  ["enroll: user id ..", "POST", () => "/v1/users/%2E%2E/factors", { policyId: "login", factorId: "google_auth" }],
  [
    "verify: a query parameter",
    "POST",
    () => `/v1/attempts/${attemptId}/verify?window=100000`,
    { factorId: "google_auth", code: "000000" },
  ],
  ["attempt read: a query parameter", "GET", () => `/v1/attempts/${attemptId}?debug=1`],
  ["factors list: a query parameter", "GET", () => `/v1/users/${userId}/factors?status=bogus`],
  ["audit: limit with an exponent", "GET", () => "/v1/audit-events?limit=1e2"],
  ["audit: limit given twice", "GET", () => "/v1/audit-events?limit=5&limit=6"],
  ["audit: empty limit", "GET", () => "/v1/audit-events?limit="],
  ["audit: from after to", "GET", () => "/v1/audit-events?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z"],
  ["audit: year 0", "GET", () => "/v1/audit-events?from=0000-01-01T00:00:00Z"],
  ["audit: past year 9999 in UTC", "GET", () => "/v1/audit-events?to=9999-12-31T23:59:59-23:59"],
  ["no such route", "PATCH", () => "/v1/policies/login", {}],
  ["no such path", "GET", () => "/v1/nothing-here"],
  ["no key", "GET", () => "/v1/policies", undefined, { headers: { authorization: "" } }],
  ["basic auth", "GET", () => "/v1/policies", undefined, { headers: { authorization: "Basic dXNlcjpwYXNz" } }],
  ["unknown key", "GET", () => "/v1/policies", undefined, { headers: { authorization: `Bearer mfa_${"A".repeat(43)}` } }],
];

describe("S31 bad input", () => {
  it("S31 each malformed request gets a 4xx problem+json that says what is wrong, and changes nothing", async () => {
    const before = await snapshot();
    for (const [what, method, path, body, init] of cases) {
      const res = await client.call(method, path(), body, init ?? {});
      expectProblem(res, what);
    }
    expect(await snapshot()).toBe(before);
  });

  it("S31 says what is wrong in words a person can act on", async () => {
    const detail = async (method: string, path: string, body?: unknown, raw?: string) =>
      (await client.call(method, path, body, raw === undefined ? {} : { raw, headers: { "content-type": "application/json" } })).body
        .detail as string;
    expect(await detail("POST", "/v1/attempts", undefined, "null")).toBe("the body must be a JSON object");
    expect(await detail("POST", "/v1/attempts", undefined, "{nope")).toBe("the body is not valid JSON");
    expect(
      await detail("POST", "/v1/policies", {
        ...policy,
        id: "d7",
        factors: [{ ...policy.factors[0], options: { digits: 7 } }, policy.factors[1]],
      }),
    ).toContain("factors[0].options.digits: must be 6 or 8");
    expect(await detail("POST", "/v1/policies", { ...policy, id: "w2", verifyWindow: 2 })).toContain("verifyWindow: must be 0 or 1");
    expect(await detail("GET", "/v1/audit-events?type=bogus")).toMatch(/type: expected one of: .*attempt\.step_succeeded/);
    expect(await detail("GET", "/v1/audit-events?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z")).toContain(
      "from: from must not be later than to",
    );
    expect(await detail("GET", "/v1/audit-events?limit=5&limit=6")).toContain("limit: given more than once");
    expect(await detail("GET", "/v1/policies/login?version=1000")).toBe('policy "login" has no version 1000 (its latest is 1)');
    expect(await detail("POST", `/v1/users/${userId}/unlock`, { userId: "bob" })).toContain('unknown field "userId"');
    expect(await detail("GET", `/v1/users/${userId}/factors?status=active`)).toContain('unknown field "status"');
  });

  it("S31 a method a path does not take gets 405 with the methods it does", async () => {
    const res = await client.call("PUT", "/v1/policies", { any: 1 });
    expect(res.status).toBe(405);
    expect(res.contentType).toContain("application/problem+json");
    expect(res.body).toMatchObject({ code: "method_not_allowed" });
    expect(res.headers.get("allow")?.split(", ").sort()).toEqual(["GET", "HEAD", "POST"]);
    const verifyByGet = await client.get(`/v1/attempts/${attemptId}/verify`);
    expect([verifyByGet.status, verifyByGet.headers.get("allow")]).toEqual([405, "POST"]);
    expect((await client.get("/v1/no-such-thing")).status).toBe(404);
  });

  it("S31 requests Node's HTTP parser refuses are answered in problem+json too, and change nothing", async () => {
    const before = await snapshot();
    const { port } = new URL(api.url);
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), "127.0.0.1", () => socket.end(request));
        let answer = "";
        socket.on("data", (chunk) => (answer += chunk.toString("latin1")));
        socket.on("close", () => resolve(answer));
        socket.on("error", reject);
        socket.setTimeout(10_000, () => socket.destroy(new Error("no answer in 10 s")));
      });
    for (const [what, request, status] of [
      ["a tab in the path", "GET /v1/poli\tcies HTTP/1.1\r\nHost: x\r\n\r\n", 400],
      ["an unknown method", "FOO /v1/policies HTTP/1.1\r\nHost: x\r\n\r\n", 400],
      ["no Host header", "GET /v1/policies HTTP/1.1\r\n\r\n", 400],
      [
        "Content-Length with chunked",
        "POST /v1/attempts HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
        400,
      ],
      ["a 20 kB header", `GET /v1/policies HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431],
    ] as const) {
      const answer = await raw(request);
      expect(answer.split("\r\n")[0], what).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(answer, what).toContain("Content-Type: application/problem+json");
      const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)) as { status: number; detail: string };
      expect(body.status, what).toBe(status);
      expect(body.detail.length, what).toBeGreaterThan(10);
    }
    expect(await snapshot()).toBe(before);
  });

  it("S31 names the offending field and its path", async () => {
    const res = await client.post("/v1/policies", {
      ...policy,
      requiredSteps: "2",
      factors: [policy.factors[0], { ...policy.factors[1], label: "" }],
    });
    expect(res.status).toBe(400);
    const paths = (res.body.errors as Array<{ path: string }>).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["requiredSteps", "factors[1].label"]));
  });

  it("S31 generated bodies and paths never produce a 5xx", async () => {
    const routes = [
      () => "/v1/policies",
      () => `/v1/users/${userId}/factors`,
      () => `/v1/users/${userId}/factors/${credentialId}/confirm`,
      () => "/v1/attempts",
      () => `/v1/attempts/${attemptId}/verify`,
    ];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: routes.length - 1 }), fc.jsonValue(), async (route, body) => {
        const res = await client.call("POST", routes[route]!(), undefined, {
          raw: JSON.stringify(body),
          headers: { "content-type": "application/json" },
        });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(res.contentType).toContain("application/problem+json");
      }),
      { numRuns: 150 },
    );
    // Bodies of the right shape with arbitrary strings (NUL, lone surrogates, any plane) reach the use cases.
    const anyText = fc.string({ unit: "binary", maxLength: 40 });
    const shaped = fc.oneof(
      fc.record({ factorId: anyText, code: anyText }).map((b) => ({ path: `/v1/attempts/${attemptId}/verify`, body: b as unknown })),
      fc.record({ policyId: anyText, factorId: anyText }).map((b) => ({ path: `/v1/users/${userId}/factors`, body: b as unknown })),
      fc.record({ userId: anyText, policyId: anyText }).map((b) => ({ path: "/v1/attempts", body: b as unknown })),
      fc.record({ name: anyText, label: anyText, id: anyText }).map(({ name, label, id }) => ({
        path: "/v1/policies",
        body: { ...policy, id, name, factors: [{ ...policy.factors[0], label }, policy.factors[1]] } as unknown,
      })),
    );
    await fc.assert(
      fc.asyncProperty(shaped, async ({ path, body }) => {
        const res = await client.post(path, body);
        expect(res.status, JSON.stringify(body)).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
    await client.post(`/v1/users/${userId}/unlock`);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", minLength: 1, maxLength: 80 }), async (segment) => {
        const encoded = encodeURIComponent(segment);
        for (const path of [`/v1/attempts/${encoded}`, `/v1/users/${encoded}/lockout`, `/v1/policies/${encoded}`]) {
          const res = await client.get(path);
          expect(res.status, path).toBeLessThan(500);
        }
      }),
      { numRuns: 60 },
    );
  });
});
