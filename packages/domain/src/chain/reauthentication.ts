// Changing a user's factors needs proof of presence: a chain that user completed moments ago (S29).
import type { Instant } from "../shared/time.js";
import type { Attempt } from "./attempt.js";

/** How recent a completed attempt must be to authorise a change to the user's factors. */
export const REAUTH_MAX_AGE_SECONDS = 300;

/** Why an attempt does not re-authenticate the user now, in words; null when it does. */
export function reauthenticationRefusal(attempt: Attempt | null, userId: string, now: Instant): string | null {
  if (!attempt) return "no such attempt";
  if (attempt.userId !== userId) return "it is another user's attempt";
  if (attempt.status !== "completed" || attempt.completedAt === null) return "it is not completed";
  if (now - attempt.completedAt > REAUTH_MAX_AGE_SECONDS * 1000) return `it was completed more than ${REAUTH_MAX_AGE_SECONDS} seconds ago`;
  return null;
}

export function isFreshCompletion(attempt: Attempt, userId: string, now: Instant): boolean {
  return reauthenticationRefusal(attempt, userId, now) === null;
}
