import { adminKey, aPolicy, errorOf, serviceKey, TEST_TENANT, TestApp, unwrap, type OtpEnrollment } from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const service = serviceKey();

describe("ConfirmFactor", () => {
  let app: TestApp;
  let enrollment: OtpEnrollment;
  beforeEach(async () => {
    app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login"));
    enrollment = await app.enroll("alice", "login", "token_1");
  });

  const confirm = (code: string, credentialId = enrollment.credential.id, userId = "alice") =>
    app.confirmFactor.execute({ actor: service, userId, credentialId, code });
  const rightCode = () => app.otp.codeAt(enrollment.secret, app.clock.now());
  const wrongCode = () => app.otp.wrongCodeAt(enrollment.secret, app.clock.now());
  const statusOf = (id: string) => app.store.credentials(TEST_TENANT).find((c) => c.id === id)?.status;

  it("the right code activates the credential and is audited as factor.confirmed", async () => {
    app.clock.advanceSeconds(10);
    const view = unwrap(await confirm(rightCode()));
    expect(view).toMatchObject({ id: enrollment.credential.id, status: "active", confirmedAt: app.clock.now() });
    expect(statusOf(enrollment.credential.id)).toBe("active");
    expect(app.auditEvents().at(-1)).toMatchObject({
      type: "factor.confirmed",
      userId: "alice",
      factorId: "token_1",
      data: { credentialId: enrollment.credential.id },
    });
    expect(app.failures("alice")).toBe(0);
  });

  it("accepts the neighbouring step's code (the app was just scanned), and sets the replay guard to the matched step", async () => {
    const step = app.otp.timeStep(app.clock.now());
    unwrap(await confirm(app.otp.codeOfStep(enrollment.secret, step + 1)));
    expect(app.activeCredential("alice", "token_1").material).toMatchObject({ lastTimeStep: step + 1 });
  });

  it("S1 the confirming code cannot pass a verify afterwards, in the same step or the next", async () => {
    await app.givenPolicy(aPolicy().withId("one-step").withSteps(1));
    const code = rightCode();
    unwrap(await confirm(code));
    const first = await app.start("alice", "one-step");
    expect(unwrap(await app.verify(first.attemptId, "token_1", code))).toMatchObject({ success: false, failure: "code_replayed" });
    app.nextPeriod();
    expect(unwrap(await app.verify(first.attemptId, "token_1", code))).toMatchObject({ success: false, failure: "code_replayed" });
    // A fresh code of the new step passes: the guard is a step, not a ban on the factor.
    expect(unwrap(await app.verify(first.attemptId, "token_1", rightCode()))).toMatchObject({ success: true, complete: true });
  });

  it("S3 confirming with the next step's code spends the current step too", async () => {
    await app.givenPolicy(aPolicy().withId("one-step").withSteps(1));
    const step = app.otp.timeStep(app.clock.now());
    unwrap(await confirm(app.otp.codeOfStep(enrollment.secret, step + 1)));
    const { attemptId } = await app.start("alice", "one-step");
    expect(unwrap(await app.verify(attemptId, "token_1", rightCode()))).toMatchObject({ success: false, failure: "code_replayed" });
  });

  it("S5 a HOTP confirmation moves the counter past the matched code, which then cannot pass a verify", async () => {
    await app.givenPolicy(aPolicy().withId("hotp").withHotpFactors(1));
    const hotp = await app.enroll("alice", "hotp", "counter_1");
    const code3 = app.otp.hotpCode(hotp.secret, 3);
    unwrap(await confirm(code3, hotp.credential.id));
    const { material } = app.activeCredential("alice", "counter_1");
    expect(material).toMatchObject({ counter: 4 });
    // A HOTP credential has no time-step guard to set.
    expect(material).not.toHaveProperty("lastTimeStep");
    const { attemptId } = await app.start("alice", "hotp");
    expect(unwrap(await app.verify(attemptId, "counter_1", code3))).toMatchObject({ success: false, failure: "invalid_code" });
    expect(unwrap(await app.verify(attemptId, "counter_1", app.otp.hotpCode(hotp.secret, 4)))).toMatchObject({ success: true });
  });

  it("a wrong code → invalid_code, counts a failure, is audited, and leaves the enrollment pending", async () => {
    const error = errorOf(await confirm(wrongCode()));
    expect(error).toMatchObject({ code: "invalid_code", failuresRemaining: 4, lockedUntil: null });
    expect(app.failures("alice")).toBe(1);
    expect(statusOf(enrollment.credential.id)).toBe("pending");
    expect(app.auditEvents().at(-1)).toMatchObject({
      type: "factor.confirm_failed",
      factorId: "token_1",
      data: { credentialId: enrollment.credential.id, reason: "invalid_code" },
    });
    // Still confirmable with the right code.
    unwrap(await confirm(rightCode()));
  });

  it.each(["", "12345", "1234567", " 12345", "+12345", "１２３４５６"])(
    "S12 a malformed code %j fails as invalid_code_format and counts",
    async (code) => {
      expect(errorOf(await confirm(code)).code).toBe("invalid_code");
      expect(app.failures("alice")).toBe(1);
      expect(app.auditEvents().at(-1)?.data).toMatchObject({ reason: "invalid_code_format" });
      app.otp.assertNoVerification();
    },
  );

  it("5 wrong codes lock the user: the 5th says until when, the next (even right) code → user_locked unchecked (S8)", async () => {
    for (let i = 1; i <= 4; i++)
      expect(errorOf(await confirm(wrongCode()))).toMatchObject({ code: "invalid_code", failuresRemaining: 5 - i, lockedUntil: null });
    const fifth = errorOf(await confirm(wrongCode()));
    const lockedUntil = app.clock.now() + 300_000;
    expect(fifth).toMatchObject({ code: "invalid_code", failuresRemaining: 0, lockedUntil });
    expect(app.auditTypes().slice(-2)).toEqual(["factor.confirm_failed", "user.locked"]);
    app.otp.clearCalls();
    expect(errorOf(await confirm(rightCode()))).toMatchObject({ code: "user_locked", lockedUntil });
    expect(errorOf(await confirm(wrongCode()))).toMatchObject({ code: "user_locked", lockedUntil });
    app.otp.assertNoVerification();
    expect(statusOf(enrollment.credential.id)).toBe("pending");
    expect(app.failures("alice")).toBe(5);
  });

  it("an enrollment not confirmed within 15 minutes → enrollment_expired (at 14:59 it still works)", async () => {
    const other = await app.enroll("alice", "login", "token_2");
    app.clock.advanceSeconds(899);
    unwrap(await confirm(app.otp.codeAt(other.secret, app.clock.now()), other.credential.id));
    app.clock.advanceSeconds(1);
    const error = errorOf(await confirm(rightCode()));
    expect(error.code).toBe("enrollment_expired");
    expect(app.failures("alice")).toBe(0);
  });

  it("a credential that is not pending → enrollment_not_pending (active, or revoked)", async () => {
    unwrap(await confirm(rightCode()));
    app.nextPeriod();
    expect(errorOf(await confirm(rightCode())).code).toBe("enrollment_not_pending");
    unwrap(await app.revokeFactor.execute({ actor: adminKey(), userId: "alice", credentialId: enrollment.credential.id }));
    expect(errorOf(await confirm(rightCode())).code).toBe("enrollment_not_pending");
  });

  it("an unknown credential, or another user's → credential_not_found", async () => {
    expect(errorOf(await confirm(rightCode(), "id-9999")).code).toBe("credential_not_found");
    expect(errorOf(await confirm(rightCode(), enrollment.credential.id, "bob")).code).toBe("credential_not_found");
    expect(statusOf(enrollment.credential.id)).toBe("pending");
  });

  describe("S13: only a confirmed enrollment is usable", () => {
    it("S13 a pending factor never satisfies a step: StartAttempt says factors_not_enrolled", async () => {
      unwrap(await confirm(rightCode()));
      await app.enroll("alice", "login", "token_2"); // pending only
      const error = errorOf(await app.startAttempt.execute({ actor: service, userId: "alice", policyId: "login" }));
      expect(error).toMatchObject({ code: "factors_not_enrolled", missing: [{ id: "token_2", label: "Token 2", type: "totp" }] });
    });

    it("S13 an abandoned enrollment leaves nothing usable", async () => {
      app.clock.advanceSeconds(3600);
      expect(errorOf(await confirm(rightCode())).code).toBe("enrollment_expired");
      expect(errorOf(await app.startAttempt.execute({ actor: service, userId: "alice", policyId: "login" })).code).toBe(
        "factors_not_enrolled",
      );
      expect(app.store.credentials(TEST_TENANT).filter((c) => c.status === "active")).toEqual([]);
    });

    it("S13 re-enrolling does not change the secret a running attempt checks against until confirmed; then the old one is revoked", async () => {
      const [old1] = await app.enrollAndConfirm("alice", "login", ["token_1", "token_2"]);
      if (!old1) throw new Error("no enrollment");
      const oldSecret = app.secretOf(old1.credential.id);
      const running = await app.start("alice", "login");
      const renewed = await app.enroll("alice", "login", "token_1", { actor: adminKey() });
      const now = () => app.clock.now();

      // The running attempt still checks the old, active secret: the pending one's code fails…
      app.otp.clearCalls();
      expect(unwrap(await app.verify(running.attemptId, "token_1", app.otp.codeAt(renewed.secret, now())))).toMatchObject({
        success: false,
      });
      expect(app.otp.verifications.map((v) => v.secretHex)).toEqual([oldSecret]);
      // …and the old one's code passes.
      expect(unwrap(await app.verify(running.attemptId, "token_1", app.otp.codeAt(oldSecret, now())))).toMatchObject({ success: true });

      app.nextPeriod();
      unwrap(
        await app.confirmFactor.execute({
          actor: service,
          userId: "alice",
          credentialId: renewed.credential.id,
          code: app.otp.codeAt(renewed.secret, now()),
        }),
      );
      const statuses = Object.fromEntries(
        app.store
          .credentials(TEST_TENANT)
          .filter((c) => c.factorId === "token_1")
          .map((c) => [c.id, c.status]),
      );
      expect(statuses).toEqual({ [old1.credential.id]: "revoked", [renewed.credential.id]: "active" });

      app.nextPeriod();
      const next = await app.start("alice", "login");
      expect(unwrap(await app.verify(next.attemptId, "token_1", app.otp.codeAt(oldSecret, now())))).toMatchObject({
        success: false,
        failure: "invalid_code",
      });
      expect(unwrap(await app.verify(next.attemptId, "token_1", app.otp.codeAt(renewed.secret, now())))).toMatchObject({ success: true });
    });
  });
});
