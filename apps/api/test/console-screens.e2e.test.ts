/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are JSON that each test asserts field by field */
// The console's recovery, remembered devices, settings and policy history over HTTP on a real PostgreSQL (issue 15): what
// the user, settings and policies screens call with an operator's session. An admin operator acts (audited with the operator);
// a viewer reads devices and settings and is refused every change and the recoveries (403); without the CSRF token 403
// before anything runs; another tenant's data is out of reach; bad input is a 400 problem that changes nothing.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrollAll, startTestApi, twoFactorPolicy, type ApiClient, type TestApi, type TestTenant } from "./support/api.js";
import { signedInOperators, type ConsoleBrowser } from "./support/console.js";

const database = useTestDatabase("api_console_screens");
let api: TestApi;
let tenantA: TestTenant;
let tenantB: TestTenant;

let scopedAdmin: ConsoleBrowser;
let scopedViewer: ConsoleBrowser;
let everyAdmin: ConsoleBrowser;

/** A user with two factors and one remembered device, in the given tenant. */
async function userWithDevice(t: { client: ApiClient }, userId: string): Promise<void> {
  const apps = await enrollAll(t.client, api.clock, { userId, policyId: "login", factorIds: ["google_auth", "ms_auth"] });
  const attempt = await t.client.post("/v1/attempts", { userId, policyId: "login" });
  for (const factorId of ["google_auth", "ms_auth"] as const) {
    expect(
      (await t.client.post(`/v1/attempts/${attempt.body.attemptId}/verify`, { factorId, code: apps[factorId]!.next() })).body.success,
    ).toBe(true);
  }
  expect((await t.client.post("/v1/devices", { attemptId: attempt.body.attemptId, label: `${userId}'s laptop` })).status).toBe(201);
}

const isProblem = (res: { headers: Headers }) => expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);

beforeAll(async () => {
  api = await startTestApi(database.url);
  tenantA = await api.tenant("admin");
  tenantB = await api.tenant("admin");
  for (const t of [tenantA, tenantB]) expect((await t.client.post("/v1/policies", twoFactorPolicy("login"))).status).toBe(201);
  await userWithDevice(tenantA, "dana");
  await userWithDevice(tenantA, "erin");
  await userWithDevice(tenantB, "dana");
  ({ scopedAdmin, scopedViewer, everyAdmin } = await signedInOperators(api, tenantA.tenantId));
});
afterAll(async () => {
  await api?.close();
});

const VERIFIED = { verification: "video_call", reference: "TICKET-1" };

describe("console recovery, devices and settings", () => {
  it("a viewer reads devices and settings, and is refused every change and the recoveries (403), changing nothing", async () => {
    const devices = await scopedViewer.send("GET", "/v1/users/dana/devices");
    expect(devices.status).toBe(200);
    expect(devices.body.devices).toMatchObject([{ label: "dana's laptop", revokedAt: null }]);
    expect((await scopedViewer.send("GET", "/v1/settings")).body).toMatchObject({ recoveryDelaySeconds: 86_400 });
    const refused = [
      await scopedViewer.send("DELETE", "/v1/users/dana/devices"),
      await scopedViewer.send("DELETE", `/v1/users/dana/devices/${devices.body.devices[0].id}`),
      await scopedViewer.send("POST", "/v1/users/dana/recoveries", undefined, VERIFIED),
      await scopedViewer.send("POST", "/v1/users/dana/reset-factors", undefined, VERIFIED),
      await scopedViewer.send("PUT", "/v1/settings", undefined, { recoveryDelaySeconds: 0 }),
      await scopedViewer.send("GET", "/v1/users/dana/recoveries"),
    ];
    for (const res of refused) {
      expect(res.status).toBe(403);
      isProblem(res);
    }
    expect((await tenantA.client.get("/v1/users/dana/devices")).body.devices[0].revokedAt).toBeNull();
    expect((await tenantA.client.get("/v1/users/dana/recoveries")).body.recoveries).toEqual([]);
    expect((await tenantA.client.get("/v1/settings")).body).toMatchObject({ recoveryDelaySeconds: 86_400, pendingRecoveryDelay: null });
  });

  it("without the CSRF token every change is 403 and nothing runs", async () => {
    const noToken = [
      await scopedAdmin.call("DELETE", "/v1/users/dana/devices"),
      await scopedAdmin.call("POST", "/v1/users/dana/recoveries", VERIFIED),
      await scopedAdmin.call("PUT", "/v1/settings", { recoveryDelaySeconds: 0 }),
      await scopedAdmin.call("GET", "/v1/settings"),
    ];
    for (const res of noToken) {
      expect(res.status).toBe(403);
      isProblem(res);
    }
    expect((await tenantA.client.get("/v1/users/dana/devices")).body.devices[0].revokedAt).toBeNull();
    expect((await tenantA.client.get("/v1/users/dana/recoveries")).body.recoveries).toEqual([]);
    expect((await tenantA.client.get("/v1/settings")).body.pendingRecoveryDelay).toBeNull();
  });

  it("bad input is a 400 problem+json that changes nothing", async () => {
    const bad = [
      await scopedAdmin.send("POST", "/v1/users/dana/recoveries", undefined, { verification: "!x", reference: "T" }),
      await scopedAdmin.send("POST", "/v1/users/dana/recoveries", undefined, { ...VERIFIED, extra: 1 }),
      await scopedAdmin.send("POST", "/v1/users/dana/recoveries", undefined, { verification: "video_call" }),
      await scopedAdmin.send("POST", "/v1/users/dana/reset-factors", undefined, { verification: "", reference: "T" }),
      await scopedAdmin.send("PUT", "/v1/settings", undefined, { recoveryDelaySeconds: -1 }),
      await scopedAdmin.send("PUT", "/v1/settings", undefined, { recoveryDelaySeconds: null }),
      await scopedAdmin.send("PUT", "/v1/settings", undefined, { notificationsEnabled: "yes" }),
      await scopedAdmin.send("POST", "/v1/recoveries/not-a-recovery/execute"),
      await scopedAdmin.send("DELETE", "/v1/users/dana/devices/bad%20id"),
    ];
    for (const res of bad) {
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      isProblem(res);
    }
    expect((await tenantA.client.get("/v1/users/dana/recoveries")).body.recoveries).toEqual([]);
    expect((await tenantA.client.get("/v1/settings")).body).toMatchObject({ recoveryDelaySeconds: 86_400, pendingRecoveryDelay: null });
    expect((await tenantA.client.get("/v1/users/dana/devices")).body.devices[0].revokedAt).toBeNull();
  });

  it("an admin operator requests a recovery (audited with the operator), sees it, and may not execute it before it is due", async () => {
    const requested = await scopedAdmin.send("POST", "/v1/users/erin/recoveries", undefined, VERIFIED);
    expect(requested.status).toBe(201);
    expect(requested.body).toMatchObject({ state: "requested", userId: "erin", ...VERIFIED });
    const listed = await scopedAdmin.send("GET", "/v1/users/erin/recoveries");
    expect(listed.body.recoveries.map((r: any) => r.id)).toEqual([requested.body.id]);
    const early = await scopedAdmin.send("POST", `/v1/recoveries/${requested.body.id}/execute`);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe("recovery_not_due");
    const audit = await tenantA.client.get("/v1/audit-events?type=recovery.requested&userId=erin");
    expect(audit.body.events).toHaveLength(1);
    expect(audit.body.events[0].actor).toMatchObject({ kind: "operator" });
    // Not while the delay is on: an immediate reset.
    const reset = await scopedAdmin.send("POST", "/v1/users/erin/reset-factors", undefined, VERIFIED);
    expect(reset.status).toBe(409);
    expect(reset.body.code).toBe("recovery_delay_required");
  });

  it("another tenant's users, devices and recoveries are out of reach", async () => {
    // tenant B's dana has a device; tenant A's operator reaches only tenant A's dana, whatever Mfa-Tenant says.
    const bDevices = (await tenantB.client.get("/v1/users/dana/devices")).body.devices;
    const viaHeader = await scopedAdmin.send("GET", "/v1/users/dana/devices", tenantB.tenantId);
    expect(viaHeader.status).toBe(403);
    const own = await scopedAdmin.send("GET", "/v1/users/dana/devices");
    expect(own.body.devices.map((d: any) => d.id)).not.toContain(bDevices[0].id);
    const other = await scopedAdmin.send("DELETE", `/v1/users/dana/devices/${bDevices[0].id}`);
    expect(other.status).toBe(404);
    expect((await tenantB.client.get("/v1/users/dana/devices")).body.devices[0].revokedAt).toBeNull();
    // erin's recovery in tenant A: not found from tenant B by an operator of every tenant working on B.
    const erins = (await tenantA.client.get("/v1/users/erin/recoveries")).body.recoveries;
    const fromB = await everyAdmin.send("GET", `/v1/recoveries/${erins[0].id}`, tenantB.tenantId);
    expect(fromB.status).toBe(404);
    expect((await everyAdmin.send("POST", `/v1/recoveries/${erins[0].id}/execute`, tenantB.tenantId)).status).toBe(404);
    expect((await everyAdmin.send("GET", "/v1/users/erin/recoveries", tenantB.tenantId)).body.recoveries).toEqual([]);
    // Tenant B's settings are its own.
    expect((await everyAdmin.send("PUT", "/v1/settings", tenantB.tenantId, { notificationsEnabled: false })).status).toBe(200);
    expect((await tenantA.client.get("/v1/settings")).body.notificationsEnabled).toBe(true);
  });

  it("an admin operator revokes a device, lowers the delay (pending until the old one passes), and the change is audited", async () => {
    const devices = (await scopedAdmin.send("GET", "/v1/users/dana/devices")).body.devices;
    expect((await scopedAdmin.send("DELETE", `/v1/users/dana/devices/${devices[0].id}`)).status).toBe(204);
    expect((await tenantA.client.get("/v1/users/dana/devices")).body.devices[0].revokedAt).not.toBeNull();
    const lowered = await scopedAdmin.send("PUT", "/v1/settings", undefined, { recoveryDelaySeconds: 0 });
    expect(lowered.status).toBe(200);
    expect(lowered.body).toMatchObject({ recoveryDelaySeconds: 86_400, pendingRecoveryDelay: { recoveryDelaySeconds: 0 } });
    const audit = await tenantA.client.get("/v1/audit-events?type=tenant.settings_set");
    expect(audit.body.events).toHaveLength(1);
    expect(audit.body.events[0].actor).toMatchObject({ kind: "operator" });
  });
});

describe("console policy history and chain preview", () => {
  it("lists every version newest first, for admins and viewers, and previews fixed and random draws", async () => {
    const random = {
      ...twoFactorPolicy("login", "random"),
      factors: [...twoFactorPolicy("login").factors, { id: "third", label: "Third", type: "totp" }],
    };
    const { id: _id, ...definition } = random;
    expect((await scopedAdmin.send("PUT", "/v1/policies/login", undefined, definition)).status).toBe(200);
    for (const operator of [scopedAdmin, scopedViewer]) {
      const versions = await operator.send("GET", "/v1/policies/login/versions");
      expect(versions.status).toBe(200);
      expect(versions.body.versions.map((v: any) => [v.version, v.mode, v.factors.length])).toEqual([
        [2, "random", 3],
        [1, "fixed", 2],
      ]);
    }
    const fixed = await scopedViewer.send("GET", "/v1/policies/login/chain-preview?version=1&samples=3");
    expect(fixed.body).toEqual({
      policyId: "login",
      version: 1,
      mode: "fixed",
      requiredSteps: 2,
      factorCount: 2,
      possibleChains: 1,
      samples: Array(3).fill(["google_auth", "ms_auth"]),
    });
    const drawn = await scopedAdmin.send("GET", "/v1/policies/login/chain-preview?samples=20");
    expect(drawn.body).toMatchObject({ version: 2, mode: "random", requiredSteps: 2, factorCount: 3, possibleChains: 6 });
    expect(drawn.body.samples).toHaveLength(20);
    for (const chain of drawn.body.samples) expect(new Set(chain).size).toBe(2);
    // Twenty uniform draws of 6 orderings all alike: about 1 in 6^19.
    expect(new Set(drawn.body.samples.map((c: string[]) => c.join(">"))).size).toBeGreaterThan(1);
    // Nothing stored: no attempt, no audit event.
    const audit = await tenantA.client.get("/v1/audit-events?type=attempt.started");
    const before = audit.body.events.length;
    await scopedAdmin.send("GET", "/v1/policies/login/chain-preview");
    expect((await tenantA.client.get("/v1/audit-events?type=attempt.started")).body.events).toHaveLength(before);
  });

  it("without the CSRF token 403; another tenant's policy is 404; bad input is a 400 problem", async () => {
    expect((await scopedAdmin.call("GET", "/v1/policies/login/versions")).status).toBe(403);
    expect((await scopedAdmin.call("GET", "/v1/policies/login/chain-preview")).status).toBe(403);
    // Tenant B has its own "login" (version 1 only); tenant A's history is not B's.
    expect((await everyAdmin.send("GET", "/v1/policies/login/versions", tenantB.tenantId)).body.versions).toHaveLength(1);
    expect((await scopedAdmin.send("GET", "/v1/policies/login/versions", tenantB.tenantId)).status).toBe(403);
    const notFound = [
      await scopedAdmin.send("GET", "/v1/policies/nope/versions"),
      await scopedAdmin.send("GET", "/v1/policies/nope/chain-preview"),
      await scopedAdmin.send("GET", "/v1/policies/login/chain-preview?version=9"),
    ];
    for (const res of notFound) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe("policy_not_found");
      isProblem(res);
    }
    for (const query of ["samples=0", "samples=21", "samples=x", "version=0", "other=1", "samples=1&samples=2"]) {
      const bad = await scopedAdmin.send("GET", `/v1/policies/login/chain-preview?${query}`);
      expect(bad.status, query).toBe(400);
      isProblem(bad);
    }
    const badPath = await scopedAdmin.send("GET", "/v1/policies/Bad%20Id/versions");
    expect(badPath.status).toBe(400);
    expect((await scopedAdmin.send("GET", "/v1/policies/login/versions?x=1")).status).toBe(400);
  });
});
