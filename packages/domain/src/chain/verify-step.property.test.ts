// Property tests of the verify transition, driven the way the application drives it: admit, check the code (here: a
// generated verdict), apply. A small model of the spec's rules is checked against the domain at every step.
import { aLockState, aPolicy, anAttempt, SeededRandom, TEST_EPOCH } from "../testing/index.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isLocked, UNLOCKED, type LockState } from "../lockout/lockout.policy.js";
import type { PolicyFactor } from "../policy/factor-type.js";
import type { Policy } from "../policy/policy.js";
import type { Instant } from "../shared/time.js";
import { startAttempt, type Attempt } from "./attempt.js";
import { admitSubmission, applyStepResult, type Admission, type StepResult } from "./verify-step.js";

// ---------------------------------------------------------------------------------------------------------------
// Generators

interface Scenario {
  policy: Policy;
  confirmed: string[];
  seed: number;
  actions: Action[];
}

type Target = { kind: "current" } | { kind: "factor"; index: number } | { kind: "stranger" };
type CodeKind = "well_formed" | "malformed";
type Verdict = { ok: true } | { ok: false; reason: "invalid_code" | "code_replayed" };
type Action = { kind: "submit"; target: Target; code: CodeKind; verdict: Verdict; dtMs: number } | { kind: "new_attempt"; dtMs: number };

const policyArb = fc
  .record({
    factors: fc.array(
      fc.record({ type: fc.constantFrom("totp" as const, "hotp" as const), digits: fc.constantFrom(6 as const, 8 as const) }),
      {
        minLength: 1,
        maxLength: 5,
      },
    ),
    mode: fc.constantFrom("fixed" as const, "random" as const),
    maxFailures: fc.integer({ min: 1, max: 6 }),
    baseSeconds: fc.integer({ min: 1, max: 120 }),
    extraSeconds: fc.integer({ min: 0, max: 400 }),
    ttl: fc.integer({ min: 30, max: 900 }),
  })
  // Half the time every factor is required: long chains are where a skipped step would hide.
  .chain((p) =>
    fc.record({ p: fc.constant(p), steps: fc.oneof(fc.constant(p.factors.length), fc.integer({ min: 1, max: p.factors.length })) }),
  )
  .map(({ p, steps }) =>
    aPolicy()
      .withMode(p.mode)
      .withFactors(p.factors.map((f, i) => ({ id: `f${i}`, label: `Factor ${i}`, type: f.type, options: { digits: f.digits } })))
      .withSteps(steps)
      .withAttemptTtlSeconds(p.ttl)
      .withLockout({ maxFailures: p.maxFailures, baseSeconds: p.baseSeconds, maxSeconds: p.baseSeconds + p.extraSeconds })
      .build(),
  );

/** A confirmed set the chain can be drawn from: in fixed mode the required prefix, in random mode ≥ requiredSteps. */
const confirmedArb = (policy: Policy) =>
  fc.array(fc.boolean(), { minLength: policy.factors.length, maxLength: policy.factors.length }).map((mask) => {
    const ids = policy.factors.map((f) => f.id);
    const chosen = new Set(ids.filter((_, i) => mask[i]));
    if (policy.mode === "fixed") for (const id of ids.slice(0, policy.requiredSteps)) chosen.add(id);
    for (const id of ids) if (chosen.size < policy.requiredSteps) chosen.add(id);
    return ids.filter((id) => chosen.has(id));
  });

/**
 * An adversarial mix (wrong factors, failed checks, malformed codes) or a mostly honest user whose rare slips still
 * reset the chain — without the latter, chains of 4 or 5 steps would hardly ever complete.
 */
const actionArb = (policy: Policy, honest: boolean): fc.Arbitrary<Action> => {
  const ttlMs = policy.attemptTtlSeconds * 1000;
  const w = honest ? 40 : 6;
  // Mostly quick submissions inside the TTL; now and then a long pause that lets a lock or the attempt run out.
  const dtMs = fc.oneof({ weight: 12, arbitrary: fc.nat(Math.floor(ttlMs / 40)) }, { weight: 1, arbitrary: fc.nat(ttlMs) });
  const target: fc.Arbitrary<Target> = fc.oneof(
    { weight: w, arbitrary: fc.constant({ kind: "current" as const }) },
    { weight: 3, arbitrary: fc.nat(policy.factors.length - 1).map((index) => ({ kind: "factor" as const, index })) },
    { weight: 1, arbitrary: fc.constant({ kind: "stranger" as const }) },
  );
  const verdict: fc.Arbitrary<Verdict> = fc.oneof(
    { weight: w, arbitrary: fc.constant({ ok: true as const }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom("invalid_code" as const, "code_replayed" as const).map((reason) => ({ ok: false as const, reason })),
    },
  );
  return fc.oneof(
    {
      weight: 15,
      arbitrary: fc.record({
        kind: fc.constant("submit" as const),
        target,
        code: fc.oneof(
          { weight: w, arbitrary: fc.constant("well_formed" as const) },
          { weight: 1, arbitrary: fc.constant("malformed" as const) },
        ),
        verdict,
        dtMs,
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("new_attempt" as const), dtMs }) },
  );
};

const scenarioArb: fc.Arbitrary<Scenario> = policyArb.chain((policy) =>
  fc.record({
    policy: fc.constant(policy),
    confirmed: confirmedArb(policy),
    seed: fc.integer(),
    actions: fc.boolean().chain((honest) => fc.array(actionArb(policy, honest), { minLength: 1, maxLength: 80 })),
  }),
);

// ---------------------------------------------------------------------------------------------------------------
// The model: what the spec says the per-user counter and lock must be, written independently of lockout.policy.ts.

interface ModelLock {
  failures: number;
  locks: number;
  lockedUntil: Instant | null;
}

function modelFailure(m: ModelLock, policy: Policy, now: Instant): ModelLock {
  const settled = m.lockedUntil !== null && now >= m.lockedUntil ? { ...m, failures: 0, lockedUntil: null } : m;
  const failures = settled.failures + 1;
  if (failures < policy.lockout.maxFailures) return { ...settled, failures };
  const { baseSeconds, maxSeconds } = policy.lockout;
  const seconds = Math.min(baseSeconds * 2 ** settled.locks, maxSeconds);
  return { failures, locks: settled.locks + 1, lockedUntil: now + seconds * 1000 };
}

const modelLocked = (m: ModelLock, now: Instant) => m.lockedUntil !== null && now < m.lockedUntil;

/** What admission must answer, straight from SPEC §2 "Verify" 1–4. */
function expectedAdmission(
  attempt: Attempt,
  m: ModelLock,
  policy: Policy,
  now: Instant,
  factorId: string,
  code: string,
): Admission["kind"] | string {
  if (attempt.status === "completed") return "rejected:attempt_completed";
  if (now >= attempt.expiresAt) return "rejected:attempt_expired";
  if (modelLocked(m, now)) return "locked";
  if (factorId !== attempt.chain[attempt.cursor]) return "failed:chain_breached";
  const factor = policy.factors.find((f) => f.id === factorId);
  if (!factor || !new RegExp(`^[0-9]{${digitsOf(factor)}}$`).test(code)) return "failed:invalid_code_format";
  return "check_code";
}

const admissionKey = (a: Admission): string =>
  a.kind === "rejected" ? `rejected:${a.code}` : a.kind === "failed" ? `failed:${a.reason}` : a.kind;

// ---------------------------------------------------------------------------------------------------------------

interface Reached {
  runs: number;
  completions: number;
  locks: number;
  lockedAnswers: number;
  expired: number;
  resets: number;
  randomRedraws: number;
  /** Completions of chains of 4 or 5 steps. */
  longCompletions: number;
}
const nothingYet = (): Reached => ({
  runs: 0,
  completions: 0,
  locks: 0,
  lockedAnswers: 0,
  expired: 0,
  resets: 0,
  randomRedraws: 0,
  longCompletions: 0,
});

interface AppliedStep {
  ok: boolean;
  factorId: string;
  cursor: number;
  chain: readonly string[];
}

/** Plays one scenario, checking every step against the model; counts what it reached into `seen`. */
function run({ policy, confirmed, seed, actions }: Scenario, seen: Reached): void {
  seen.runs++;
  const random = new SeededRandom(seed);
  let now: Instant = TEST_EPOCH;
  let attemptNo = 0;
  const newAttempt = (): Attempt => {
    const r = startAttempt(
      { id: `a${attemptNo++}`, tenantId: "t", userId: "u", policy, confirmedFactorIds: new Set(confirmed), now },
      random,
    );
    if (!r.ok) throw new Error(`scenario cannot start: ${r.error.message}`);
    return r.value;
  };
  let attempt = newAttempt();
  let lock: LockState = UNLOCKED;
  let model: ModelLock = { failures: 0, locks: 0, lockedUntil: null };
  let log: AppliedStep[] = [];

  for (const action of actions) {
    now += action.dtMs;
    if (action.kind === "new_attempt") {
      attempt = newAttempt();
      log = [];
      continue; // S7: starting an attempt leaves the user's counter alone (the lock is not even an input)
    }

    const current = attempt.chain[attempt.cursor];
    const factorId =
      action.target.kind === "current"
        ? (current ?? "f0")
        : action.target.kind === "factor"
          ? (policy.factors[action.target.index]?.id as string)
          : "stranger";
    const digits = digitsOfId(policy, factorId);
    const code = action.code === "well_formed" ? "7".repeat(digits) : "７".repeat(digits);

    const ctx = { attempt, lock, policy, now };
    const admission = admitSubmission(ctx, { factorId, code });
    expect(admissionKey(admission)).toBe(expectedAdmission(attempt, model, policy, now, factorId, code));
    if (admission.kind === "locked") {
      seen.lockedAnswers++;
      expect(admission.lockedUntil).toBe(model.lockedUntil);
      // S8: the same answer whatever the code and the factor.
      expect(admitSubmission(ctx, { factorId: "stranger", code: "x" })).toEqual(admission);
      expect(admitSubmission(ctx, { factorId: current ?? "f0", code: "1".repeat(digits) })).toEqual(admission);
    }
    if (admission.kind === "rejected" && admission.code === "attempt_expired") seen.expired++;
    if (admission.kind === "locked") continue;
    if (admission.kind === "rejected") {
      // A client told its attempt is over starts a new one; the user's counter and lock carry over.
      attempt = newAttempt();
      log = [];
      continue;
    }

    const lockedBefore = isLocked(lock, now);
    const result: StepResult = admission.kind === "failed" ? { ok: false, reason: admission.reason } : action.verdict;
    const before = attempt;
    const t = applyStepResult(ctx, result, random);
    ({ attempt, lock } = t);
    log.push({ ok: result.ok, factorId, cursor: before.cursor, chain: before.chain });

    // The per-user counter: exactly one per applied failure, a lock at maxFailures, doubling; a success clears all.
    model = result.ok ? { failures: 0, locks: 0, lockedUntil: null } : modelFailure(model, policy, now);
    expect(lock).toEqual({ consecutiveFailures: model.failures, lockCount: model.locks, lockedUntil: model.lockedUntil });
    expect(t.outcome.failuresRemaining).toBe(modelLocked(model, now) ? 0 : policy.lockout.maxFailures - model.failures);
    expect(t.outcome.lockedUntil).toBe(modelLocked(model, now) ? model.lockedUntil : null);
    if (!result.ok && modelLocked(model, now)) seen.locks++;

    if (result.ok) {
      expect(t.outcome).toMatchObject({ success: true, reset: false, failure: null });
      expect(attempt.chain).toEqual(before.chain);
      expect(attempt.cursor).toBe(before.cursor + 1);
    } else {
      seen.resets++;
      expect(t.outcome).toMatchObject({ success: false, complete: false, reset: true, failure: result.reason });
      expect(attempt).toMatchObject({ cursor: 0, status: "active" });
      expect(attempt.chain).toHaveLength(policy.requiredSteps);
      expect(new Set(attempt.chain).size).toBe(policy.requiredSteps);
      for (const id of attempt.chain) expect(before.eligible).toContain(id);
      if (policy.mode === "fixed") expect(attempt.chain).toEqual(before.chain);
      else if (attempt.chain.join() !== before.chain.join()) seen.randomRedraws++;
      expect(t.outcome.nextFactor?.id).toBe(attempt.chain[0]);
    }

    expect(t.outcome.complete).toBe(attempt.status === "completed");
    if (attempt.status === "completed") {
      seen.completions++;
      if (policy.requiredSteps >= 4) seen.longCompletions++;
      // S25: the last requiredSteps applied results are successes, for the chain's factors, in the chain's order,
      // and nothing was applied between them; and no more successes than that since the last reset.
      const n = policy.requiredSteps;
      const tail = log.slice(-n);
      expect(tail).toHaveLength(n);
      tail.forEach((s, i) => {
        expect(s).toMatchObject({ ok: true, cursor: i, factorId: attempt.chain[i] });
        expect(s.chain).toEqual(attempt.chain);
      });
      const sinceLastFailure = log.length - 1 - log.map((s) => s.ok).lastIndexOf(false);
      expect(sinceLastFailure).toBe(n);
      // Never while locked, never after expiry.
      expect(lockedBefore).toBe(false);
      expect(now).toBeLessThan(attempt.expiresAt);
      expect(t.outcome.nextFactor).toBeNull();
    }
  }
}

describe("verify transition properties", () => {
  it("S25 no sequence of submissions completes a chain without requiredSteps consecutive correct codes in chain order", () => {
    const seen = nothingYet();
    fc.assert(
      fc.property(scenarioArb, (scenario) => run(scenario, seen)),
      { numRuns: 400 },
    );
    // The property is only as strong as what the runs reached.
    expect(seen.completions).toBeGreaterThan(100);
    expect(seen.resets).toBeGreaterThan(100);
    expect(seen.randomRedraws).toBeGreaterThan(20);
    expect(seen.longCompletions).toBeGreaterThan(5);
  });

  it("S6 the failure count rises by exactly one per applied failure, across attempts, until a lock; a locked user is never let through", () => {
    const seen = nothingYet();
    fc.assert(
      fc.property(scenarioArb, (scenario) => run(scenario, seen)),
      { numRuns: 400, seed: 6 },
    );
    expect(seen.locks).toBeGreaterThan(50);
    expect(seen.lockedAnswers).toBeGreaterThan(50);
    expect(seen.expired).toBeGreaterThan(5);
  });

  it("S8 a locked user's admission does not depend on the factor or the code at all", () => {
    const arb = policyArb.chain((policy) =>
      fc.record({
        policy: fc.constant(policy),
        cursor: fc.nat(policy.requiredSteps - 1),
        lockedForMs: fc.integer({ min: 1, max: 604_800_000 }),
        elapsedMs: fc.nat(policy.attemptTtlSeconds * 1000 - 1),
        a: fc.record({
          factorId: fc.oneof(fc.constantFrom(...policy.factors.map((f) => f.id)), fc.string()),
          code: fc.string({ unit: "binary" }),
        }),
        b: fc.record({
          factorId: fc.oneof(fc.constantFrom(...policy.factors.map((f) => f.id)), fc.string()),
          code: fc.string({ unit: "binary" }),
        }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ policy, cursor, lockedForMs, elapsedMs, a, b }) => {
        const attempt = anAttempt().for(policy).atCursor(cursor).build();
        const now = TEST_EPOCH + elapsedMs;
        const lock = aLockState({ consecutiveFailures: policy.lockout.maxFailures, lockCount: 1, lockedUntil: now + lockedForMs });
        const ctx = { attempt, lock, policy, now };
        const right = attempt.chain[cursor] as string;
        const answer = { kind: "locked", lockedUntil: now + lockedForMs };
        expect(admitSubmission(ctx, a)).toEqual(answer);
        expect(admitSubmission(ctx, b)).toEqual(answer);
        expect(admitSubmission(ctx, { factorId: right, code: "0".repeat(8) })).toEqual(answer);
      }),
      { numRuns: 500 },
    );
  });

  it("S8 admission never depends on the code's value, only on its shape: two well-formed codes are admitted alike", () => {
    const arb = policyArb.chain((policy) =>
      fc.record({
        policy: fc.constant(policy),
        cursor: fc.nat(policy.requiredSteps - 1),
        lockedUntilOffset: fc.option(fc.integer({ min: -1_000_000, max: 1_000_000 })),
        elapsedMs: fc.nat(policy.attemptTtlSeconds * 2000),
        completed: fc.boolean(),
        factorIndex: fc.nat(policy.factors.length - 1),
        x: fc.nat(99_999_999),
        y: fc.nat(99_999_999),
      }),
    );
    fc.assert(
      fc.property(arb, ({ policy, cursor, lockedUntilOffset, elapsedMs, completed, factorIndex, x, y }) => {
        const builder = anAttempt().for(policy).atCursor(cursor);
        const attempt = completed ? builder.completed().build() : builder.build();
        const now = TEST_EPOCH + elapsedMs;
        const lock =
          lockedUntilOffset === null
            ? UNLOCKED
            : aLockState({ consecutiveFailures: 1, lockCount: 1, lockedUntil: now + lockedUntilOffset });
        const factor = policy.factors[factorIndex];
        if (!factor) throw new Error("no factor");
        const d = digitsOf(factor);
        const pad = (n: number) => String(n % 10 ** d).padStart(d, "0");
        const ctx = { attempt, lock, policy, now };
        const first = admitSubmission(ctx, { factorId: factor.id, code: pad(x) });
        const second = admitSubmission(ctx, { factorId: factor.id, code: pad(y) });
        if (first.kind === "check_code" && second.kind === "check_code") {
          expect({ ...first, code: "" }).toEqual({ ...second, code: "" });
        } else {
          expect(first).toEqual(second);
        }
      }),
      { numRuns: 500 },
    );
  });
});

/** The generated policies hold OTP factors only: their codes' length. */
function digitsOf(factor: PolicyFactor): number {
  if (!("digits" in factor.options)) throw new Error(`the model covers OTP factors, not ${factor.type}`);
  return factor.options.digits;
}
const digitsOfId = (policy: Policy, factorId: string): number => {
  const factor = policy.factors.find((f) => f.id === factorId);
  return factor ? digitsOf(factor) : 6;
};
