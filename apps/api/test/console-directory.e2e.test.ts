/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are JSON that each test asserts field by field */
// The console's directories over HTTP on a real PostgreSQL (issue 15): /console/tenants (listed and created by the
// session alone, scoped to what the operator may work on, the console tenant never shown), /v1/users (a tenant's users
// by id prefix in keyset pages) and /v1/users/{userId}/factor-uses (each factor's last use, from the audit trail).
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrollAll, startTestApi, twoFactorPolicy, uniqueId, type TestApi, type TestTenant } from "./support/api.js";
import { signedInOperator, type ConsoleBrowser } from "./support/console.js";

const database = useTestDatabase("api_console_directory");
let api: TestApi;
let tenantA: TestTenant;
let tenantB: TestTenant;

let everyAdmin: ConsoleBrowser;
let everyViewer: ConsoleBrowser;
let scopedAdmin: ConsoleBrowser;

beforeAll(async () => {
  api = await startTestApi(database.url);
  tenantA = await api.tenant("admin");
  tenantB = await api.tenant("admin");
  expect((await tenantA.client.post("/v1/policies", twoFactorPolicy("login"))).status).toBe(201);
  everyAdmin = await signedInOperator(api, "admin", null);
  everyViewer = await signedInOperator(api, "viewer", null);
  scopedAdmin = await signedInOperator(api, "admin", tenantA.tenantId);
});
afterAll(async () => {
  await api?.close();
});

describe("console tenants", () => {
  it("lists every tenant for an operator of every tenant, never the console's, in keyset pages", async () => {
    const all = await everyAdmin.send("GET", "/console/tenants?limit=100");
    expect(all.status).toBe(200);
    const ids = all.body.tenants.map((t: any) => t.id);
    expect(ids).toEqual(expect.arrayContaining([tenantA.tenantId, tenantB.tenantId]));
    expect(ids).not.toContain("_console");
    expect([...ids].sort((a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b)))).toEqual(ids);
    const first = await everyAdmin.send("GET", "/console/tenants?limit=1");
    expect(first.body.tenants).toHaveLength(1);
    expect(first.body.next).toBe(first.body.tenants[0].id);
    const second = await everyAdmin.send("GET", `/console/tenants?limit=1&after=${first.body.next}`);
    expect(second.body.tenants[0].id > first.body.tenants[0].id).toBe(true);
    const byPrefix = await everyAdmin.send("GET", `/console/tenants?prefix=${tenantB.tenantId}`);
    expect(byPrefix.body).toEqual({
      tenants: [{ id: tenantB.tenantId, name: expect.any(String), createdAt: expect.any(String) }],
      next: null,
    });
    expect((await everyAdmin.send("GET", "/console/tenants?prefix=console")).body.tenants).toEqual([]);
  });

  it("an operator of one tenant sees only theirs and cannot create tenants (403)", async () => {
    const listed = await scopedAdmin.send("GET", "/console/tenants");
    expect(listed.status).toBe(200);
    expect(listed.body.tenants.map((t: any) => t.id)).toEqual([tenantA.tenantId]);
    expect((await scopedAdmin.send("GET", `/console/tenants?prefix=${tenantB.tenantId}`)).body.tenants).toEqual([]);
    const created = await scopedAdmin.send("POST", "/console/tenants", undefined, { id: uniqueId("t").toLowerCase(), name: "Nope" });
    expect(created.status).toBe(403);
    expect(created.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    // Nor can it reach another tenant's users through /v1.
    expect((await scopedAdmin.send("GET", "/v1/users", tenantB.tenantId)).status).toBe(403);
  });

  it("creates a tenant as an admin of every tenant, audited with the operator; a viewer cannot (403); a taken id is 409", async () => {
    const id = uniqueId("acme").toLowerCase();
    expect((await everyViewer.send("POST", "/console/tenants", undefined, { id, name: "Acme" })).status).toBe(403);
    const created = await everyAdmin.send("POST", "/console/tenants", undefined, { id, name: "  Acme  " });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id, name: "Acme", createdAt: expect.any(String) });
    expect((await everyAdmin.send("GET", `/console/tenants?prefix=${id}`)).body.tenants.map((t: any) => t.id)).toEqual([id]);
    const audit = await everyAdmin.send("GET", "/v1/audit-events?type=tenant.created", id);
    expect(audit.body.events).toHaveLength(1);
    expect(audit.body.events[0].actor).toMatchObject({ kind: "operator" });
    const again = await everyAdmin.send("POST", "/console/tenants", undefined, { id, name: "Acme again" });
    expect(again.status).toBe(409);
    expect((await everyAdmin.send("POST", "/console/tenants", undefined, { id: "_console", name: "Mine" })).status).toBe(400);
  });

  it("refuses without a session (401), without the CSRF token (403), and bad input with a 4xx problem changing nothing", async () => {
    const anonymous = await fetch(`${api.url}/console/tenants`);
    expect(anonymous.status).toBe(401);
    expect((await everyAdmin.call("GET", "/console/tenants")).status).toBe(403);
    const id = uniqueId("csrf").toLowerCase();
    expect((await everyAdmin.call("POST", "/console/tenants", { id, name: "No token" })).status).toBe(403);
    // An API key is not a console session.
    const byKey = await fetch(`${api.url}/console/tenants`, { headers: { authorization: `Bearer ${tenantA.apiKey}` } });
    expect(byKey.status).toBe(401);
    for (const body of [{ id: "Bad Id", name: "x" }, { id, name: "" }, { id, name: "x", extra: 1 }, { id }]) {
      const bad = await everyAdmin.send("POST", "/console/tenants", undefined, body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    }
    for (const query of ["limit=0", "limit=101", "limit=x", "prefix=A", "after=Bad%20id", "other=1"]) {
      expect((await everyAdmin.send("GET", `/console/tenants?${query}`)).status, query).toBe(400);
    }
    expect((await everyAdmin.send("GET", `/console/tenants?prefix=${id}`)).body.tenants).toEqual([]);
  });
});

describe("users directory and last use", () => {
  it("lists a tenant's users by id prefix in keyset pages, for a key or an operator of that tenant only", async () => {
    for (const userId of ["dir-carol", "dir-alice", "dir-bob", "other"]) {
      expect((await tenantA.client.get(`/v1/users/${userId}/factors`)).status).toBe(200);
      await enrollAll(tenantA.client, api.clock, { userId, policyId: "login", factorIds: ["google_auth"] });
    }
    const page1 = await tenantA.client.get("/v1/users?prefix=dir-&limit=2");
    expect(page1.status).toBe(200);
    expect(page1.body.users.map((u: any) => u.userId)).toEqual(["dir-alice", "dir-bob"]);
    expect(page1.body.next).toBe("dir-bob");
    const page2 = await tenantA.client.get("/v1/users?prefix=dir-&limit=2&after=dir-bob");
    expect(page2.body).toEqual({ users: [{ userId: "dir-carol", createdAt: expect.any(String) }], next: null });
    // The same list through the console, and nothing of tenant A from tenant B.
    const viaConsole = await scopedAdmin.send("GET", "/v1/users?prefix=dir-");
    expect(viaConsole.body.users.map((u: any) => u.userId)).toEqual(["dir-alice", "dir-bob", "dir-carol"]);
    expect((await tenantB.client.get("/v1/users?prefix=dir-")).body.users).toEqual([]);
    for (const query of ["limit=0", "limit=1000", "prefix=a%20b", "after=", "x=1"]) {
      const bad = await tenantA.client.get(`/v1/users?${query}`);
      expect(bad.status, query).toBe(400);
    }
  });

  it("answers each factor's last use from the step successes in the audit trail, per tenant", async () => {
    const devices = await enrollAll(tenantA.client, api.clock, {
      userId: "last-use",
      policyId: "login",
      factorIds: ["google_auth", "ms_auth"],
    });
    expect((await tenantA.client.get("/v1/users/last-use/factor-uses")).body).toEqual({ uses: [] });
    const attempt = await tenantA.client.post("/v1/attempts", { userId: "last-use", policyId: "login" });
    expect(attempt.status).toBe(201);
    const verified = await tenantA.client.post(`/v1/attempts/${attempt.body.attemptId}/verify`, {
      factorId: "google_auth",
      code: devices.google_auth!.next(),
    });
    expect(verified.status).toBe(200);
    const uses = await tenantA.client.get("/v1/users/last-use/factor-uses");
    expect(uses.body.uses).toEqual([{ factorId: "google_auth", lastUsedAt: expect.any(String) }]);
    expect(Math.abs(Date.parse(uses.body.uses[0].lastUsedAt) - api.clock.now())).toBeLessThan(60_000);
    // Tenant B has no such user; a viewer operator of every tenant reads tenant A's.
    expect((await tenantB.client.get("/v1/users/last-use/factor-uses")).body).toEqual({ uses: [] });
    expect((await everyViewer.send("GET", "/v1/users/last-use/factor-uses", tenantA.tenantId)).body.uses).toHaveLength(1);
    expect((await tenantA.client.get("/v1/users/last-use/factor-uses?x=1")).status).toBe(400);
    expect((await tenantA.client.get("/v1/users/bad%20id/factor-uses")).status).toBe(400);
  });
});
