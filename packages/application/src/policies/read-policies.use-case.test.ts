import { adminKey, aPolicy, errorOf, TestApp, unwrap } from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const admin = adminKey();

describe("GetPolicy, ListPolicies, DeletePolicy", () => {
  let app: TestApp;
  beforeEach(async () => {
    app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login"));
    await app.givenPolicy(aPolicy().withId("admin-area").withSteps(1));
  });

  it("GetPolicy: the latest version by default, an exact one on request, policy_not_found otherwise", async () => {
    unwrap(
      await app.savePolicy.execute({ actor: admin, policyId: "login", definition: aPolicy().withSteps(1).definition(), mode: "update" }),
    );
    expect(unwrap(await app.getPolicy.execute({ actor: admin, policyId: "login" })).version).toBe(2);
    expect(unwrap(await app.getPolicy.execute({ actor: admin, policyId: "login", version: 1 })).requiredSteps).toBe(2);
    expect(errorOf(await app.getPolicy.execute({ actor: admin, policyId: "login", version: 3 }))).toEqual({
      code: "policy_not_found",
      message: 'policy "login" has no version 3 (its latest is 2)',
    });
    expect(errorOf(await app.getPolicy.execute({ actor: admin, policyId: "missing" }))).toEqual({
      code: "policy_not_found",
      message: 'no policy "missing"',
    });
    expect(errorOf(await app.getPolicy.execute({ actor: admin, policyId: "missing", version: 1 })).message).toBe('no policy "missing"');
  });

  it("ListPolicies: the latest version of each live policy of the caller's tenant", async () => {
    unwrap(await app.savePolicy.execute({ actor: admin, policyId: "login", definition: aPolicy().definition(), mode: "update" }));
    await app.givenPolicy(aPolicy().withId("elsewhere"), adminKey("tenant-2"));
    const listed = await app.listPolicies.execute({ actor: admin });
    expect(listed.map((p) => [p.id, p.version])).toEqual([
      ["admin-area", 1],
      ["login", 2],
    ]);
    expect((await app.listPolicies.execute({ actor: adminKey("tenant-2") })).map((p) => p.id)).toEqual(["elsewhere"]);
  });

  it("DeletePolicy: removes it from reads of the latest and from the list, keeps versions readable, audits policy.deleted", async () => {
    app.clock.advanceSeconds(5);
    expect(unwrap(await app.deletePolicy.execute({ actor: admin, policyId: "login" }))).toEqual({ deleted: true });
    expect(errorOf(await app.getPolicy.execute({ actor: admin, policyId: "login" })).code).toBe("policy_not_found");
    expect(unwrap(await app.getPolicy.execute({ actor: admin, policyId: "login", version: 1 })).id).toBe("login");
    expect((await app.listPolicies.execute({ actor: admin })).map((p) => p.id)).toEqual(["admin-area"]);
    expect(app.auditEvents().at(-1)).toMatchObject({
      type: "policy.deleted",
      at: app.clock.now(),
      actor: { kind: "api_key", id: admin.keyId },
      data: { policyId: "login" },
    });
  });

  it("DeletePolicy: a second delete, an unknown id, or another tenant's key → policy_not_found, not audited", async () => {
    unwrap(await app.deletePolicy.execute({ actor: admin, policyId: "login" }));
    const before = app.auditEvents().length;
    expect(errorOf(await app.deletePolicy.execute({ actor: admin, policyId: "login" })).code).toBe("policy_not_found");
    expect(errorOf(await app.deletePolicy.execute({ actor: admin, policyId: "nope" })).code).toBe("policy_not_found");
    expect(errorOf(await app.deletePolicy.execute({ actor: adminKey("tenant-2"), policyId: "admin-area" })).code).toBe("policy_not_found");
    expect(app.auditEvents()).toHaveLength(before);
    expect(app.auditEvents("tenant-2")).toEqual([]);
    expect(unwrap(await app.getPolicy.execute({ actor: admin, policyId: "admin-area" })).version).toBe(1);
  });

  it("a deleted policy cannot start attempts", async () => {
    await app.enrollAndConfirm("alice", "login", ["token_1", "token_2"]);
    unwrap(await app.deletePolicy.execute({ actor: admin, policyId: "login" }));
    expect(errorOf(await app.startAttempt.execute({ actor: admin, userId: "alice", policyId: "login" })).code).toBe("policy_not_found");
  });
});
