import { currentFactor, viewOf, type Attempt, type Policy } from "@mfa-chain/domain";
import type { AppError } from "../shared/application.errors.js";

export const attemptNotFound = (): AppError => ({ code: "attempt_not_found", message: "no such attempt" });

/** What the relying party may read back: the current step only, never the steps after it. */
export function viewAttempt(attempt: Attempt, policy: Policy) {
  const current = currentFactor(attempt, policy);
  return {
    attemptId: attempt.id,
    userId: attempt.userId,
    policyId: attempt.policyId,
    policyVersion: attempt.policyVersion,
    status: attempt.status,
    complete: attempt.status === "completed",
    steps: attempt.chain.length,
    stepsPassed: attempt.cursor,
    currentFactor: current ? viewOf(current) : null,
    createdAt: attempt.createdAt,
    expiresAt: attempt.expiresAt,
    completedAt: attempt.completedAt,
  };
}
export type AttemptView = ReturnType<typeof viewAttempt>;
