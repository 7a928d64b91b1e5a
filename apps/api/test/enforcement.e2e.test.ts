// Enforcement over HTTP against a real PostgreSQL (issue 14): the grace period inside and after (fixed by the database
// clock, never renewed), a service account excluded, a new device → chain, a remembered device → none, a rotated token
// reused → refused, another user's token → refused, a sensitive action → the step-up policy, an unknown or private
// address → no lockout, devices revoked when factors change.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  enrollAll,
  passChain as passPolicyChain,
  startTestApi,
  twoFactorPolicy,
  uniqueId,
  type ApiClient,
  type Authenticator,
  type TestApi,
} from "./support/api.js";

const database = useTestDatabase("api_enforcement");
let api: TestApi;
let admin: ApiClient;
let tenantId: string;
const base = twoFactorPolicy("standard");
const stepUp = { ...base, id: "step-up", name: "Step-up", requiredSteps: 1 };
const ctx = (o: Record<string, unknown> = {}) => ({ ip: "10.1.2.3", userAgent: "Mozilla/5.0 test", ...o });

beforeAll(async () => {
  api = await startTestApi(database.url);
  ({ client: admin, tenantId } = await api.tenant("admin"));
  expect((await admin.post("/v1/policies", base)).status).toBe(201);
  expect((await admin.post("/v1/policies", stepUp)).status).toBe(201);
  const rules = await admin.put("/v1/enforcement", {
    requirements: [{ appliesTo: { kind: "all" }, policyId: "standard" }],
    stepUp: { policyId: "step-up", actions: ["wire_transfer"] },
  });
  expect(rules.status).toBe(200);
  expect(rules.body).toMatchObject({ version: 1, gracePeriodDays: 30, rememberDeviceDays: 30 });
});
afterAll(async () => {
  await api?.close();
});

const decide = (userId: string, context: Record<string, unknown> = ctx()) => admin.post("/v1/decisions", { userId, context });

/** Passes the standard chain for the user and returns the completed attempt's id. */
const passChain = (userId: string, devices: Record<string, Authenticator>, policyId = "standard"): Promise<string> =>
  passPolicyChain(admin, { userId, policyId, devices });

async function enrolledUser(): Promise<{ userId: string; devices: Record<string, Authenticator> }> {
  const userId = uniqueId("u");
  const devices = await enrollAll(admin, api.clock, { userId, policyId: "standard", factorIds: ["google_auth", "ms_auth"] });
  return { userId, devices };
}

describe("the grace period", () => {
  it("lets a user without a factor in until the deadline fixed at first sight, then asks to enroll; never renewed", async () => {
    const userId = uniqueId("new");
    const first = await decide(userId);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ require: "none", policyId: "standard", reasons: ["grace_period"], rulesVersion: 1 });
    const endsAt = Date.parse(first.body.graceEndsAt);
    expect(endsAt - Date.now()).toBeGreaterThan(29.9 * 24 * 3600 * 1000);
    expect((await decide(userId)).body.graceEndsAt).toBe(first.body.graceEndsAt);
    // Time passes: the deadline is in the past by the database's clock.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(
        "update grace_deadlines set first_seen_at = now() - interval '31 days', ends_at = now() - interval '1 day' where tenant_id = $1 and user_id = $2",
        [tenantId, userId],
      );
    } finally {
      await client.end();
    }
    const after = await decide(userId);
    expect(after.body).toMatchObject({ require: "enroll", policyId: "standard", reasons: ["grace_period_over"] });
    expect(Date.parse(after.body.graceEndsAt)).toBeLessThan(Date.now());
  });
});

describe("service accounts", () => {
  it("are excluded; only an admin key sets the flag, and it is audited", async () => {
    const userId = uniqueId("svc");
    const service = (await api.tenant("service")).client;
    expect((await service.put(`/v1/users/${userId}/enforcement`, { serviceAccount: true })).status).toBe(403);
    const set = await admin.put(`/v1/users/${userId}/enforcement`, { serviceAccount: true, groups: ["robots"] });
    expect(set.body).toEqual({ userId, groups: ["robots"], serviceAccount: true });
    expect((await decide(userId)).body).toMatchObject({ require: "none", policyId: null, reasons: ["service_account"] });
    const audit = await admin.get(`/v1/audit-events?userId=${userId}&type=enforcement.user_set`);
    expect(audit.body.events[0].data).toMatchObject({ serviceAccount: true, serviceAccountChanged: true });
  });
});

describe("remembered devices", () => {
  it("new device → chain; after the chain a device token; remembered → none; the rotated token reused → refused", async () => {
    const { userId, devices } = await enrolledUser();
    expect((await decide(userId)).body).toMatchObject({
      require: "chain",
      policyId: "standard",
      reasons: ["new_device", "location_unknown"],
    });
    const attemptId = await passChain(userId, devices);
    const issued = await admin.post("/v1/devices", { attemptId, label: "laptop" });
    expect(issued.status).toBe(201);
    const token1 = issued.body.deviceToken as string;
    expect(token1).toMatch(/^mfad_[A-Za-z0-9_-]{32,}$/);
    expect((await admin.post("/v1/devices", { attemptId })).body.code).toBe("device_already_issued");

    const remembered = await decide(userId, ctx({ deviceToken: token1 }));
    expect(remembered.body).toMatchObject({ require: "none", reasons: ["remembered_device", "location_unknown"] });
    const token2 = remembered.body.device.token as string;
    expect(token2).not.toBe(token1);
    expect((await decide(userId, ctx({ deviceToken: token1 }))).body).toMatchObject({
      require: "chain",
      device: null,
      reasons: ["new_device", "location_unknown"],
    });
    expect((await decide(userId, ctx({ deviceToken: token2 }))).body.require).toBe("none");

    const listed = await admin.get(`/v1/users/${userId}/devices`);
    expect(listed.body.devices).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain("mfad_");
  });

  it("another user's token is refused", async () => {
    const a = await enrolledUser();
    const b = await enrolledUser();
    const token = (await admin.post("/v1/devices", { attemptId: await passChain(a.userId, a.devices) })).body.deviceToken;
    expect((await decide(b.userId, ctx({ deviceToken: token }))).body).toMatchObject({ require: "chain", device: null });
    const refused = await admin.get(`/v1/audit-events?userId=${b.userId}&type=device.refused`);
    expect(refused.body.events[0].data).toMatchObject({ reason: "unknown_token" });
    // …and it still works for its own user.
    expect((await decide(a.userId, ctx({ deviceToken: token }))).body.require).toBe("none");
  });

  it("a sensitive action takes the step-up policy even on a remembered device", async () => {
    const { userId, devices } = await enrolledUser();
    const token = (await admin.post("/v1/devices", { attemptId: await passChain(userId, devices) })).body.deviceToken;
    const d = await decide(userId, ctx({ deviceToken: token, action: "wire_transfer" }));
    expect(d.body).toMatchObject({
      require: "chain",
      policyId: "step-up",
      reasons: ["sensitive_action", "remembered_device", "location_unknown"],
    });
  });

  it("an unknown or private address never locks anyone out: public, private and loopback decide alike", async () => {
    const { userId, devices } = await enrolledUser();
    let token = (await admin.post("/v1/devices", { attemptId: await passChain(userId, devices) })).body.deviceToken as string;
    for (const ip of ["192.168.1.10", "127.0.0.1", "::1", "203.0.113.7", "2001:db8::1"]) {
      const d = await decide(userId, ctx({ ip, deviceToken: token }));
      expect(d.status).toBe(200);
      expect(d.body).toMatchObject({ require: "none", reasons: ["remembered_device", "location_unknown"] });
      token = d.body.device.token;
    }
  });

  it("are revoked when the user's factors change, and by a call", async () => {
    const { userId, devices } = await enrolledUser();
    const token = (await admin.post("/v1/devices", { attemptId: await passChain(userId, devices) })).body.deviceToken;
    const revoked = await admin.post(`/v1/users/${userId}/factors/${devices.ms_auth!.credentialId}/revoke`, {});
    expect(revoked.status).toBe(200);
    expect((await decide(userId, ctx({ deviceToken: token }))).body.require).toBe("chain");
    const listed = await admin.get(`/v1/users/${userId}/devices`);
    expect(listed.body.devices[0].revokedAt).not.toBeNull();
    expect((await admin.delete(`/v1/users/${userId}/devices/${listed.body.devices[0].id}`)).body.code).toBe("device_not_found");
  });
});
