import { adminKey, aPolicy, errorOf, serviceKey, TestApp, unwrap } from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const service = serviceKey();

describe("PeekCurrentCode (development only, S32)", () => {
  let app: TestApp;
  beforeEach(async () => {
    app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login"));
    await app.enrollAndConfirm("alice", "login", ["token_1", "token_2"]);
  });

  const peek = (attemptId: string, actor = service) => app.peekCurrentCode.execute({ actor, attemptId });

  it("returns the current factor's live code, which then passes the step", async () => {
    const { attemptId } = await app.start("alice", "login");
    const first = unwrap(await peek(attemptId));
    expect(first).toEqual({ factorId: "token_1", code: app.rightCode("alice", "token_1") });
    expect(unwrap(await app.verify(attemptId, first.factorId, first.code)).success).toBe(true);
    const second = unwrap(await peek(attemptId));
    expect(second).toEqual({ factorId: "token_2", code: app.rightCode("alice", "token_2") });
  });

  it("for HOTP, the code of the credential's next counter", async () => {
    await app.givenPolicy(aPolicy().withId("hotp").withHotpFactors(1));
    await app.enrollAndConfirm("alice", "hotp", ["counter_1"]);
    const { attemptId } = await app.start("alice", "hotp");
    const secret = app.secretOf(app.activeCredential("alice", "counter_1").id);
    expect(unwrap(await peek(attemptId))).toEqual({ factorId: "counter_1", code: app.otp.hotpCode(secret, 1) });
  });

  it("refuses completed, expired, unknown and foreign attempts, and a current factor without an active credential", async () => {
    const done = await app.completedAttempt("alice", "login");
    expect(errorOf(await peek(done)).code).toBe("attempt_completed");
    const running = await app.start("alice", "login");
    expect(errorOf(await peek(running.attemptId, serviceKey("tenant-2"))).code).toBe("attempt_not_found");
    expect(errorOf(await peek("nope")).code).toBe("attempt_not_found");
    unwrap(
      await app.revokeFactor.execute({ actor: adminKey(), userId: "alice", credentialId: app.activeCredential("alice", "token_1").id }),
    );
    expect(errorOf(await peek(running.attemptId)).code).toBe("credential_not_found");
    app.clock.set(running.expiresAt);
    expect(errorOf(await peek(running.attemptId)).code).toBe("attempt_expired");
  });
});
