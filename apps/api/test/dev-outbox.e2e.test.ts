// S32 for the development outbox route (GET /v1/dev/outbox), which the demo page lists: served in demo mode only (on
// loopback, never with NODE_ENV=production), to an admin key, with the messages of the caller's tenant only. Outside
// demo mode it does not exist. And the demo's start: the email policy and the enforcement rules, set once. PostgreSQL.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { afterEach, describe, expect, it } from "vitest";
import { ApiClient, startTestApi, type TestApi } from "./support/api.js";

const database = useTestDatabase("api_dev_outbox");
let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe("the development outbox route", () => {
  it("S32 in demo mode lists what was sent for the caller's tenant, newest first, to an admin key only", async () => {
    api = await startTestApi(database.url, { MFA_DEMO: "true" });
    const config = (await (await fetch(`${api.url}/demo/config.json`)).json()) as { apiKey: string };
    expect(config).toMatchObject({ policyId: "demo-login", emailPolicyId: "demo-email", outbox: true });
    const demo = new ApiClient(api.url, config.apiKey);
    const enrolled = await demo.post("/v1/users/dora/factors", {
      policyId: "demo-email",
      factorId: "email",
      destination: "dora@example.com",
    });
    expect(enrolled.status).toBe(201);

    const listed = await demo.get("/v1/dev/outbox");
    expect(listed.status).toBe(200);
    expect(listed.headers.get("cache-control")).toBe("no-store");
    expect(listed.body.messages[0]).toMatchObject({
      channel: "email",
      to: "dora@example.com",
      text: expect.stringMatching(/Enter \d{6} to confirm/),
    });

    // Another tenant sees none of it; a key that is not an admin key is refused.
    const other = await api.tenant("admin");
    expect((await other.client.get("/v1/dev/outbox")).body).toEqual({ messages: [] });
    const service = await api.tenant("service");
    const refused = await service.client.get("/v1/dev/outbox");
    expect(refused.status).toBe(403);
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(refused.body)).not.toContain("dora");
  });

  it("S32 does not exist outside demo mode, nor in demo mode with NODE_ENV=production", async () => {
    for (const env of [{}, { MFA_DEMO: "true", NODE_ENV: "production" }]) {
      api = await startTestApi(database.url, env);
      const { client } = await api.tenant("admin");
      const answered = await client.get("/v1/dev/outbox");
      expect(answered.status, JSON.stringify(env)).toBe(404);
      expect(answered.contentType).toMatch(/^application\/problem\+json/);
      await api.close();
      api = undefined;
    }
  });

  it("the demo's start sets the enforcement rules once: a later start keeps the rules an admin saved", async () => {
    api = await startTestApi(database.url, { MFA_DEMO: "true" });
    const demo = async () =>
      new ApiClient(api!.url, ((await (await fetch(`${api!.url}/demo/config.json`)).json()) as { apiKey: string }).apiKey);
    const first = await (await demo()).get("/v1/enforcement");
    expect(first.body).toMatchObject({
      requirements: [{ appliesTo: { kind: "all" }, policyId: "demo-login" }],
      stepUp: { policyId: "demo-email", actions: ["change_email"], onNewLocation: true },
    });
    const saved = await (
      await demo()
    ).put("/v1/enforcement", { requirements: [{ appliesTo: { kind: "all" }, policyId: "demo-email" }], stepUp: null });
    expect(saved.status).toBe(200);
    await api.close();
    api = await startTestApi(database.url, { MFA_DEMO: "true" });
    const after = await (await demo()).get("/v1/enforcement");
    expect(after.body).toMatchObject({ version: saved.body.version, stepUp: null });
  });
});
