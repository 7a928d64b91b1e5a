import { adminKey, aPolicy, errorOf, TestApp, unwrap } from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const admin = adminKey();

describe("ListPolicyVersions, PreviewChain", () => {
  let app: TestApp;
  beforeEach(async () => {
    app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login").withTotpFactors(3).withSteps(2));
  });

  it("ListPolicyVersions: every version, newest first, of the caller's tenant only", async () => {
    unwrap(
      await app.savePolicy.execute({
        actor: admin,
        policyId: "login",
        definition: aPolicy().random().withTotpFactors(3).withSteps(3).definition(),
        mode: "update",
      }),
    );
    const versions = unwrap(await app.listPolicyVersions.execute({ actor: admin, policyId: "login" }));
    expect(versions.map((v) => [v.version, v.mode, v.requiredSteps])).toEqual([
      [2, "random", 3],
      [1, "fixed", 2],
    ]);
    expect(errorOf(await app.listPolicyVersions.execute({ actor: adminKey("tenant-2"), policyId: "login" })).code).toBe("policy_not_found");
  });

  it("PreviewChain: fixed mode always draws the first N in policy order; random mode N distinct of M, counted", async () => {
    const fixed = unwrap(await app.previewChain.execute({ actor: admin, policyId: "login", samples: 5 }));
    expect(fixed).toMatchObject({ mode: "fixed", requiredSteps: 2, factorCount: 3, possibleChains: 1 });
    expect(fixed.samples).toEqual(Array(5).fill(["token_1", "token_2"]));
    unwrap(
      await app.savePolicy.execute({
        actor: admin,
        policyId: "login",
        definition: aPolicy().random().withTotpFactors(3).withSteps(2).definition(),
        mode: "update",
      }),
    );
    const random = unwrap(await app.previewChain.execute({ actor: admin, policyId: "login", samples: 20 }));
    expect(random).toMatchObject({ version: 2, mode: "random", possibleChains: 6 });
    expect(random.samples).toHaveLength(20);
    for (const chain of random.samples) {
      expect(chain).toHaveLength(2);
      expect(new Set(chain).size).toBe(2);
      for (const id of chain) expect(["token_1", "token_2", "token_3"]).toContain(id);
    }
    // An older version is previewed as it was.
    expect(unwrap(await app.previewChain.execute({ actor: admin, policyId: "login", version: 1, samples: 1 })).mode).toBe("fixed");
  });

  it("PreviewChain: refuses a sample count out of range and names a missing policy or version", async () => {
    for (const samples of [0, 21, 1.5]) {
      expect(errorOf(await app.previewChain.execute({ actor: admin, policyId: "login", samples })).code).toBe("invalid_input");
    }
    expect(errorOf(await app.previewChain.execute({ actor: admin, policyId: "nope", samples: 1 })).code).toBe("policy_not_found");
    expect(errorOf(await app.previewChain.execute({ actor: admin, policyId: "login", version: 9, samples: 1 })).code).toBe(
      "policy_not_found",
    );
  });

  it("PreviewChain for a user: drawn from their confirmed factors only, as StartAttempt draws them", async () => {
    await app.givenPolicy(aPolicy().withId("any2").random().withTotpFactors(3).withSteps(2));
    await app.enrollAndConfirm("alice", "any2", ["token_1", "token_3"]);
    await app.enroll("alice", "any2", "token_2"); // pending: never counts
    const preview = unwrap(await app.previewChain.execute({ actor: admin, policyId: "any2", samples: 20, userId: "alice" }));
    expect(preview).toMatchObject({ mode: "random", factorCount: 3, possibleChains: 2 });
    expect(preview.user).toMatchObject({ userId: "alice", notEnrolled: null, lockedUntil: null });
    expect(preview.user?.enrolled.map((f) => f.id)).toEqual(["token_1", "token_3"]);
    for (const chain of preview.samples) expect([...chain].sort()).toEqual(["token_1", "token_3"]);
    const started = await app.start("alice", "any2");
    expect(["token_1", "token_3"]).toContain(started.currentFactor?.id);
  });

  it("PreviewChain for a user who cannot start: StartAttempt's refusal as data, no samples", async () => {
    await app.enrollAndConfirm("bob", "login", ["token_2"]);
    const preview = unwrap(await app.previewChain.execute({ actor: admin, policyId: "login", samples: 3, userId: "bob" }));
    const refused = errorOf(await app.startAttempt.execute({ actor: admin, userId: "bob", policyId: "login" }));
    expect(refused.code).toBe("factors_not_enrolled");
    expect(preview.samples).toEqual([]);
    expect(preview.possibleChains).toBe(0);
    expect(preview.user?.enrolled.map((f) => f.id)).toEqual(["token_2"]);
    expect(preview.user?.notEnrolled).toEqual({
      message: refused.message,
      missing: [{ id: "token_1", label: expect.any(String), type: "totp" }],
      needed: 1,
    });
  });

  it("PreviewChain for a user the tenant does not know: answered as StartAttempt answers (no factors, its refusal), not 404", async () => {
    await app.enrollAndConfirm("alice", "login", ["token_1", "token_2"]);
    expect(errorOf(await app.previewChain.execute({ actor: admin, policyId: "login", samples: 1, userId: "a b" })).code).toBe(
      "invalid_input",
    );
    await app.givenPolicy(aPolicy().withId("login").withTotpFactors(3).withSteps(2), adminKey("tenant-2"));
    for (const [actor, userId] of [
      [admin, "alic"],
      [adminKey("tenant-2"), "alice"], // another tenant's user is unknown here
    ] as const) {
      const preview = unwrap(await app.previewChain.execute({ actor, policyId: "login", samples: 3, userId }));
      const refused = errorOf(await app.startAttempt.execute({ actor, userId, policyId: "login" }));
      expect(refused.code).toBe("factors_not_enrolled");
      expect(preview).toMatchObject({ samples: [], possibleChains: 0 });
      expect(preview.user).toEqual({
        userId,
        enrolled: [],
        notEnrolled: { message: refused.message, missing: expect.any(Array), needed: 2 },
        lockedUntil: null,
      });
      expect(preview.user?.notEnrolled?.missing.length).toBeGreaterThanOrEqual(2);
    }
  });

  it("PreviewChain for a locked user: no samples and no possible chain, the lock shown, as StartAttempt refuses the lock first", async () => {
    await app.enrollAndConfirm("carol", "login", ["token_1", "token_2"]);
    const lockedUntil = app.clock.now() + 60_000;
    await app.uow.run((r) =>
      r.lockouts.save(admin.tenantId, "carol", { consecutiveFailures: 0, lockCount: 1, lockedUntil }, app.clock.now()),
    );
    expect(errorOf(await app.startAttempt.execute({ actor: admin, userId: "carol", policyId: "login" })).code).toBe("user_locked");
    const preview = unwrap(await app.previewChain.execute({ actor: admin, policyId: "login", samples: 5, userId: "carol" }));
    expect(preview).toMatchObject({ samples: [], possibleChains: 0, user: { lockedUntil, notEnrolled: null } });
    expect(preview.user?.enrolled.map((f) => f.id)).toEqual(["token_1", "token_2"]);
  });

  it("PreviewChain for a user refuses a version: a start always takes the latest", async () => {
    await app.enrollAndConfirm("alice", "login", ["token_1", "token_2"]);
    const refused = await app.previewChain.execute({ actor: admin, policyId: "login", version: 1, samples: 1, userId: "alice" });
    expect(errorOf(refused)).toMatchObject({ code: "invalid_input", message: expect.stringMatching(/^version: .*latest/) });
    expect(unwrap(await app.previewChain.execute({ actor: admin, policyId: "login", version: 1, samples: 1 })).version).toBe(1);
  });
});
