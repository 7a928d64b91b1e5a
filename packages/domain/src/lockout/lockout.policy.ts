// Per-user consecutive-failure counting and lockout with doubling back-off. Only a success clears the count.
import type { LockoutSettings } from "../policy/policy.js";
import { seconds, type Instant } from "../shared/time.js";

export interface LockState {
  /** Failures since the last success or the last lock, whichever came later. */
  readonly consecutiveFailures: number;
  /** Locks since the last success; each one doubles the next lock's length. */
  readonly lockCount: number;
  readonly lockedUntil: Instant | null;
}

export const UNLOCKED: LockState = Object.freeze({ consecutiveFailures: 0, lockCount: 0, lockedUntil: null });

export const isLocked = (lock: LockState, now: Instant): boolean => lock.lockedUntil !== null && now < lock.lockedUntil;

/** Length of the n-th lock (n from 0): base × 2ⁿ, capped at max. */
export function lockDurationSeconds(settings: LockoutSettings, lockIndex: number): number {
  // Cap the exponent: 2^31 × anything is already past every allowed maximum.
  const factor = 2 ** Math.min(lockIndex, 31);
  return Math.min(settings.baseSeconds * factor, settings.maxSeconds);
}

/** A lock that has run out starts a fresh round of tries; its count of past locks stays until a success. */
function settle(lock: LockState, now: Instant): LockState {
  return lock.lockedUntil !== null && now >= lock.lockedUntil ? { ...lock, consecutiveFailures: 0, lockedUntil: null } : lock;
}

export function recordFailure(lock: LockState, settings: LockoutSettings, now: Instant): LockState {
  const current = settle(lock, now);
  const consecutiveFailures = current.consecutiveFailures + 1;
  if (consecutiveFailures < settings.maxFailures) return { ...current, consecutiveFailures };
  return {
    consecutiveFailures,
    lockCount: current.lockCount + 1,
    lockedUntil: now + seconds(lockDurationSeconds(settings, current.lockCount)),
  };
}

export const recordSuccess = (): LockState => UNLOCKED;

/** An administrator's unlock ends the current lock and the count, but keeps the back-off history. */
export const unlock = (lock: LockState): LockState => ({ ...lock, consecutiveFailures: 0, lockedUntil: null });

export function failuresRemaining(lock: LockState, settings: LockoutSettings, now: Instant): number {
  if (isLocked(lock, now)) return 0;
  return Math.max(0, settings.maxFailures - settle(lock, now).consecutiveFailures);
}

/**
 * The lockout that applies to a failure outside any attempt (an enrollment confirmation, a HOTP resync): the strictest
 * of the tenant's policies — fewest failures, longest locks — so that no flow gives a guesser more room than the
 * tenant's strictest chain does. The defaults when the tenant has no policy.
 */
export function strictestLockout(settings: readonly LockoutSettings[], defaults: LockoutSettings): LockoutSettings {
  if (settings.length === 0) return defaults;
  return {
    maxFailures: Math.min(...settings.map((s) => s.maxFailures)),
    baseSeconds: Math.max(...settings.map((s) => s.baseSeconds)),
    maxSeconds: Math.max(...settings.map((s) => s.maxSeconds)),
  };
}
