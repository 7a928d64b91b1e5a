// An attempt: one run through a drawn chain of factors, strictly in order, reset to step 1 by any failure.
import { viewOf, type FactorView, type PolicyFactor } from "../policy/factor-type.js";
import { findFactor, type Policy } from "../policy/policy.js";
import { err, ok, type Result } from "../shared/result.js";
import type { RandomSource } from "../shared/random-source.port.js";
import { seconds, type Instant } from "../shared/time.js";

export type AttemptStatus = "active" | "completed";

export interface Attempt {
  readonly id: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly policyId: string;
  readonly policyVersion: number;
  /** Factor ids of the current chain, in the order they must be passed. */
  readonly chain: readonly string[];
  /** Factor ids the user had confirmed when the attempt started: the pool a random chain is redrawn from. */
  readonly eligible: readonly string[];
  /** Index into `chain` of the step to pass next. */
  readonly cursor: number;
  readonly status: AttemptStatus;
  readonly createdAt: Instant;
  readonly expiresAt: Instant;
  readonly completedAt: Instant | null;
  /** Optimistic-concurrency version, bumped by every change. */
  readonly version: number;
}

export interface MissingFactorsError {
  readonly code: "factors_not_enrolled";
  /** Fixed mode: exactly these must be enrolled. Random mode: enroll `needed` more among these. */
  readonly missing: readonly FactorView[];
  readonly needed: number;
  readonly message: string;
}

/**
 * Draws a chain. Fixed: the first `requiredSteps` factors in policy order. Random: `requiredSteps` distinct confirmed
 * factors in uniformly random order, by a partial Fisher–Yates shuffle over the injected random source.
 */
export function drawChain(
  policy: Policy,
  confirmedFactorIds: ReadonlySet<string>,
  random: RandomSource,
): Result<{ chain: string[]; eligible: string[] }, MissingFactorsError> {
  const eligible = policy.factors.filter((f) => confirmedFactorIds.has(f.id)).map((f) => f.id);
  if (policy.mode === "fixed") {
    const required = policy.factors.slice(0, policy.requiredSteps);
    const missing = required.filter((f) => !confirmedFactorIds.has(f.id));
    if (missing.length > 0) {
      return err({
        code: "factors_not_enrolled",
        missing: missing.map(viewOf),
        needed: missing.length,
        message: `enroll and confirm ${missing.map((f) => `"${f.id}" (${f.label})`).join(", ")} before starting`,
      });
    }
    return ok({ chain: required.map((f) => f.id), eligible });
  }
  if (eligible.length < policy.requiredSteps) {
    const needed = policy.requiredSteps - eligible.length;
    const candidates = policy.factors.filter((f) => !confirmedFactorIds.has(f.id));
    return err({
      code: "factors_not_enrolled",
      missing: candidates.map(viewOf),
      needed,
      message: `enroll and confirm ${needed} more of ${candidates.map((f) => `"${f.id}" (${f.label})`).join(", ")} before starting (${policy.requiredSteps} required, ${eligible.length} confirmed)`,
    });
  }
  return ok({ chain: shuffledPrefix(eligible, policy.requiredSteps, random), eligible });
}

/**
 * How many different chains drawChain can give when every factor of the policy is confirmed: 1 in fixed mode, and in
 * random mode the ordered choices of `requiredSteps` among the factors (M! / (M - N)!).
 */
export function possibleChainCount(policy: Pick<Policy, "mode" | "requiredSteps" | "factors">): number {
  if (policy.mode === "fixed") return 1;
  let count = 1;
  for (let i = 0; i < policy.requiredSteps; i++) count *= policy.factors.length - i;
  return count;
}

/** The first k elements of a uniformly random permutation (partial Fisher–Yates). */
export function shuffledPrefix<T>(items: readonly T[], k: number, random: RandomSource): T[] {
  const pool = [...items];
  for (let i = 0; i < k; i++) {
    const j = i + random.nextInt(pool.length - i);
    const picked = pool[j] as T;
    pool[j] = pool[i] as T;
    pool[i] = picked;
  }
  return pool.slice(0, k);
}

export interface NewAttempt {
  readonly id: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly policy: Policy;
  readonly confirmedFactorIds: ReadonlySet<string>;
  readonly now: Instant;
}

export function startAttempt(input: NewAttempt, random: RandomSource): Result<Attempt, MissingFactorsError> {
  const drawn = drawChain(input.policy, input.confirmedFactorIds, random);
  if (!drawn.ok) return drawn;
  return ok({
    id: input.id,
    tenantId: input.tenantId,
    userId: input.userId,
    policyId: input.policy.id,
    policyVersion: input.policy.version,
    chain: drawn.value.chain,
    eligible: drawn.value.eligible,
    cursor: 0,
    status: "active",
    createdAt: input.now,
    expiresAt: input.now + seconds(input.policy.attemptTtlSeconds),
    completedAt: null,
    version: 1,
  });
}

export const isExpired = (attempt: Attempt, now: Instant): boolean => now >= attempt.expiresAt;

/** The factor the user must pass next, or null once complete. */
export function currentFactor(attempt: Attempt, policy: Policy): PolicyFactor | null {
  if (attempt.status === "completed") return null;
  const id = attempt.chain[attempt.cursor];
  const factor = id === undefined ? undefined : findFactor(policy, id);
  if (!factor) throw new Error(`attempt ${attempt.id} points at factor "${String(id)}" missing from policy version ${policy.version}`);
  return factor;
}

/** Success: the cursor moves on, and past the last step the attempt completes. */
export function advance(attempt: Attempt, now: Instant): Attempt {
  const cursor = attempt.cursor + 1;
  const complete = cursor >= attempt.chain.length;
  return {
    ...attempt,
    cursor: complete ? attempt.chain.length : cursor,
    status: complete ? "completed" : "active",
    completedAt: complete ? now : null,
    version: attempt.version + 1,
  };
}

/** Any failure: back to step 1; a random chain is drawn afresh from the same eligible factors. */
export function reset(attempt: Attempt, policy: Policy, random: RandomSource): Attempt {
  const chain = policy.mode === "random" ? shuffledPrefix(attempt.eligible, policy.requiredSteps, random) : attempt.chain;
  return { ...attempt, chain, cursor: 0, version: attempt.version + 1 };
}
