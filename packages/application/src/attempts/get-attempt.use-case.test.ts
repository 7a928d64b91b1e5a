import { aPolicy, errorOf, serviceKey, TestApp, unwrap } from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const service = serviceKey();

describe("GetAttempt", () => {
  let app: TestApp;
  beforeEach(async () => {
    app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login").withAttemptTtlSeconds(300));
    await app.enrollAndConfirm("alice", "login", ["token_1", "token_2"]);
  });

  const get = (attemptId: string, actor = service) => app.getAttempt.execute({ actor, attemptId });

  it("shows progress and the current step only, never the steps after it", async () => {
    const { attemptId } = await app.start("alice", "login");
    expect(unwrap(await get(attemptId))).toMatchObject({
      status: "active",
      complete: false,
      stepsPassed: 0,
      steps: 2,
      currentFactor: { id: "token_1" },
    });
    await app.passCurrentStep(attemptId);
    const view = unwrap(await get(attemptId));
    expect(view).toMatchObject({ stepsPassed: 1, currentFactor: { id: "token_2", label: "Token 2", type: "totp" } });
    expect(Object.keys(view)).not.toContain("chain");
  });

  it("a completed attempt can be read back by the relying party until it expires; then attempt_expired", async () => {
    const { attemptId, expiresAt } = await app.start("alice", "login");
    await app.passCurrentStep(attemptId);
    await app.passCurrentStep(attemptId);
    const completedAt = app.clock.now();
    app.clock.set(expiresAt - 1);
    expect(unwrap(await get(attemptId))).toMatchObject({
      status: "completed",
      complete: true,
      stepsPassed: 2,
      currentFactor: null,
      completedAt,
      expiresAt,
    });
    app.clock.set(expiresAt);
    expect(errorOf(await get(attemptId)).code).toBe("attempt_expired");
  });

  it("an unknown attempt, or another tenant's, → attempt_not_found (S27)", async () => {
    const { attemptId } = await app.start("alice", "login");
    expect(errorOf(await get("nope")).code).toBe("attempt_not_found");
    expect(errorOf(await get(attemptId, serviceKey("tenant-2"))).code).toBe("attempt_not_found");
  });
});
