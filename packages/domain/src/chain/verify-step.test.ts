import { aLockState, aPolicy, anAttempt, noRandomness, ScriptedRandom, SeededRandom, secondsAfter, TEST_EPOCH } from "../testing/index.js";
import { describe, expect, it } from "vitest";
import { UNLOCKED, unlock, type LockState } from "../lockout/lockout.policy.js";
import type { Policy } from "../policy/policy.js";
import type { RandomSource } from "../shared/random-source.port.js";
import type { Instant } from "../shared/time.js";
import type { Attempt } from "./attempt.js";
import { admitSubmission, applyStepResult, type FailureReason, type StepTransition, type Submission } from "./verify-step.js";

const fixed3 = aPolicy().fixed().withTotpFactors(3).withSteps(3).build();
const WRONG_BUT_WELL_FORMED = "000000";
const RIGHT = "123456"; // the domain never knows which code is right: the adapter's check decides

/** Admits a submission and, like the application, applies what the admission and the (given) code check say. */
function submit(
  state: { attempt: Attempt; lock: LockState },
  policy: Policy,
  now: Instant,
  submission: Submission,
  codeIsRight: boolean,
  random: RandomSource = noRandomness,
): StepTransition | { admission: ReturnType<typeof admitSubmission> } {
  const ctx = { ...state, policy, now };
  const admission = admitSubmission(ctx, submission);
  if (admission.kind === "rejected" || admission.kind === "locked") return { admission };
  const result =
    admission.kind === "failed"
      ? ({ ok: false, reason: admission.reason } as const)
      : codeIsRight
        ? ({ ok: true } as const)
        : ({ ok: false, reason: "invalid_code" } as const);
  return applyStepResult(ctx, result, random);
}

function applied(t: ReturnType<typeof submit>): StepTransition {
  if ("admission" in t) throw new Error(`not applied: ${JSON.stringify(t.admission)}`);
  return t;
}

describe("admitSubmission: order of checks", () => {
  const ctx = (attempt: Attempt, lock: LockState = UNLOCKED, now: Instant = TEST_EPOCH) => ({ attempt, lock, policy: fixed3, now });
  const lockedUntil = secondsAfter(300);
  const locked = aLockState({ consecutiveFailures: 5, lockCount: 1, lockedUntil });

  it("a completed attempt answers attempt_completed to anything: right factor, wrong factor, garbage, expired, locked", () => {
    const done = anAttempt().for(fixed3).completed().build();
    for (const s of [
      { factorId: "token_1", code: RIGHT },
      { factorId: "token_3", code: WRONG_BUT_WELL_FORMED },
      { factorId: "nope", code: "１２３４５６" },
    ]) {
      expect(admitSubmission(ctx(done), s)).toEqual({ kind: "rejected", code: "attempt_completed" });
      expect(admitSubmission(ctx(done, locked, secondsAfter(10_000)), s)).toEqual({ kind: "rejected", code: "attempt_completed" });
    }
  });

  it("an expired attempt answers attempt_expired from expiresAt on, before the lock is considered", () => {
    const attempt = anAttempt().for(fixed3).build();
    const atExpiry = attempt.expiresAt;
    expect(admitSubmission(ctx(attempt, UNLOCKED, atExpiry), { factorId: "token_1", code: RIGHT })).toEqual({
      kind: "rejected",
      code: "attempt_expired",
    });
    const lockedLong = aLockState({ consecutiveFailures: 5, lockCount: 1, lockedUntil: atExpiry + 1_000_000 });
    expect(admitSubmission(ctx(attempt, lockedLong, atExpiry), { factorId: "token_1", code: RIGHT }).kind).toBe("rejected");
    expect(admitSubmission(ctx(attempt, UNLOCKED, atExpiry - 1), { factorId: "token_1", code: RIGHT }).kind).toBe("check_code");
  });

  it("S8 a locked user gets the same answer for a right and a wrong code, the right and a wrong factor, and garbage", () => {
    const attempt = anAttempt().for(fixed3).build();
    const answers = [
      { factorId: "token_1", code: RIGHT },
      { factorId: "token_1", code: WRONG_BUT_WELL_FORMED },
      { factorId: "token_2", code: RIGHT },
      { factorId: "unknown", code: "" },
      { factorId: "token_1", code: "12 34 56" },
    ].map((s) => admitSubmission(ctx(attempt, locked), s));
    for (const a of answers) expect(a).toEqual({ kind: "locked", lockedUntil });
  });

  it("a lock that has run out does not block", () => {
    const attempt = anAttempt().for(fixed3).build();
    expect(admitSubmission(ctx(attempt, locked, lockedUntil), { factorId: "token_1", code: RIGHT }).kind).toBe("check_code");
  });

  it("a factor other than the current step is chain_breached: a later step, a passed step, a stranger", () => {
    const attempt = anAttempt().for(fixed3).atCursor(1).build();
    for (const factorId of ["token_3", "token_1", "phone", ""]) {
      expect(admitSubmission(ctx(attempt), { factorId, code: RIGHT })).toEqual({ kind: "failed", reason: "chain_breached" });
    }
  });

  it("the order is checked before the shape: a wrong factor with a malformed code is chain_breached", () => {
    const attempt = anAttempt().for(fixed3).build();
    expect(admitSubmission(ctx(attempt), { factorId: "token_2", code: "x" })).toEqual({ kind: "failed", reason: "chain_breached" });
  });

  it("S12 a malformed code for the current factor is invalid_code_format, judged by that factor's digits", () => {
    const policy = aPolicy()
      .withFactors([{ id: "six" }, { id: "eight", options: { digits: 8 } }])
      .build();
    const attempt = anAttempt().for(policy).build();
    const at = (a: Attempt, code: string, factorId: string) =>
      admitSubmission({ attempt: a, lock: UNLOCKED, policy, now: TEST_EPOCH }, { factorId, code });
    for (const code of ["１２３４５６", "12345", "1234567", " 12345", "-12345", "", "12345678"]) {
      expect(at(attempt, code, "six")).toEqual({ kind: "failed", reason: "invalid_code_format" });
    }
    const second = { ...attempt, cursor: 1 };
    expect(at(second, "123456", "eight")).toEqual({ kind: "failed", reason: "invalid_code_format" });
    expect(at(second, "12345678", "eight")).toMatchObject({ kind: "check_code", code: "12345678" });
  });

  it("a well-formed code for the current factor goes to the code check, with that factor", () => {
    const attempt = anAttempt().for(fixed3).atCursor(2).build();
    expect(admitSubmission(ctx(attempt), { factorId: "token_3", code: "654321" })).toEqual({
      kind: "check_code",
      factor: fixed3.factors[2],
      code: "654321",
    });
  });
});

describe("applyStepResult: success", () => {
  it("advances and names the next factor, with a full failure budget and no lock", () => {
    const attempt = anAttempt().for(fixed3).build();
    const t = applied(
      submit(
        { attempt, lock: aLockState({ consecutiveFailures: 3 }) },
        fixed3,
        secondsAfter(5),
        { factorId: "token_1", code: RIGHT },
        true,
      ),
    );
    expect(t.attempt).toMatchObject({ cursor: 1, status: "active", version: attempt.version + 1 });
    expect(t.lock).toEqual(UNLOCKED);
    expect(t.outcome).toEqual({
      success: true,
      complete: false,
      reset: false,
      nextFactor: { id: "token_2", label: "Token 2", type: "totp" },
      failuresRemaining: 5,
      lockedUntil: null,
      expiresAt: attempt.expiresAt,
      failure: null,
    });
  });

  it("the last success completes the attempt with nextFactor null", () => {
    const attempt = anAttempt().for(fixed3).atCursor(2).build();
    const t = applied(submit({ attempt, lock: UNLOCKED }, fixed3, secondsAfter(7), { factorId: "token_3", code: RIGHT }, true));
    expect(t.attempt).toMatchObject({ status: "completed", cursor: 3, completedAt: secondsAfter(7) });
    expect(t.outcome).toMatchObject({ success: true, complete: true, reset: false, nextFactor: null, failure: null });
  });

  it("S25 a chain of 3 completes only after 3 consecutive successes in order", () => {
    let state = { attempt: anAttempt().for(fixed3).build(), lock: UNLOCKED };
    const step = (factorId: string, right: boolean) => {
      const t = applied(submit(state, fixed3, TEST_EPOCH, { factorId, code: RIGHT }, right));
      state = { attempt: t.attempt, lock: t.lock };
      return t.outcome;
    };
    expect(step("token_1", true).complete).toBe(false);
    expect(step("token_2", true).complete).toBe(false);
    expect(step("token_3", false)).toMatchObject({ complete: false, reset: true, nextFactor: { id: "token_1" } });
    expect(step("token_2", true)).toMatchObject({ success: false, failure: "chain_breached", reset: true });
    expect(step("token_1", true).complete).toBe(false);
    expect(step("token_2", true).complete).toBe(false);
    expect(step("token_3", true)).toMatchObject({ success: true, complete: true });
    expect(admitSubmission({ ...state, policy: fixed3, now: TEST_EPOCH }, { factorId: "token_1", code: RIGHT })).toEqual({
      kind: "rejected",
      code: "attempt_completed",
    });
  });

  it("S7 a success clears the failure count and the back-off history: the next lock is baseSeconds again", () => {
    const history = aLockState({ consecutiveFailures: 4, lockCount: 3, lockedUntil: null });
    const t = applied(
      submit({ attempt: anAttempt().for(fixed3).build(), lock: history }, fixed3, TEST_EPOCH, { factorId: "token_1", code: RIGHT }, true),
    );
    expect(t.lock).toEqual(UNLOCKED);
    let state = { attempt: t.attempt, lock: t.lock };
    let last: StepTransition | undefined;
    for (let i = 0; i < 5; i++) {
      last = applied(submit(state, fixed3, TEST_EPOCH, { factorId: "token_1", code: WRONG_BUT_WELL_FORMED }, false));
      state = { attempt: last.attempt, lock: last.lock };
    }
    expect(last?.outcome.lockedUntil).toBe(secondsAfter(300));
  });
});

describe("applyStepResult: failure", () => {
  it.each<FailureReason>(["chain_breached", "invalid_code_format", "invalid_code", "code_replayed"])(
    "%s resets the cursor to step 1 of the same fixed chain, counts one failure and says so",
    (reason) => {
      const attempt = anAttempt().for(fixed3).atCursor(2).build();
      const t = applyStepResult(
        { attempt, lock: aLockState({ consecutiveFailures: 1 }), policy: fixed3, now: TEST_EPOCH },
        { ok: false, reason },
        noRandomness,
      );
      expect(t.attempt).toMatchObject({ chain: attempt.chain, cursor: 0, status: "active", version: attempt.version + 1 });
      expect(t.lock).toEqual({ consecutiveFailures: 2, lockCount: 0, lockedUntil: null });
      expect(t.outcome).toEqual({
        success: false,
        complete: false,
        reset: true,
        nextFactor: { id: "token_1", label: "Token 1", type: "totp" },
        failuresRemaining: 3,
        lockedUntil: null,
        expiresAt: attempt.expiresAt,
        failure: reason,
      });
    },
  );

  it("a chain breach counts as a failure when applied", () => {
    const attempt = anAttempt().for(fixed3).atCursor(1).build();
    const t = applied(submit({ attempt, lock: UNLOCKED }, fixed3, TEST_EPOCH, { factorId: "token_3", code: RIGHT }, true));
    expect(t.outcome).toMatchObject({ success: false, failure: "chain_breached", reset: true, failuresRemaining: 4 });
    expect(t.lock.consecutiveFailures).toBe(1);
  });

  it("in random mode a failure draws a fresh chain from `eligible` with the random source, and names its step 1", () => {
    const policy = aPolicy().random().withTotpFactors(4).withSteps(2).build();
    const attempt = anAttempt()
      .for(policy)
      .withConfirmed(["token_1", "token_2", "token_3"])
      .withRandom(new ScriptedRandom([0, 0]))
      .atCursor(1)
      .build();
    expect(attempt.chain).toEqual(["token_1", "token_2"]);
    const random = new ScriptedRandom([2, 0]);
    const t = applyStepResult({ attempt, lock: UNLOCKED, policy, now: TEST_EPOCH }, { ok: false, reason: "invalid_code" }, random);
    expect(random.used).toBe(2);
    expect(t.attempt).toMatchObject({ chain: ["token_3", "token_2"], cursor: 0 });
    expect(t.outcome.nextFactor?.id).toBe("token_3");
  });

  it("in random mode successive resets produce different chains, all drawn from `eligible`", () => {
    const policy = aPolicy().random().withTotpFactors(5).withSteps(2).build();
    const eligible = ["token_1", "token_3", "token_4", "token_5"];
    const random = new SeededRandom(99);
    let attempt = anAttempt().for(policy).withConfirmed(eligible).withRandom(random).build();
    const seen = new Set<string>([attempt.chain.join(">")]);
    for (let i = 0; i < 50; i++) {
      const t = applyStepResult({ attempt, lock: UNLOCKED, policy, now: TEST_EPOCH }, { ok: false, reason: "invalid_code" }, random);
      attempt = t.attempt;
      expect(attempt.chain.every((id) => eligible.includes(id))).toBe(true);
      expect(new Set(attempt.chain).size).toBe(2);
      expect(t.outcome.nextFactor?.id).toBe(attempt.chain[0]);
      seen.add(attempt.chain.join(">"));
    }
    expect(seen.size).toBeGreaterThan(1);
    expect([...seen].some((c) => c.includes("token_2"))).toBe(false);
  });

  it("S6 failures count exactly one per failure across attempts of the same user; a new attempt does not reset the count", () => {
    let lock: LockState = UNLOCKED;
    const attempts = [anAttempt().for(fixed3).withId("a1").build(), anAttempt().for(fixed3).withId("a2").build()];
    const remaining: number[] = [];
    for (let i = 0; i < 4; i++) {
      const attempt = attempts[i % 2] as Attempt;
      const t = applied(submit({ attempt, lock }, fixed3, secondsAfter(i), { factorId: "token_1", code: WRONG_BUT_WELL_FORMED }, false));
      attempts[i % 2] = t.attempt;
      lock = t.lock;
      expect(lock.consecutiveFailures).toBe(i + 1);
      remaining.push(t.outcome.failuresRemaining);
    }
    expect(remaining).toEqual([4, 3, 2, 1]);
    const fresh = anAttempt().for(fixed3).withId("a3").startedAt(secondsAfter(5)).build();
    const t = applied(submit({ attempt: fresh, lock }, fixed3, secondsAfter(5), { factorId: "token_9", code: RIGHT }, true));
    expect(t.outcome).toMatchObject({ failuresRemaining: 0, lockedUntil: secondsAfter(5 + 300) });
  });

  it("reaching maxFailures locks for baseSeconds; further locks double up to maxSeconds (300, 600, 1200, 2400, 3600, 3600)", () => {
    const policy = aPolicy().withTotpFactors(1).withLockout({ maxFailures: 3 }).build();
    let lock: LockState = UNLOCKED;
    let now = TEST_EPOCH;
    const durations: number[] = [];
    for (let round = 0; round < 6; round++) {
      // Attempts live 10 minutes: each round is a new attempt, as a returning user would start.
      let attempt = anAttempt().for(policy).startedAt(now).build();
      for (let i = 1; i <= 3; i++) {
        const t = applied(submit({ attempt, lock }, policy, now, { factorId: "token_1", code: WRONG_BUT_WELL_FORMED }, false));
        ({ attempt, lock } = t);
        expect(t.outcome.failuresRemaining).toBe(3 - i);
        expect(t.outcome.lockedUntil).toBe(i < 3 ? null : lock.lockedUntil);
      }
      const until = lock.lockedUntil as Instant;
      durations.push((until - now) / 1000);
      // Locked to the last millisecond, in this attempt and in a new one: nothing is checked, nothing is counted.
      const locked = { kind: "locked", lockedUntil: until };
      expect(admitSubmission({ attempt, lock, policy, now }, { factorId: "token_1", code: RIGHT })).toEqual(locked);
      const fresh = anAttempt()
        .for(policy)
        .startedAt(until - 1)
        .build();
      expect(admitSubmission({ attempt: fresh, lock, policy, now: until - 1 }, { factorId: "token_1", code: RIGHT })).toEqual(locked);
      now = until;
    }
    expect(durations).toEqual([300, 600, 1200, 2400, 3600, 3600]);
  });

  it("after a lock runs out a new round of maxFailures tries starts; the back-off history stays until a success", () => {
    const policy = aPolicy().withTotpFactors(2).withLockout({ maxFailures: 2, baseSeconds: 60, maxSeconds: 600 }).build();
    let state = { attempt: anAttempt().for(policy).build(), lock: UNLOCKED as LockState };
    const fail = (now: Instant) => {
      const t = applied(submit(state, policy, now, { factorId: "token_1", code: WRONG_BUT_WELL_FORMED }, false));
      state = { attempt: t.attempt, lock: t.lock };
      return t.outcome;
    };
    fail(TEST_EPOCH);
    expect(fail(TEST_EPOCH)).toMatchObject({ failuresRemaining: 0, lockedUntil: secondsAfter(60) });
    const later = secondsAfter(60);
    expect(admitSubmission({ ...state, policy, now: later }, { factorId: "token_1", code: RIGHT }).kind).toBe("check_code");
    expect(fail(later)).toMatchObject({ failuresRemaining: 1, lockedUntil: null });
    expect(fail(later)).toMatchObject({ failuresRemaining: 0, lockedUntil: later + 120_000 });
  });

  it("unlock() lets the user in at once with a full budget, but the next lock still doubles", () => {
    const policy = aPolicy().withTotpFactors(2).withLockout({ maxFailures: 1, baseSeconds: 60, maxSeconds: 600 }).build();
    const attempt = anAttempt().for(policy).build();
    const t = applied(submit({ attempt, lock: UNLOCKED }, policy, TEST_EPOCH, { factorId: "token_1", code: WRONG_BUT_WELL_FORMED }, false));
    expect(t.outcome.lockedUntil).toBe(secondsAfter(60));
    const unlocked = unlock(t.lock);
    const admitted = admitSubmission(
      { attempt: t.attempt, lock: unlocked, policy, now: secondsAfter(1) },
      { factorId: "token_1", code: RIGHT },
    );
    expect(admitted.kind).toBe("check_code");
    const again = applied(
      submit({ attempt: t.attempt, lock: unlocked }, policy, secondsAfter(1), { factorId: "token_1", code: WRONG_BUT_WELL_FORMED }, false),
    );
    expect(again.outcome.lockedUntil).toBe(secondsAfter(1 + 120));
  });
});
