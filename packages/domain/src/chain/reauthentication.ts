// Changing a user's factors needs proof of presence: a chain that user completed moments ago (S29).
import type { Instant } from "../shared/time.js";
import type { Attempt } from "./attempt.js";

/** How recent a completed attempt must be to authorise a change to the user's factors. */
export const REAUTH_MAX_AGE_SECONDS = 300;

export function isFreshCompletion(attempt: Attempt, userId: string, now: Instant): boolean {
  return (
    attempt.userId === userId &&
    attempt.status === "completed" &&
    attempt.completedAt !== null &&
    now - attempt.completedAt <= REAUTH_MAX_AGE_SECONDS * 1000
  );
}
