// The verify transition, in two halves around the code check that adapters perform:
//   admitSubmission — expiry, completion, lockout, order and code shape, decided before any secret is touched;
//   applyStepResult — advance on success, reset and count on any failure, lock at the limit.
import { isWellFormedFor, viewOf, type FactorView, type PolicyFactor } from "../policy/factor-type.js";
import type { Policy } from "../policy/policy.js";
import type { RandomSource } from "../shared/random-source.port.js";
import type { Instant } from "../shared/time.js";
import { advance, currentFactor, isExpired, reset, type Attempt } from "./attempt.js";
import { failuresRemaining, isLocked, recordFailure, recordSuccess, type LockState } from "../lockout/lockout.policy.js";

export type FailureReason =
  /** The submitted factor is not the chain's current step. */
  | "chain_breached"
  /** Not the shape the factor's kind accepts (an OTP: exactly its number of ASCII digits). */
  | "invalid_code_format"
  /** Well-formed, but does not match the factor's secret within the server's window. */
  | "invalid_code"
  /** Matched a time step or counter already used: a replay. */
  | "code_replayed";

export interface VerifyContext {
  readonly attempt: Attempt;
  readonly lock: LockState;
  readonly policy: Policy;
  readonly now: Instant;
}

export interface Submission {
  readonly factorId: string;
  readonly code: string;
}

export type Admission =
  | { readonly kind: "rejected"; readonly code: "attempt_expired" | "attempt_completed" }
  | { readonly kind: "locked"; readonly lockedUntil: Instant }
  | { readonly kind: "failed"; readonly reason: "chain_breached" | "invalid_code_format" }
  | { readonly kind: "check_code"; readonly factor: PolicyFactor; readonly code: string };

export function admitSubmission(ctx: VerifyContext, submission: Submission): Admission {
  const { attempt, lock, policy, now } = ctx;
  if (attempt.status === "completed") return { kind: "rejected", code: "attempt_completed" };
  if (isExpired(attempt, now)) return { kind: "rejected", code: "attempt_expired" };
  // Decided before the code is looked at, so a locked user learns nothing about the code's correctness.
  if (isLocked(lock, now)) return { kind: "locked", lockedUntil: lock.lockedUntil as Instant };
  const factor = currentFactor(attempt, policy) as PolicyFactor;
  if (submission.factorId !== factor.id) return { kind: "failed", reason: "chain_breached" };
  if (!isWellFormedFor(factor, submission.code)) return { kind: "failed", reason: "invalid_code_format" };
  return { kind: "check_code", factor, code: submission.code };
}

export type StepResult = { readonly ok: true } | { readonly ok: false; readonly reason: FailureReason };

export interface VerifyOutcome {
  readonly success: boolean;
  readonly complete: boolean;
  readonly reset: boolean;
  /** The factor to pass next (step 1 of the new chain after a reset), or null when complete. */
  readonly nextFactor: FactorView | null;
  readonly failuresRemaining: number;
  readonly lockedUntil: Instant | null;
  readonly expiresAt: Instant;
  /** Why the step failed; for audit and for the edge's choice of status. Null on success. */
  readonly failure: FailureReason | null;
}

export interface StepTransition {
  readonly attempt: Attempt;
  readonly lock: LockState;
  readonly outcome: VerifyOutcome;
}

export function applyStepResult(ctx: VerifyContext, result: StepResult, random: RandomSource): StepTransition {
  const { policy, now } = ctx;
  if (result.ok) {
    const attempt = advance(ctx.attempt, now);
    const lock = recordSuccess();
    const next = currentFactor(attempt, policy);
    return {
      attempt,
      lock,
      outcome: {
        success: true,
        complete: attempt.status === "completed",
        reset: false,
        nextFactor: next ? viewOf(next) : null,
        failuresRemaining: failuresRemaining(lock, policy.lockout, now),
        lockedUntil: null,
        expiresAt: attempt.expiresAt,
        failure: null,
      },
    };
  }
  const attempt = reset(ctx.attempt, policy, random);
  const lock = recordFailure(ctx.lock, policy.lockout, now);
  const locked = isLocked(lock, now);
  return {
    attempt,
    lock,
    outcome: {
      success: false,
      complete: false,
      reset: true,
      nextFactor: viewOf(currentFactor(attempt, policy) as PolicyFactor),
      failuresRemaining: failuresRemaining(lock, policy.lockout, now),
      lockedUntil: locked ? lock.lockedUntil : null,
      expiresAt: attempt.expiresAt,
      failure: result.reason,
    },
  };
}
