// Anti-fatigue (S16): a user cannot be flooded with pushes until they approve one by mistake. At most N pending
// pushes and M pushes an hour per user (refused beyond, with when to retry), and repeated denies stop pushes to that
// user until an administrator or a completed chain clears them. Pure decisions; the application counts and stores.
import type { Instant } from "../shared/time.js";
import type { PushAnswerOutcome } from "./number-matching.js";

export interface PushFatigueLimits {
  /** Challenges alive and unanswered at once, per user. */
  readonly maxPending: number;
  /** Challenges issued within any hour, per user. */
  readonly maxPerHour: number;
  /** Denies (reported fraud included) since the last clear that stop pushes to the user. */
  readonly maxDenies: number;
}

/**
 * One push at a time plus one (a second tab, a retry after a lost notification); ten an hour is far more than a person
 * signs in; three denies in a row is what a fatigue attack looks like, and a real user can still use another factor.
 */
export const DEFAULT_PUSH_FATIGUE_LIMITS: PushFatigueLimits = { maxPending: 2, maxPerHour: 10, maxDenies: 3 };

/** What a policy may set: each limit at least 1, so a push is always possible, and bounded, so it still protects. */
export const PUSH_FATIGUE_BOUNDS: Readonly<Record<keyof PushFatigueLimits, { readonly min: number; readonly max: number }>> = {
  maxPending: { min: 1, max: 10 },
  maxPerHour: { min: 1, max: 100 },
  maxDenies: { min: 1, max: 20 },
};

export const PUSH_FATIGUE_WINDOW_MS = 60 * 60_000;

export const arePushFatigueLimits = (v: PushFatigueLimits): boolean =>
  (Object.keys(PUSH_FATIGUE_BOUNDS) as (keyof PushFatigueLimits)[]).every((key) => {
    const value = v[key];
    const { min, max } = PUSH_FATIGUE_BOUNDS[key];
    return Number.isSafeInteger(value) && value >= min && value <= max;
  });

/** What the application knows about one user's pushes when a new one is asked for. */
export interface PushFatigueState {
  /** When each unanswered challenge of the user expires (expired ones may be included: they are ignored). */
  readonly pendingExpiries: readonly Instant[];
  /** When each challenge of the user was issued, at least those of the last hour (older ones are ignored). */
  readonly issuedAt: readonly Instant[];
  /** Denies since the last clear (an administrator's, or a completed chain's). */
  readonly deniesSinceClear: number;
}

export type PushFatigueRefusal = "blocked_after_denies" | "too_many_pending" | "hourly_limit";

/** `retryAt` says when a refused push would be allowed (HTTP 429 with Retry-After); null: not before a clear. */
export type PushAllowance =
  { readonly allowed: true } | { readonly allowed: false; readonly reason: PushFatigueRefusal; readonly retryAt: Instant | null };

export function checkPushAllowance(state: PushFatigueState, limits: PushFatigueLimits, now: Instant): PushAllowance {
  if (state.deniesSinceClear >= limits.maxDenies) return { allowed: false, reason: "blocked_after_denies", retryAt: null };

  const pending = state.pendingExpiries.filter((expiresAt) => expiresAt > now).sort((a, b) => a - b);
  // With p pending and room for n, p - n + 1 of them must end first: the earliest expiries end first.
  const pendingFreeAt = pending.length >= limits.maxPending ? pending[pending.length - limits.maxPending] : undefined;

  const newestFirst = state.issuedAt.filter((at) => at > now - PUSH_FATIGUE_WINDOW_MS && at <= now).sort((a, b) => b - a);
  const nth = newestFirst[limits.maxPerHour - 1];
  const hourFreeAt = nth === undefined ? undefined : nth + PUSH_FATIGUE_WINDOW_MS;

  if (hourFreeAt !== undefined && (pendingFreeAt === undefined || hourFreeAt >= pendingFreeAt)) {
    return { allowed: false, reason: "hourly_limit", retryAt: hourFreeAt };
  }
  if (pendingFreeAt !== undefined) return { allowed: false, reason: "too_many_pending", retryAt: pendingFreeAt };
  return { allowed: true };
}

/** The deny count after an answer: denies and reported fraud add one; nothing else changes it (only a clear does). */
export function pushDeniesAfter(deniesSinceClear: number, outcome: PushAnswerOutcome): number {
  switch (outcome) {
    case "denied":
    case "reported_fraud":
      return deniesSinceClear + 1;
    case "approved":
    case "wrong_number":
    case "expired":
      return deniesSinceClear;
  }
}

/** Whether pushes to the user are stopped by denies, until a clear. */
export const isPushBlockedByDenies = (deniesSinceClear: number, limits: PushFatigueLimits): boolean => deniesSinceClear >= limits.maxDenies;
