import { adminKey, aPolicy, errorOf, TEST_EPOCH, TestApp, unwrap } from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const admin = adminKey();

describe("SavePolicy", () => {
  let app: TestApp;
  beforeEach(() => {
    app = new TestApp();
  });

  const save = (policyId: string, definition: unknown, mode: "create" | "update" = "create", actor = admin) =>
    app.savePolicy.execute({ actor, policyId, definition, mode });

  it("creates version 1, returns its view and audits policy.created", async () => {
    const view = unwrap(await save("login", aPolicy().withName("Login").definition()));
    expect(view).toMatchObject({
      id: "login",
      version: 1,
      name: "Login",
      mode: "fixed",
      requiredSteps: 2,
      verifyWindow: 1,
      createdAt: TEST_EPOCH,
    });
    expect(view.lockout).toEqual({ maxFailures: 5, baseSeconds: 300, maxSeconds: 3600 });
    expect(app.auditEvents()).toEqual([
      expect.objectContaining({
        type: "policy.created",
        actor: { kind: "api_key", id: admin.keyId },
        userId: null,
        data: { policyId: "login", version: 1 },
      }),
    ]);
  });

  it("an update makes version 2, audited as policy.updated; version 1 stays readable by its number", async () => {
    unwrap(await save("login", aPolicy().withSteps(2).definition()));
    app.clock.advanceSeconds(60);
    const v2 = unwrap(await save("login", aPolicy().withSteps(1).withVerifyWindow(0).definition(), "update"));
    expect(v2).toMatchObject({ version: 2, requiredSteps: 1, verifyWindow: 0, createdAt: TEST_EPOCH + 60_000 });

    expect(unwrap(await app.getPolicy.execute({ actor: admin, policyId: "login" }))).toMatchObject({ version: 2, requiredSteps: 1 });
    expect(unwrap(await app.getPolicy.execute({ actor: admin, policyId: "login", version: 1 }))).toMatchObject({
      version: 1,
      requiredSteps: 2,
    });
    expect(app.auditEvents().map((e) => [e.type, e.data])).toEqual([
      ["policy.created", { policyId: "login", version: 1 }],
      ["policy.updated", { policyId: "login", version: 2 }],
    ]);
  });

  it("create on an existing id → policy_exists, and nothing is written", async () => {
    unwrap(await save("login", aPolicy().definition()));
    const error = errorOf(await save("login", aPolicy().withSteps(1).definition()));
    expect(error.code).toBe("policy_exists");
    expect(error.message).toMatch(/update it/);
    expect(unwrap(await app.getPolicy.execute({ actor: admin, policyId: "login" })).version).toBe(1);
    expect(app.auditTypes()).toEqual(["policy.created"]);
  });

  it("update of an unknown policy → policy_not_found", async () => {
    expect(errorOf(await save("nope", aPolicy().definition(), "update")).code).toBe("policy_not_found");
    expect(app.auditEvents()).toEqual([]);
  });

  it("the id of a deleted policy is not reused: create → policy_exists, update → policy_not_found", async () => {
    unwrap(await save("login", aPolicy().definition()));
    unwrap(await app.deletePolicy.execute({ actor: admin, policyId: "login" }));
    const created = errorOf(await save("login", aPolicy().definition()));
    expect(created.code).toBe("policy_exists");
    expect(created.message).toMatch(/deleted policy/);
    expect(errorOf(await save("login", aPolicy().definition(), "update")).code).toBe("policy_not_found");
    // Its history stays readable by version; no new version was made.
    expect(unwrap(await app.getPolicy.execute({ actor: admin, policyId: "login", version: 1 })).version).toBe(1);
    expect(errorOf(await app.getPolicy.execute({ actor: admin, policyId: "login", version: 2 })).code).toBe("policy_not_found");
  });

  it("an invalid definition → invalid_policy listing every issue with its path; nothing is written", async () => {
    const def = aPolicy().definition() as unknown as Record<string, unknown>;
    def.requiredSteps = "2"; // no coercion
    def.window = 100000; // unknown key (a client-chosen window, §5)
    (def.factors as Record<string, unknown>[])[1] = { id: "token_1", label: "Token 2", type: "carrier_pigeon" };
    const error = errorOf(await save("login", def));
    if (error.code !== "invalid_policy") throw new Error(`expected invalid_policy, got ${error.code}`);
    const paths = error.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["requiredSteps", "window", "factors[1].type", "factors[1].id"]));
    expect(error.message).toContain('factors[1].id: duplicate id "token_1"');
    expect(error.message).toMatch(/factors\[1\]\.type: must be one of totp, /);
    expect(await app.listPolicies.execute({ actor: admin })).toEqual([]);
    expect(app.auditEvents()).toEqual([]);
  });

  it.each(["", "Login", "-login", "log in", "a/b", "x".repeat(65), "login\n"])("an invalid policy id %j → invalid_input", async (id) => {
    const error = errorOf(await save(id, aPolicy().definition()));
    expect(error.code).toBe("invalid_input");
    expect(error.message).toContain(JSON.stringify(id));
    expect(app.auditEvents()).toEqual([]);
  });

  it("tenant isolation: the same id in two tenants are two policies, each invisible to the other (S27)", async () => {
    const other = adminKey("tenant-2");
    unwrap(await save("login", aPolicy().withSteps(2).definition()));
    expect(errorOf(await app.getPolicy.execute({ actor: other, policyId: "login" })).code).toBe("policy_not_found");
    expect(errorOf(await save("login", aPolicy().definition(), "update", other)).code).toBe("policy_not_found");
    unwrap(await save("login", aPolicy().withSteps(1).definition(), "create", other));
    expect(unwrap(await app.getPolicy.execute({ actor: other, policyId: "login" })).requiredSteps).toBe(1);
    expect(unwrap(await app.getPolicy.execute({ actor: admin, policyId: "login" })).requiredSteps).toBe(2);
    expect(app.auditEvents("tenant-2").map((e) => e.type)).toEqual(["policy.created"]);
    expect(app.auditEvents("tenant-1").map((e) => e.type)).toEqual(["policy.created"]);
  });
});
