import { InvariantViolation, type AppError, type AttemptView, type Enrollment, type StepWrite } from "@mfa-chain/application";
import type { Result, VerifyOutcome } from "@mfa-chain/domain";
import {
  adminKey,
  aPolicy,
  errorOf,
  FakeOtp,
  InjectedFault,
  noRandomness,
  SeededRandom,
  serviceKey,
  TEST_TENANT,
  TestApp,
  unwrap,
  type PolicyBuilder,
} from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const service = serviceKey();
const admin = adminKey();

/** A TestApp with `policy` saved and alice's factors enrolled and confirmed (clock then one period on). */
async function appWith(
  policy: PolicyBuilder,
  factorIds: readonly string[] = ["token_1", "token_2"],
  app = new TestApp(),
): Promise<TestApp> {
  const { id } = policy.build();
  await app.givenPolicy(policy);
  await app.enrollAndConfirm("alice", id, factorIds);
  return app;
}

/** The secret an authenticator app's enrollment showed; throws for another kind. */
function secretShown(enrollment: Enrollment): string {
  if (!("secret" in enrollment.shown)) throw new Error(`enrollment ${enrollment.credential.id} showed no secret`);
  return enrollment.shown.secret;
}

const outcomeOf = (r: Result<VerifyOutcome, AppError>): VerifyOutcome => unwrap(r, "verify");
const view = (id: string) => ({ id, label: `Token ${id.slice(-1)}`, type: "totp" });

describe("VerifyStep", () => {
  let app: TestApp;
  let attempt: AttemptView;
  beforeEach(async () => {
    app = await appWith(aPolicy().withId("login"));
    attempt = await app.start("alice", "login");
  });

  const verify = (factorId: string, code: string, attemptId = attempt.attemptId) => app.verify(attemptId, factorId, code);
  const right = (factorId: string) => app.rightCode("alice", factorId);
  const wrong = (factorId: string) => app.wrongCode("alice", factorId);

  it("the seed scenario: enroll two, confirm, start, pass step 1, pass step 2, complete", async () => {
    const fresh = new TestApp();
    await fresh.givenPolicy(aPolicy().withId("seed"));
    const e1 = unwrap(await fresh.enrollFactor.execute({ actor: service, userId: "bob", policyId: "seed", factorId: "token_1" }));
    const e2 = unwrap(await fresh.enrollFactor.execute({ actor: admin, userId: "bob", policyId: "seed", factorId: "token_2" }));
    const now = () => fresh.clock.now();
    const [secret1, secret2] = [secretShown(e1), secretShown(e2)];
    unwrap(
      await fresh.confirmFactor.execute({
        actor: service,
        userId: "bob",
        credentialId: e1.credential.id,
        code: fresh.otp.codeAt(secret1, now()),
      }),
    );
    unwrap(
      await fresh.confirmFactor.execute({
        actor: service,
        userId: "bob",
        credentialId: e2.credential.id,
        code: fresh.otp.codeAt(secret2, now()),
      }),
    );
    fresh.nextPeriod();
    const started = unwrap(await fresh.startAttempt.execute({ actor: service, userId: "bob", policyId: "seed" }));
    expect(started.currentFactor).toEqual(view("token_1"));

    const step1 = outcomeOf(await fresh.verify(started.attemptId, "token_1", fresh.otp.codeAt(secret1, now())));
    expect(step1).toEqual({
      success: true,
      complete: false,
      reset: false,
      nextFactor: view("token_2"),
      failuresRemaining: 5,
      lockedUntil: null,
      expiresAt: started.expiresAt,
      failure: null,
    });
    const step2 = outcomeOf(await fresh.verify(started.attemptId, "token_2", fresh.otp.codeAt(secret2, now())));
    expect(step2).toMatchObject({ success: true, complete: true, reset: false, nextFactor: null, failure: null });
    expect(unwrap(await fresh.getAttempt.execute({ actor: service, attemptId: started.attemptId }))).toMatchObject({
      status: "completed",
      complete: true,
      stepsPassed: 2,
      currentFactor: null,
      completedAt: now(),
    });
    expect(fresh.auditTypes()).toEqual([
      "policy.created",
      "factor.enrolled",
      "factor.enrolled",
      "factor.confirmed",
      "factor.confirmed",
      "attempt.started",
      "attempt.step_succeeded",
      "attempt.step_succeeded",
      "attempt.completed",
    ]);
  });

  it("a wrong code fails with reset: true and nextFactor = step 1, and counts one failure", async () => {
    await app.passCurrentStep(attempt.attemptId);
    const outcome = outcomeOf(await verify("token_2", wrong("token_2")));
    expect(outcome).toEqual({
      success: false,
      complete: false,
      reset: true,
      nextFactor: view("token_1"),
      failuresRemaining: 4,
      lockedUntil: null,
      expiresAt: attempt.expiresAt,
      failure: "invalid_code",
    });
    expect(app.attempt(attempt.attemptId)).toMatchObject({ cursor: 0, status: "active" });
    expect(app.failures("alice")).toBe(1);
  });

  it("a wrong factor → chain_breached: a failure that resets and counts, and its code is never checked", async () => {
    await app.passCurrentStep(attempt.attemptId);
    app.otp.clearCalls();
    // token_1 again, with its own valid code of this step: still out of order.
    app.nextPeriod();
    const outcome = outcomeOf(await verify("token_1", right("token_1")));
    expect(outcome).toMatchObject({
      success: false,
      reset: true,
      failure: "chain_breached",
      nextFactor: view("token_1"),
      failuresRemaining: 4,
    });
    expect(app.attempt(attempt.attemptId).cursor).toBe(0);
    // A factor that is not in the policy at all is a breach as well.
    expect(outcomeOf(await verify("token_9", "123456"))).toMatchObject({ failure: "chain_breached", failuresRemaining: 3 });
    app.otp.assertNoVerification();
    expect(
      app
        .auditEvents()
        .slice(-2)
        .map((e) => [e.type, e.factorId, e.data]),
    ).toEqual([
      ["attempt.chain_breached", "token_1", { reason: "chain_breached", step: 2, failures: 1 }],
      ["attempt.chain_breached", "token_9", { reason: "chain_breached", step: 1, failures: 2 }],
    ]);
  });

  describe("replay (S1, S3) and window (S4)", () => {
    it("S1 an accepted code is refused when sent again, in the same step and in the next one", async () => {
      const oneStep = await appWith(aPolicy().withId("one").withSteps(1));
      const code = oneStep.rightCode("alice", "token_1");
      const a = await oneStep.start("alice", "one");
      expect(outcomeOf(await oneStep.verify(a.attemptId, "token_1", code))).toMatchObject({ success: true, complete: true });
      const b = await oneStep.start("alice", "one");
      expect(outcomeOf(await oneStep.verify(b.attemptId, "token_1", code))).toMatchObject({ success: false, failure: "code_replayed" });
      oneStep.nextPeriod();
      expect(outcomeOf(await oneStep.verify(b.attemptId, "token_1", code))).toMatchObject({ success: false, failure: "code_replayed" });
      expect(oneStep.failures("alice")).toBe(2);
    });

    it("S1 an accepted code is refused after a reset of the same attempt", async () => {
      const code1 = right("token_1");
      expect(outcomeOf(await verify("token_1", code1)).success).toBe(true);
      expect(outcomeOf(await verify("token_2", wrong("token_2")))).toMatchObject({ reset: true });
      expect(outcomeOf(await verify("token_1", code1))).toMatchObject({ success: false, failure: "code_replayed", reset: true });
    });

    it("S3 accepting step T refuses every code of step ≤ T (a monotonic step, not a list of code strings)", async () => {
      const oneStep = await appWith(aPolicy().withId("one").withSteps(1));
      const secret = oneStep.secretOf(oneStep.activeCredential("alice", "token_1").id);
      const codeOf = (step: number) => oneStep.otp.codeOfStep(secret, step);
      const t = oneStep.otp.timeStep(oneStep.clock.now());
      const a = await oneStep.start("alice", "one");
      // The next step's code (window ±1) is accepted first…
      expect(outcomeOf(await oneStep.verify(a.attemptId, "token_1", codeOf(t + 1))).success).toBe(true);
      expect(oneStep.activeCredential("alice", "token_1").material).toMatchObject({ lastTimeStep: t + 1 });
      // …so the current and previous steps' codes, never used, are now refused too.
      const b = await oneStep.start("alice", "one");
      for (const step of [t, t - 1]) {
        expect(outcomeOf(await oneStep.verify(b.attemptId, "token_1", codeOf(step)))).toMatchObject({
          success: false,
          failure: "code_replayed",
        });
      }
      // The verifier is told the last accepted step, so it can report the replay without a claim.
      expect(oneStep.otp.verifications.at(-1)).toMatchObject({ kind: "verifyTotp", afterTimeStep: t + 1 });
      oneStep.nextPeriod();
      expect(outcomeOf(await oneStep.verify(b.attemptId, "token_1", codeOf(t + 1)))).toMatchObject({ failure: "code_replayed" });
      oneStep.nextPeriod();
      expect(outcomeOf(await oneStep.verify(b.attemptId, "token_1", codeOf(t + 2)))).toMatchObject({ success: true });
    });

    it("S4 the window comes from the policy: 0 accepts only the current step; 1 also the neighbours; never two steps off", async () => {
      for (const window of [0, 1] as const) {
        const w = await appWith(aPolicy().withId("one").withSteps(1).withVerifyWindow(window));
        w.nextPeriod(5);
        const secret = w.secretOf(w.activeCredential("alice", "token_1").id);
        const t = w.otp.timeStep(w.clock.now());
        const { attemptId } = await w.start("alice", "one");
        const result = async (step: number) => outcomeOf(await w.verify(attemptId, "token_1", w.otp.codeOfStep(secret, step)));
        expect((await result(t - 2)).failure).toBe("invalid_code");
        expect((await result(t + 2)).failure).toBe("invalid_code");
        expect((await result(t - 1)).success).toBe(window === 1);
        if (window === 0) {
          expect((await result(t + 1)).success).toBe(false);
          expect((await result(t)).success).toBe(true);
        }
        expect(new Set(w.otp.verifications.slice(-3).map((v) => (v.kind === "verifyTotp" ? v.window : null)))).toEqual(new Set([window]));
      }
    });
  });

  it("S5 HOTP: the look-ahead is bounded (10), and after a match the counter moves past it", async () => {
    const h = await appWith(aPolicy().withId("hotp").withHotpFactors(1), ["counter_1"]);
    const secret = h.secretOf(h.activeCredential("alice", "counter_1").id);
    const code = (counter: number) => h.otp.hotpCode(secret, counter);
    expect(h.activeCredential("alice", "counter_1").material).toMatchObject({ counter: 1 }); // confirmed with counter 0
    h.otp.clearCalls();
    const a = await h.start("alice", "hotp");
    expect(outcomeOf(await h.verify(a.attemptId, "counter_1", code(12)))).toMatchObject({ success: false, failure: "invalid_code" });
    expect(outcomeOf(await h.verify(a.attemptId, "counter_1", code(11)))).toMatchObject({ success: true });
    expect(h.activeCredential("alice", "counter_1").material).toMatchObject({ counter: 12 });
    expect(h.otp.verifications.map((v) => (v.kind === "verifyHotp" ? v.lookAhead : null))).toEqual([10, 10]);
    const b = await h.start("alice", "hotp");
    for (const used of [11, 5, 1])
      expect(outcomeOf(await h.verify(b.attemptId, "counter_1", code(used)))).toMatchObject({ success: false, failure: "invalid_code" });
    expect(outcomeOf(await h.verify(b.attemptId, "counter_1", code(12)))).toMatchObject({ success: true });
    expect(h.activeCredential("alice", "counter_1").material).toMatchObject({ counter: 13 });
  });

  describe("failure counting and lockout (S6, S7, S8)", () => {
    it("S6 one failure raises the count by exactly one, across attempts, factors, policies and a failed confirm", async () => {
      await app.givenPolicy(
        aPolicy()
          .withId("reverse")
          .withFactors([
            { id: "token_2", label: "Token 2" },
            { id: "token_1", label: "Token 1" },
            { id: "token_3", label: "Token 3" },
          ])
          .withSteps(2),
      );
      const expectCount = (n: number) => expect(app.failures("alice")).toBe(n);
      await verify("token_1", wrong("token_1"));
      expectCount(1);
      await verify("token_2", right("token_2")); // breach
      expectCount(2);
      const second = await app.start("alice", "login"); // a new attempt resets nothing (S7)
      expectCount(2);
      await verify("token_1", "１２３４５６", second.attemptId); // malformed
      expectCount(3);
      const pending = await app.enroll("alice", "reverse", "token_3");
      errorOf(
        await app.confirmFactor.execute({
          actor: service,
          userId: "alice",
          credentialId: pending.credential.id,
          code: app.otp.wrongCodeAt(pending.secret, app.clock.now()),
        }),
      );
      expectCount(4);
      const reverse = await app.start("alice", "reverse");
      const last = outcomeOf(await app.verify(reverse.attemptId, "token_2", wrong("token_2")));
      expectCount(5);
      expect(last).toMatchObject({ failuresRemaining: 0, lockedUntil: app.clock.now() + 300_000 });
    });

    it("S7 starting a new attempt does not reset the count; only a success does", async () => {
      await verify("token_1", wrong("token_1"));
      await verify("token_1", wrong("token_1"));
      const again = await app.start("alice", "login");
      expect(app.failures("alice")).toBe(2);
      const failed = outcomeOf(await verify("token_1", wrong("token_1"), again.attemptId));
      expect(failed.failuresRemaining).toBe(2);
      const passed = outcomeOf(await verify("token_1", right("token_1"), again.attemptId));
      expect(passed).toMatchObject({ success: true, failuresRemaining: 5 });
      expect(app.store.lockState(TEST_TENANT, "alice")).toEqual({ consecutiveFailures: 0, lockCount: 0, lockedUntil: null });
    });

    it("S7 the limit locks for baseSeconds, and the next lock lasts twice as long", async () => {
      for (let i = 0; i < 4; i++) await verify("token_1", wrong("token_1"));
      const fifth = outcomeOf(await verify("token_1", wrong("token_1")));
      expect(fifth).toMatchObject({ success: false, failuresRemaining: 0, lockedUntil: app.clock.now() + 300_000 });
      expect(app.auditEvents().at(-1)).toMatchObject({ type: "user.locked", data: { until: app.clock.now() + 300_000, lockCount: 1 } });
      app.clock.advanceSeconds(300);
      const fresh = await app.start("alice", "login");
      for (let i = 0; i < 4; i++) expect(outcomeOf(await verify("token_1", wrong("token_1"), fresh.attemptId)).lockedUntil).toBeNull();
      expect(outcomeOf(await verify("token_1", wrong("token_1"), fresh.attemptId)).lockedUntil).toBe(app.clock.now() + 600_000);
    });

    it("S8 a locked user gets the same answer for a right and a wrong code, and the code is never checked", async () => {
      await app.givenPolicy(aPolicy().withId("strict").withLockout({ maxFailures: 2, baseSeconds: 60 }));
      const strict = await app.start("alice", "strict");
      await app.verify(strict.attemptId, "token_1", wrong("token_1"));
      await app.verify(strict.attemptId, "token_1", wrong("token_1"));
      const lockedUntil = app.clock.now() + 60_000;
      const before = app.attempt(strict.attemptId);
      app.otp.clearCalls();
      app.cipher.clear();

      const withRight = await app.verify(strict.attemptId, "token_1", right("token_1"));
      const withWrong = await app.verify(strict.attemptId, "token_1", wrong("token_1"));
      const withBreach = await app.verify(strict.attemptId, "token_2", right("token_2"));
      expect(errorOf(withRight)).toMatchObject({ code: "user_locked", lockedUntil });
      expect(withWrong).toEqual(withRight);
      expect(withBreach).toEqual(withRight);
      app.otp.assertNoVerification();
      app.cipher.assertNotOpened();
      expect(app.attempt(strict.attemptId)).toEqual(before);
      expect(app.failures("alice")).toBe(2);
      expect(app.auditTypes().slice(-3)).toEqual(["attempt.locked_rejected", "attempt.locked_rejected", "attempt.locked_rejected"]);

      // The lock runs out: the right code passes.
      app.clock.set(lockedUntil);
      expect(outcomeOf(await app.verify(strict.attemptId, "token_1", right("token_1"))).success).toBe(true);
    });
  });

  it("S12 malformed codes (full-width, Arabic-Indic, spaces, signs, empty, overlong, short) fail and count, unchecked", async () => {
    const lenient = await appWith(aPolicy().withId("lenient").withLockout({ maxFailures: 50 }));
    const { attemptId } = await lenient.start("alice", "lenient");
    const code = lenient.rightCode("alice", "token_1");
    lenient.otp.clearCalls();
    const shift = (base: number) => [...code].map((d) => String.fromCharCode(base + Number(d))).join("");
    const shapes = [
      shift(0xff10), // full-width digits
      shift(0x0660), // Arabic-Indic digits
      shift(0x0966), // Devanagari digits
      ` ${code}`,
      `${code} `,
      `${code.slice(0, 3)} ${code.slice(3)}`,
      `+${code.slice(1)}`,
      `-${code.slice(1)}`,
      `${code.slice(0, 5)}.`,
      "",
      `${code}0`,
      code.slice(0, 5),
      `${code}\n`,
      `0x${code.slice(2)}`,
    ];
    shapes.forEach((_, i) => expect(shapes.indexOf(shapes[i] as string)).toBe(i)); // all distinct
    for (const [i, shape] of shapes.entries()) {
      const outcome = outcomeOf(await lenient.verify(attemptId, "token_1", shape));
      expect(outcome, JSON.stringify(shape)).toMatchObject({ success: false, reset: true, failure: "invalid_code_format" });
      expect(lenient.failures("alice")).toBe(i + 1);
    }
    lenient.otp.assertNoVerification();
    // The plain code still passes: nothing above was spent on it.
    expect(outcomeOf(await lenient.verify(attemptId, "token_1", code)).success).toBe(true);
  });

  it("S12 an 8-digit factor refuses the 6-digit prefix of its own code", async () => {
    const eight = await appWith(aPolicy().withId("eight").withTotpFactors(1, { digits: 8 }), ["token_1"]);
    const { attemptId } = await eight.start("alice", "eight");
    const code = eight.rightCode("alice", "token_1");
    expect(code).toHaveLength(8);
    expect(outcomeOf(await eight.verify(attemptId, "token_1", code.slice(0, 6)))).toMatchObject({ failure: "invalid_code_format" });
    expect(outcomeOf(await eight.verify(attemptId, "token_1", code)).success).toBe(true);
  });

  it("S25 an attempt completes only after every step has passed, in order", async () => {
    const three = await appWith(aPolicy().withId("three").withTotpFactors(3), ["token_1", "token_2", "token_3"]);
    const { attemptId } = await three.start("alice", "three");
    const submit = async (factorId: string) => {
      three.nextPeriod();
      return outcomeOf(await three.verify(attemptId, factorId, three.rightCode("alice", factorId)));
    };
    const status = () => three.attempt(attemptId).status;
    // Skipping ahead, repeating a passed step, or going back: each is a breach that restarts the chain.
    expect(await submit("token_3")).toMatchObject({ success: false, failure: "chain_breached" });
    expect(await submit("token_2")).toMatchObject({ success: false, failure: "chain_breached" });
    expect((await submit("token_1")).success).toBe(true);
    expect(await submit("token_3")).toMatchObject({ success: false, failure: "chain_breached", nextFactor: { id: "token_1" } });
    expect((await submit("token_1")).success).toBe(true);
    expect((await submit("token_2")).success).toBe(true);
    expect(await submit("token_2")).toMatchObject({ success: false, failure: "chain_breached" });
    expect(status()).toBe("active");
    for (const id of ["token_1", "token_2"]) expect((await submit(id)).complete).toBe(false);
    expect(status()).toBe("active");
    expect(await submit("token_3")).toMatchObject({ success: true, complete: true });
    expect(status()).toBe("completed");
  });

  it("an expired attempt → attempt_expired, nothing counted or written (one millisecond earlier it still verifies)", async () => {
    app.clock.set(attempt.expiresAt - 1);
    expect(outcomeOf(await verify("token_1", right("token_1"))).success).toBe(true);
    app.clock.set(attempt.expiresAt);
    const auditBefore = app.auditEvents().length;
    expect(errorOf(await verify("token_2", right("token_2"))).code).toBe("attempt_expired");
    expect(errorOf(await verify("token_2", wrong("token_2"))).code).toBe("attempt_expired");
    expect(app.failures("alice")).toBe(0);
    expect(app.auditEvents()).toHaveLength(auditBefore);
  });

  it("a completed attempt → attempt_completed and accepts nothing more; nothing is counted", async () => {
    await app.passCurrentStep(attempt.attemptId);
    await app.passCurrentStep(attempt.attemptId);
    app.nextPeriod();
    for (const [factorId, code] of [
      ["token_1", right("token_1")],
      ["token_2", wrong("token_2")],
      ["nope", ""],
    ] as const) {
      expect(errorOf(await verify(factorId, code)).code).toBe("attempt_completed");
    }
    expect(app.failures("alice")).toBe(0);
    expect(app.attempt(attempt.attemptId).status).toBe("completed");
  });

  it("an unknown attempt, or another tenant's, → attempt_not_found (S27)", async () => {
    expect(errorOf(await verify("token_1", right("token_1"), "no-such-attempt")).code).toBe("attempt_not_found");
    const foreign = await app.verifyStep.execute({
      actor: serviceKey("tenant-2"),
      attemptId: attempt.attemptId,
      factorId: "token_1",
      code: right("token_1"),
    });
    expect(errorOf(foreign).code).toBe("attempt_not_found");
    expect(app.attempt(attempt.attemptId).cursor).toBe(0);
    expect(app.failures("alice")).toBe(0);
  });

  it("random mode redraws the chain on every reset (SeededRandom); fixed mode draws nothing", async () => {
    const random = new SeededRandom(7);
    const r = await appWith(
      aPolicy().withId("rnd").random().withTotpFactors(4).withSteps(2).withLockout({ maxFailures: 100 }),
      ["token_1", "token_2", "token_3", "token_4"],
      new TestApp({ random }),
    );
    const { attemptId } = await r.start("alice", "rnd");
    const chains = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const draws = random.draws;
      const outcome = outcomeOf(await r.verify(attemptId, r.currentFactorId(attemptId), "000000x"));
      const { chain } = r.attempt(attemptId);
      expect(random.draws).toBeGreaterThanOrEqual(draws + 2);
      expect(new Set(chain).size).toBe(2);
      expect(outcome.nextFactor?.id).toBe(chain[0]);
      chains.add(chain.join(">"));
    }
    expect(chains.size).toBeGreaterThan(3);

    const fixed = await appWith(aPolicy().withId("fixed"), ["token_1", "token_2"], new TestApp({ random: noRandomness }));
    const f = await fixed.start("alice", "fixed");
    expect(outcomeOf(await fixed.verify(f.attemptId, "token_2", "000000"))).toMatchObject({ reset: true, nextFactor: { id: "token_1" } });
  });

  it("a revoked factor can no longer pass its step (its code is not even checked)", async () => {
    unwrap(await app.revokeFactor.execute({ actor: admin, userId: "alice", credentialId: app.activeCredential("alice", "token_1").id }));
    const code = app.otp.codeAt(app.secretOf(app.store.credentials(TEST_TENANT)[0]?.id as string), app.clock.now());
    app.otp.clearCalls();
    expect(outcomeOf(await verify("token_1", code))).toMatchObject({ success: false, failure: "invalid_code", reset: true });
    app.otp.assertNoVerification();
    expect(app.failures("alice")).toBe(1);
  });

  it("an authenticator re-provisioned with other options since the attempt started cannot pass its step", async () => {
    // v2 of the policy wants SHA256 for token_1; alice re-enrolls token_1 under it while a v1 (SHA1) attempt runs.
    const v2 = aPolicy().withFactors([
      { id: "token_1", label: "Token 1", options: { algorithm: "SHA256" } },
      { id: "token_2", label: "Token 2" },
    ]);
    unwrap(await app.savePolicy.execute({ actor: admin, policyId: "login", definition: v2.definition(), mode: "update" }));
    const renewed = await app.enroll("alice", "login", "token_1");
    await app.confirm("alice", renewed);
    app.nextPeriod();
    expect(app.activeCredential("alice", "token_1").params).toMatchObject({ algorithm: "SHA256" });
    app.otp.clearCalls();
    expect(outcomeOf(await verify("token_1", right("token_1")))).toMatchObject({ success: false, failure: "invalid_code" });
    app.otp.assertNoVerification();
  });

  it("a running attempt keeps its policy version after an update, and after a delete", async () => {
    unwrap(
      await app.savePolicy.execute({
        actor: admin,
        policyId: "login",
        definition: aPolicy().withSteps(1).withVerifyWindow(0).definition(),
        mode: "update",
      }),
    );
    // v1: window 1, so the previous step's code still passes; and two steps are still required.
    app.nextPeriod();
    const secret = app.secretOf(app.activeCredential("alice", "token_1").id);
    const previous = app.otp.codeOfStep(secret, app.otp.timeStep(app.clock.now()) - 1);
    expect(outcomeOf(await verify("token_1", previous))).toMatchObject({ success: true, complete: false, nextFactor: view("token_2") });
    unwrap(await app.deletePolicy.execute({ actor: admin, policyId: "login" }));
    expect(outcomeOf(await verify("token_2", right("token_2")))).toMatchObject({ success: true, complete: true });
    expect(unwrap(await app.getAttempt.execute({ actor: service, attemptId: attempt.attemptId }))).toMatchObject({
      policyVersion: 1,
      steps: 2,
    });
  });

  it("a new attempt after an update runs on the new version", async () => {
    unwrap(
      await app.savePolicy.execute({ actor: admin, policyId: "login", definition: aPolicy().withSteps(1).definition(), mode: "update" }),
    );
    const v2 = await app.start("alice", "login");
    expect(v2).toMatchObject({ policyVersion: 2, steps: 1 });
    expect(outcomeOf(await app.verify(v2.attemptId, "token_1", right("token_1")))).toMatchObject({ complete: true });
  });

  it("audits success, failure, breach, lock and completion with who, which attempt and which factor", async () => {
    const strict = await appWith(aPolicy().withId("strict").withLockout({ maxFailures: 3 }));
    const { attemptId } = await strict.start("alice", "strict");
    const since = strict.auditEvents().length;
    await strict.passCurrentStep(attemptId);
    await strict.verify(attemptId, "token_2", strict.wrongCode("alice", "token_2"));
    await strict.verify(attemptId, "token_2", "000000");
    await strict.verify(attemptId, "token_1", "12");
    const lockedUntil = strict.clock.now() + 300_000;
    await strict.verify(attemptId, "token_1", strict.rightCode("alice", "token_1"));
    strict.clock.set(lockedUntil);
    strict.nextPeriod();
    await strict.passCurrentStep(attemptId);
    await strict.passCurrentStep(attemptId);
    const events = strict.auditEvents().slice(since);
    expect(events.map((e) => [e.type, e.factorId, e.data])).toEqual([
      ["attempt.step_succeeded", "token_1", { step: 1 }],
      ["attempt.step_failed", "token_2", { reason: "invalid_code", step: 2, failures: 1 }],
      ["attempt.chain_breached", "token_2", { reason: "chain_breached", step: 1, failures: 2 }],
      ["attempt.step_failed", "token_1", { reason: "invalid_code_format", step: 1, failures: 3 }],
      ["user.locked", null, { until: lockedUntil, lockCount: 1 }],
      ["attempt.locked_rejected", null, { until: lockedUntil }],
      ["attempt.step_succeeded", "token_1", { step: 1 }],
      ["attempt.step_succeeded", "token_2", { step: 2 }],
      ["attempt.completed", null, { steps: 2 }],
    ]);
    for (const e of events)
      expect(e).toMatchObject({ tenantId: TEST_TENANT, userId: "alice", attemptId, actor: { kind: "api_key", id: service.keyId } });
  });

  it("S10 no audit record, credential row or error message holds a code or a secret", async () => {
    const strict = await appWith(aPolicy().withId("strict").withLockout({ maxFailures: 4 }));
    const codes = new Set<string>();
    const messages: string[] = [];
    const track = (r: Result<unknown, AppError>) => {
      if (!r.ok) messages.push(JSON.stringify(r.error));
    };
    const send = async (attemptId: string, factorId: string, code: string) => {
      codes.add(code);
      track(await strict.verify(attemptId, factorId, code));
    };
    const a = await strict.start("alice", "strict");
    const c1 = strict.rightCode("alice", "token_1");
    await send(a.attemptId, "token_1", c1); // success
    await send(a.attemptId, "token_2", strict.wrongCode("alice", "token_2")); // wrong
    await send(a.attemptId, "token_1", c1); // replay
    await send(a.attemptId, "token_2", strict.rightCode("alice", "token_2")); // breach
    await send(a.attemptId, "token_1", `${c1} `); // malformed → 4th failure: lock
    await send(a.attemptId, "token_1", strict.rightCode("alice", "token_2")); // locked
    const pending = await strict.enroll("alice", "strict", "token_2");
    const confirmCode = strict.otp.wrongCodeAt(pending.secret, strict.clock.now());
    codes.add(confirmCode);
    track(await strict.confirmFactor.execute({ actor: service, userId: "alice", credentialId: pending.credential.id, code: confirmCode }));

    const secrets = strict.otp.generatedSecrets;
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    const leaves: unknown[] = [];
    const walk = (v: unknown): void => {
      if (v instanceof Uint8Array)
        leaves.push(
          Array.from(v, (b) => b.toString(16).padStart(2, "0"))
            .join("")
            .toUpperCase(),
        );
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
      else leaves.push(v);
    };
    walk(strict.auditEvents());
    walk(strict.store.credentials(TEST_TENANT));
    leaves.push(...messages);
    expect(messages.length).toBeGreaterThan(0);
    for (const leaf of leaves) {
      for (const code of codes) {
        if (typeof leaf === "string" && code.trim().length >= 6)
          expect(leaf, `a stored value contains the code ${code}`).not.toContain(code.trim());
        if (typeof leaf === "number" && Number(code) >= 1000) expect(leaf).not.toBe(Number(code));
      }
      for (const secret of secrets) if (typeof leaf === "string") expect(leaf.toUpperCase()).not.toContain(secret);
    }
  });

  describe("the locking path: one transaction", () => {
    // Storage without UnitOfWork.direct (or a verify that the optimistic path handed over) runs here.
    beforeEach(async () => {
      app = await appWith(aPolicy().withId("login"), ["token_1", "token_2"], new TestApp({ optimistic: false }));
      attempt = await app.start("alice", "login");
    });

    it("all writes of a failed verify are committed: the attempt's reset, the count and the audit event persist", async () => {
      await app.passCurrentStep(attempt.attemptId);
      const { committed, rolledBack } = app.transactions;
      const version = app.attempt(attempt.attemptId).version;
      const audits = app.auditEvents().length;
      outcomeOf(await verify("token_2", wrong("token_2")));
      expect([app.transactions.committed, app.transactions.rolledBack]).toEqual([committed + 1, rolledBack]);
      expect(app.attempt(attempt.attemptId)).toMatchObject({ cursor: 0, version: version + 1 });
      expect(app.failures("alice")).toBe(1);
      expect(app.auditEvents()).toHaveLength(audits + 1);
    });

    it("a throw inside the unit of work (steps.write, on a failure) leaves nothing written: no reset, no count, no audit", async () => {
      await app.passCurrentStep(attempt.attemptId);
      const before = { attempt: app.attempt(attempt.attemptId), lock: app.store.lockState(TEST_TENANT, "alice"), audit: app.auditEvents() };
      const fault = app.uow.failOn("steps.write", { times: 1 });
      await expect(verify("token_2", wrong("token_2"))).rejects.toBeInstanceOf(InjectedFault);
      expect(fault.fired).toBe(1);
      expect({
        attempt: app.attempt(attempt.attemptId),
        lock: app.store.lockState(TEST_TENANT, "alice"),
        audit: app.auditEvents(),
      }).toEqual(before);
    });

    it.each(["steps.lockForStep", "steps.write"] as const)(
      "a throw inside the unit of work (%s) leaves nothing written, and the code is not spent",
      async (target) => {
        await app.passCurrentStep(attempt.attemptId);
        const code2 = right("token_2");
        const before = {
          attempt: app.attempt(attempt.attemptId),
          lock: app.store.lockState(TEST_TENANT, "alice"),
          credentials: app.store.credentials(TEST_TENANT),
          audit: app.auditEvents(),
        };
        const fault = app.uow.failOn(target, { times: 1 });
        await expect(verify("token_2", code2)).rejects.toBeInstanceOf(InjectedFault);
        expect(fault.fired).toBe(1);
        expect(app.transactions.rolledBack).toBe(1);
        expect({
          attempt: app.attempt(attempt.attemptId),
          lock: app.store.lockState(TEST_TENANT, "alice"),
          credentials: app.store.credentials(TEST_TENANT),
          audit: app.auditEvents(),
        }).toEqual(before);
        // The replay guard was rolled back with the rest: the same code now passes.
        expect(outcomeOf(await verify("token_2", code2))).toMatchObject({ success: true, complete: true });
      },
    );

    it("a write that finds the attempt moved (its compare-and-set fails after the claim was written) is abandoned whole: the claim is rolled back too", async () => {
      const code = right("token_1");
      const before = { attempt: app.attempt(attempt.attemptId), credentials: app.store.credentials(TEST_TENANT), audit: app.auditEvents() };
      const race = app.uow.beforeCall("steps.write", async (repos) => {
        const current = (await repos.attempts.find(TEST_TENANT, attempt.attemptId))!;
        expect(await repos.attempts.update({ ...current, version: current.version + 1 }, current.version)).toBe(true);
      });
      await expect(verify("token_1", code)).rejects.toBeInstanceOf(InvariantViolation);
      expect(race.fired).toBe(1);
      expect(app.transactions.rolledBack).toBe(1);
      expect({
        attempt: app.attempt(attempt.attemptId),
        credentials: app.store.credentials(TEST_TENANT),
        audit: app.auditEvents(),
      }).toEqual(before);
      expect(outcomeOf(await verify("token_1", code))).toMatchObject({ success: true });
    });

    it("S2 a claim that no longer holds when written (a parallel use took the TOTP step) grants nothing: the verify is abandoned and rolled back", async () => {
      const before = { attempt: app.attempt(attempt.attemptId), audit: app.auditEvents() };
      const race = app.uow.beforeCall("steps.write", async (repos, [tenantId, , step]) => {
        const claim = (step as StepWrite).claim;
        expect(claim?.kind).toBe("time_step");
        if (claim?.kind === "time_step")
          expect(await repos.credentials.claim(tenantId as string, claim, (step as StepWrite).at)).toBe(true);
      });
      await expect(verify("token_1", right("token_1"))).rejects.toBeInstanceOf(InvariantViolation);
      expect(race.fired).toBe(1);
      expect({ attempt: app.attempt(attempt.attemptId), audit: app.auditEvents() }).toEqual(before);
    });

    it("S5 the HOTP claim is a compare-and-set: a counter moved by a parallel use before the write grants nothing", async () => {
      const h = await appWith(aPolicy().withId("hotp").withHotpFactors(1), ["counter_1"], new TestApp({ optimistic: false }));
      const { attemptId } = await h.start("alice", "hotp");
      const before = h.attempt(attemptId);
      const race = h.uow.beforeCall("steps.write", async (repos, [tenantId, , step]) => {
        const claim = (step as StepWrite).claim;
        expect(claim?.kind).toBe("counter");
        if (claim?.kind === "counter") expect(await repos.credentials.claim(tenantId as string, claim, (step as StepWrite).at)).toBe(true);
      });
      await expect(h.verify(attemptId, "counter_1", h.rightCode("alice", "counter_1"))).rejects.toBeInstanceOf(InvariantViolation);
      expect(race.fired).toBe(1);
      expect(h.attempt(attemptId)).toEqual(before);
    });

    it("S2 (in memory) parallel submissions of one valid code: exactly one success", async () => {
      const one = await appWith(aPolicy().withId("one").withSteps(1).withLockout({ maxFailures: 100 }));
      const attempts = await Promise.all(Array.from({ length: 20 }, () => one.start("alice", "one")));
      const code = one.rightCode("alice", "token_1");
      const outcomes = (await Promise.all(attempts.map((a) => one.verify(a.attemptId, "token_1", code)))).map(outcomeOf);
      expect(outcomes.filter((o) => o.success)).toHaveLength(1);
      expect(new Set(outcomes.filter((o) => !o.success).map((o) => o.failure))).toEqual(new Set(["code_replayed"]));
    });
  });

  describe("the optimistic path: a read, then one conditional write, without a transaction", () => {
    /** Another verify's claim of the same code, made between our read and our write. */
    const parallelClaim = (target: TestApp) =>
      target.uow.beforeCall("steps.writeIfUnchanged", async (repos, [tenantId, , step]) => {
        const claim = (step as StepWrite).claim;
        if (claim) expect(await repos.credentials.claim(tenantId as string, claim, (step as StepWrite).at)).toBe(true);
      });

    it("a verify that nothing raced runs no transaction: one read, one write", async () => {
      const { committed, rolledBack } = app.transactions;
      const calls: string[] = [];
      for (const target of ["steps.readForStep", "steps.writeIfUnchanged", "steps.lockForStep", "steps.write"] as const)
        app.uow.beforeCall(target, async () => void calls.push(target), { times: 10 });
      expect(outcomeOf(await verify("token_1", right("token_1")))).toMatchObject({ success: true });
      expect(outcomeOf(await verify("token_2", wrong("token_2")))).toMatchObject({ success: false });
      expect(calls).toEqual(["steps.readForStep", "steps.writeIfUnchanged", "steps.readForStep", "steps.writeIfUnchanged"]);
      expect([app.transactions.committed, app.transactions.rolledBack]).toEqual([committed, rolledBack]);
      expect(app.failures("alice")).toBe(1);
    });

    it("S2 a parallel use of the same TOTP step between the read and the write: nothing of ours is written, and the locking path refuses the replay", async () => {
      const before = { attempt: app.attempt(attempt.attemptId), audit: app.auditEvents().length };
      const race = parallelClaim(app);
      const outcome = outcomeOf(await verify("token_1", right("token_1")));
      expect(race.fired).toBe(1);
      expect(outcome).toMatchObject({ success: false, failure: "code_replayed" });
      // Only the locking path's failure was written: the chain reset (a new version), one failure, one event.
      expect(app.attempt(attempt.attemptId)).toMatchObject({ cursor: 0, version: before.attempt.version + 1 });
      expect(app.failures("alice")).toBe(1);
      expect(
        app
          .auditEvents()
          .slice(before.audit)
          .map((e) => e.type),
      ).toEqual(["attempt.step_failed"]);
    });

    it("S5 a parallel use of the same HOTP counter between the read and the write: no second success", async () => {
      const h = await appWith(aPolicy().withId("hotp").withHotpFactors(1), ["counter_1"]);
      const { attemptId } = await h.start("alice", "hotp");
      const race = parallelClaim(h);
      const outcome = outcomeOf(await h.verify(attemptId, "counter_1", h.rightCode("alice", "counter_1")));
      expect(race.fired).toBe(1);
      expect(outcome.success).toBe(false);
    });

    it("S6 a failure counted between the read and the write is not overwritten: both failures count", async () => {
      const race = app.uow.beforeCall("steps.writeIfUnchanged", async (repos) => {
        // What a parallel wrong code on another attempt of the same user writes to the shared counter.
        const lock = await repos.lockouts.find(TEST_TENANT, "alice");
        await repos.lockouts.save(TEST_TENANT, "alice", { ...lock, consecutiveFailures: lock.consecutiveFailures + 1 }, app.clock.now());
      });
      expect(outcomeOf(await verify("token_1", wrong("token_1")))).toMatchObject({ success: false });
      expect(race.fired).toBe(1);
      expect(app.failures("alice")).toBe(2);
    });

    it("the attempt moved between the read and the write (a parallel verify passed its step): ours is decided again on the new state", async () => {
      const code = right("token_1");
      const race = app.uow.beforeCall("steps.writeIfUnchanged", async (repos) => {
        const current = (await repos.attempts.find(TEST_TENANT, attempt.attemptId))!;
        expect(await repos.attempts.update({ ...current, version: current.version + 1 }, current.version)).toBe(true);
      });
      const versionBefore = app.attempt(attempt.attemptId).version;
      expect(outcomeOf(await verify("token_1", code))).toMatchObject({ success: true });
      expect(race.fired).toBe(1);
      // The parallel move, then ours on the locking path: two versions on.
      expect(app.attempt(attempt.attemptId)).toMatchObject({ cursor: 1, version: versionBefore + 2 });
      expect(app.auditEvents().filter((e) => e.type === "attempt.step_succeeded")).toHaveLength(1);
    });
  });

  it("checks the code against the factor's own secret, decrypted with its own binding", async () => {
    app.otp.clearCalls();
    app.cipher.clear();
    await app.passCurrentStep(attempt.attemptId);
    const credential = app.activeCredential("alice", "token_1");
    expect(app.cipher.opened).toEqual([{ tenantId: TEST_TENANT, userId: "alice", credentialId: credential.id }]);
    expect(app.otp.verifications.map((v) => v.secretHex)).toEqual([app.secretOf(credential.id)]);
    // token_2's current code is valid for token_2 only: it cannot pass token_1's step.
    const other = await app.start("alice", "login");
    app.nextPeriod();
    expect(outcomeOf(await app.verify(other.attemptId, "token_1", right("token_2")))).toMatchObject({
      success: false,
      failure: "invalid_code",
    });
    expect(FakeOtp.decodeSecret(app.secretOf(credential.id))).toHaveLength(20);
  });
});
