// Choices docs/api.md states (and the OpenAPI descriptions repeat), checked over HTTP against a real PostgreSQL:
// a deleted policy keeps its history and its running attempts, user ids are case-sensitive, and a user id with a
// colon is percent-encoded in the otpauth label.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { parseKeyUri } from "@mfa-chain/totp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enrollAll, startTestApi, twoFactorPolicy, uniqueId, type ApiClient, type TestApi } from "./support/api.js";

const database = useTestDatabase("api_documented");
let api: TestApi;
let client: ApiClient;

beforeAll(async () => {
  api = await startTestApi(database.url);
  ({ client } = await api.tenant());
});
afterAll(async () => api?.close());

describe("a deleted policy", () => {
  it("answers GET ?version=N, lets its running attempts complete, and starts nothing new", async () => {
    const policyId = uniqueId("p").replaceAll("_", "-");
    expect((await client.post("/v1/policies", twoFactorPolicy(policyId))).status).toBe(201);
    const userId = uniqueId("u");
    const devices = await enrollAll(client, api.clock, { userId, policyId, factorIds: ["google_auth", "ms_auth"] });
    const attemptId = (await client.post("/v1/attempts", { userId, policyId })).body.attemptId as string;
    expect(
      (await client.post(`/v1/attempts/${attemptId}/verify`, { factorId: "google_auth", code: devices.google_auth!.next() })).body,
    ).toMatchObject({ success: true });

    expect((await client.delete(`/v1/policies/${policyId}`)).status).toBe(204);

    expect((await client.get(`/v1/policies/${policyId}`)).body).toMatchObject({ status: 404, code: "policy_not_found" });
    const v1 = await client.get(`/v1/policies/${policyId}?version=1`);
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ id: policyId, version: 1, requiredSteps: 2 });
    expect((await client.get("/v1/policies")).body.policies.map((p: { id: string }) => p.id)).not.toContain(policyId);

    const last = await client.post(`/v1/attempts/${attemptId}/verify`, { factorId: "ms_auth", code: devices.ms_auth!.next() });
    expect(last.status).toBe(200);
    expect(last.body).toMatchObject({ success: true, complete: true });

    expect((await client.post("/v1/attempts", { userId, policyId })).body).toMatchObject({ status: 404, code: "policy_not_found" });
    expect((await client.post("/v1/policies", twoFactorPolicy(policyId))).body).toMatchObject({ status: 409, code: "policy_exists" });
  });
});

describe("user ids", () => {
  it("are case-sensitive: ALICE is not alice", async () => {
    const policyId = uniqueId("p").replaceAll("_", "-");
    expect((await client.post("/v1/policies", twoFactorPolicy(policyId))).status).toBe(201);
    const lower = uniqueId("alice");
    const upper = lower.toUpperCase();
    await enrollAll(client, api.clock, { userId: lower, policyId, factorIds: ["google_auth", "ms_auth"] });

    expect((await client.get(`/v1/users/${lower}/factors`)).body.factors).toHaveLength(2);
    expect((await client.get(`/v1/users/${upper}/factors`)).body.factors).toEqual([]);
    expect((await client.post("/v1/attempts", { userId: lower, policyId })).status).toBe(201);
    expect((await client.post("/v1/attempts", { userId: upper, policyId })).body).toMatchObject({
      status: 409,
      code: "factors_not_enrolled",
    });
  });

  it("with a colon are percent-encoded in the otpauth label, and read back whole", async () => {
    const policyId = uniqueId("p").replaceAll("_", "-");
    expect((await client.post("/v1/policies", twoFactorPolicy(policyId))).status).toBe(201);
    const userId = `acme:${uniqueId("alice")}`;
    const enrolled = await client.post(`/v1/users/${encodeURIComponent(userId)}/factors`, { policyId, factorId: "google_auth" });
    expect(enrolled.status).toBe(201);
    const uri = enrolled.body.otpauthUri as string;
    const label = /^otpauth:\/\/totp\/([^?]*)\?/.exec(uri)?.[1] ?? "";
    expect(label.split(":")).toHaveLength(2);
    expect(label).toContain(`acme%3A${userId.slice("acme:".length)}`);
    expect(parseKeyUri(uri)).toMatchObject({ issuer: "mfa-chain", accountName: `${userId} (Google Authenticator)` });
  });
});
