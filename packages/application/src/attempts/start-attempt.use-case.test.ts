import {
  adminKey,
  aPolicy,
  errorOf,
  noRandomness,
  ScriptedRandom,
  serviceKey,
  TEST_EPOCH,
  TEST_TENANT,
  TestApp,
  unwrap,
} from "../testing/index.js";
import { describe, expect, it } from "vitest";

const service = serviceKey();
const start = (app: TestApp, userId = "alice", policyId = "login", actor = service) =>
  app.startAttempt.execute({ actor, userId, policyId });

describe("StartAttempt", () => {
  it("fixed: the first requiredSteps factors in policy order; reveals only the current one", async () => {
    const app = new TestApp({ random: noRandomness });
    await app.givenPolicy(aPolicy().withId("login").withTotpFactors(3).withSteps(2).withAttemptTtlSeconds(120));
    await app.enrollAndConfirm("alice", "login", ["token_3", "token_2", "token_1"]);
    const view = unwrap(await start(app));
    expect(view).toEqual({
      attemptId: expect.any(String),
      userId: "alice",
      policyId: "login",
      policyVersion: 1,
      status: "active",
      complete: false,
      steps: 2,
      stepsPassed: 0,
      currentFactor: { id: "token_1", label: "Token 1", type: "totp" },
      createdAt: app.clock.now(),
      expiresAt: app.clock.now() + 120_000,
      completedAt: null,
    });
    expect(JSON.stringify(view)).not.toContain("token_2");
    expect(app.attempt(view.attemptId).chain).toEqual(["token_1", "token_2"]);
  });

  it("random: requiredSteps distinct confirmed factors, in the order the random source draws", async () => {
    // Partial Fisher–Yates over the confirmed [token_1, token_2, token_4]: draw 2 swaps token_4 to the front
    // ([token_4, token_2, token_1]); draw 0 keeps token_2 second.
    const random = new ScriptedRandom([2, 0]);
    const app = new TestApp({ random });
    await app.givenPolicy(aPolicy().withId("login").random().withTotpFactors(4).withSteps(2));
    await app.enrollAndConfirm("alice", "login", ["token_1", "token_2", "token_4"]);
    const view = unwrap(await start(app));
    expect(app.attempt(view.attemptId).chain).toEqual(["token_4", "token_2"]);
    expect(app.attempt(view.attemptId).eligible).toEqual(["token_1", "token_2", "token_4"]);
    expect(view.currentFactor?.id).toBe("token_4");
    expect(random.used).toBe(2);
  });

  it("fixed: factors_not_enrolled names exactly the required factors that are missing", async () => {
    const app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login").withTotpFactors(3).withSteps(2));
    await app.enrollAndConfirm("alice", "login", ["token_2", "token_3"]);
    const error = errorOf(await start(app));
    expect(error).toMatchObject({ code: "factors_not_enrolled", needed: 1, missing: [{ id: "token_1", label: "Token 1", type: "totp" }] });
    expect(error.message).toContain('"token_1" (Token 1)');
    expect(app.auditTypes()).not.toContain("attempt.started");
  });

  it("random: with fewer confirmed than requiredSteps, says how many more and among which", async () => {
    const app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login").random().withTotpFactors(3).withSteps(3));
    await app.enrollAndConfirm("alice", "login", ["token_2"]);
    const error = errorOf(await start(app));
    expect(error).toMatchObject({ code: "factors_not_enrolled", needed: 2 });
    if (error.code !== "factors_not_enrolled") throw new Error("unreachable");
    expect(error.missing.map((f) => f.id)).toEqual(["token_1", "token_3"]);
  });

  it("a user with no factors at all is told what to enroll", async () => {
    const app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login"));
    expect(errorOf(await start(app, "nobody"))).toMatchObject({ code: "factors_not_enrolled", needed: 2 });
  });

  it("credentials provisioned with other options (digits) do not satisfy the slot after a policy change", async () => {
    const app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login").withTotpFactors(1));
    await app.enrollAndConfirm("alice", "login", ["token_1"]);
    unwrap(await start(app));
    unwrap(
      await app.savePolicy.execute({
        actor: adminKey(),
        policyId: "login",
        definition: aPolicy().withTotpFactors(1, { digits: 8 }).definition(),
        mode: "update",
      }),
    );
    expect(errorOf(await start(app))).toMatchObject({ code: "factors_not_enrolled", missing: [{ id: "token_1" }] });
    // Nor another algorithm or period.
    for (const options of [{ algorithm: "SHA256" as const }, { period: 60 as const }]) {
      unwrap(
        await app.savePolicy.execute({
          actor: adminKey(),
          policyId: "login",
          definition: aPolicy().withTotpFactors(1, options).definition(),
          mode: "update",
        }),
      );
      expect(errorOf(await start(app)).code).toBe("factors_not_enrolled");
    }
  });

  it("a revoked credential does not count as enrolled", async () => {
    const app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login").withTotpFactors(1));
    await app.enrollAndConfirm("alice", "login", ["token_1"]);
    unwrap(
      await app.revokeFactor.execute({ actor: adminKey(), userId: "alice", credentialId: app.activeCredential("alice", "token_1").id }),
    );
    expect(errorOf(await start(app)).code).toBe("factors_not_enrolled");
  });

  it("S7 a locked user cannot start an attempt, and trying does not change the failure count", async () => {
    const app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login").withLockout({ maxFailures: 2 }));
    await app.enrollAndConfirm("alice", "login", ["token_1", "token_2"]);
    const { attemptId } = await app.start("alice", "login");
    for (let i = 0; i < 2; i++) await app.verify(attemptId, "token_1", app.wrongCode("alice", "token_1"));
    const lockedUntil = app.clock.now() + 300_000;
    const error = errorOf(await start(app));
    expect(error).toMatchObject({ code: "user_locked", lockedUntil });
    expect(app.failures("alice")).toBe(2);
    expect(app.auditTypes().filter((t) => t === "attempt.started")).toHaveLength(1);
    app.clock.set(lockedUntil);
    unwrap(await start(app));
  });

  it("is audited as attempt.started (policy version and length, not the chain)", async () => {
    const app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login"));
    await app.enrollAndConfirm("alice", "login", ["token_1", "token_2"]);
    const view = unwrap(await start(app));
    expect(app.auditEvents().at(-1)).toEqual(
      expect.objectContaining({
        type: "attempt.started",
        at: TEST_EPOCH + 30_000,
        actor: { kind: "api_key", id: service.keyId },
        userId: "alice",
        attemptId: view.attemptId,
        factorId: null,
        data: { policyId: "login", policyVersion: 1, steps: 2 },
      }),
    );
  });

  it("an invalid user id → invalid_input; an unknown policy or another tenant's → policy_not_found (S27)", async () => {
    const app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login"));
    for (const bad of ["", "a b", "a/b", "x".repeat(129)]) expect(errorOf(await start(app, bad)).code).toBe("invalid_input");
    expect(errorOf(await start(app, "alice", "nope")).code).toBe("policy_not_found");
    expect(errorOf(await start(app, "alice", "login", serviceKey("tenant-2"))).code).toBe("policy_not_found");
    expect(app.store.credentials(TEST_TENANT)).toEqual([]);
  });
});
