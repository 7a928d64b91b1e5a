import { aLockState, aPolicy, TEST_EPOCH, secondsAfter } from "../testing/index.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LockoutSettings } from "../policy/policy.js";
import {
  UNLOCKED,
  failuresRemaining,
  isLocked,
  lockDurationSeconds,
  recordFailure,
  recordSuccess,
  strictestLockout,
  unlock,
  type LockState,
} from "./lockout.policy.js";

const defaults: LockoutSettings = aPolicy().build().lockout;

/** Records `n` failures, all at `now`. */
function failTimes(lock: LockState, n: number, settings: LockoutSettings, now: number): LockState {
  let l = lock;
  for (let i = 0; i < n; i++) l = recordFailure(l, settings, now);
  return l;
}

describe("lockout", () => {
  it("uses the policy defaults 5 / 300 s / 3600 s", () => {
    expect(defaults).toEqual({ maxFailures: 5, baseSeconds: 300, maxSeconds: 3600 });
  });

  it("S6 counts exactly one per failure and locks at maxFailures for baseSeconds", () => {
    let lock: LockState = UNLOCKED;
    for (let i = 1; i <= 4; i++) {
      lock = recordFailure(lock, defaults, TEST_EPOCH);
      expect(lock).toEqual({ consecutiveFailures: i, lockCount: 0, lockedUntil: null });
      expect(failuresRemaining(lock, defaults, TEST_EPOCH)).toBe(5 - i);
      expect(isLocked(lock, TEST_EPOCH)).toBe(false);
    }
    lock = recordFailure(lock, defaults, TEST_EPOCH);
    expect(lock).toEqual({ consecutiveFailures: 5, lockCount: 1, lockedUntil: secondsAfter(300) });
    expect(isLocked(lock, TEST_EPOCH)).toBe(true);
    expect(isLocked(lock, secondsAfter(299.999))).toBe(true);
    expect(isLocked(lock, secondsAfter(300))).toBe(false);
    expect(failuresRemaining(lock, defaults, TEST_EPOCH)).toBe(0);
  });

  it("maxFailures 1 locks on the first failure", () => {
    const lock = recordFailure(UNLOCKED, { ...defaults, maxFailures: 1 }, TEST_EPOCH);
    expect(lock.lockedUntil).toBe(secondsAfter(300));
  });

  it("doubles each further lock up to maxSeconds: 300, 600, 1200, 2400, 3600, 3600", () => {
    let lock: LockState = UNLOCKED;
    let now = TEST_EPOCH;
    const durations: number[] = [];
    for (let round = 0; round < 7; round++) {
      lock = failTimes(lock, 5, defaults, now);
      expect(lock.lockCount).toBe(round + 1);
      durations.push(((lock.lockedUntil as number) - now) / 1000);
      now = lock.lockedUntil as number; // the lock has just run out
    }
    expect(durations).toEqual([300, 600, 1200, 2400, 3600, 3600, 3600]);
  });

  it("after a lock expires a new round of maxFailures tries starts, but the back-off history stays", () => {
    const locked = failTimes(UNLOCKED, 5, defaults, TEST_EPOCH);
    const after = secondsAfter(300);
    expect(failuresRemaining(locked, defaults, after)).toBe(5);
    const one = recordFailure(locked, defaults, after);
    expect(one).toEqual({ consecutiveFailures: 1, lockCount: 1, lockedUntil: null });
    const relocked = failTimes(one, 4, defaults, after);
    expect(relocked.lockedUntil).toBe(after + 600_000);
  });

  it("S7 only a success clears the count and the back-off history", () => {
    const lock = failTimes(failTimes(UNLOCKED, 5, defaults, TEST_EPOCH), 3, defaults, secondsAfter(300));
    expect(lock).toEqual({ consecutiveFailures: 3, lockCount: 1, lockedUntil: null });
    expect(recordSuccess()).toEqual(UNLOCKED);
    const fresh = failTimes(recordSuccess(), 5, defaults, secondsAfter(400));
    expect(fresh.lockedUntil).toBe(secondsAfter(400 + 300));
  });

  it("unlock() ends the lock and the count but keeps the back-off history", () => {
    const locked = failTimes(UNLOCKED, 5, defaults, TEST_EPOCH);
    const unlocked = unlock(locked);
    expect(unlocked).toEqual({ consecutiveFailures: 0, lockCount: 1, lockedUntil: null });
    expect(isLocked(unlocked, TEST_EPOCH)).toBe(false);
    expect(failuresRemaining(unlocked, defaults, TEST_EPOCH)).toBe(5);
    expect(failTimes(unlocked, 5, defaults, TEST_EPOCH).lockedUntil).toBe(secondsAfter(600));
  });

  it("failuresRemaining never goes below 0 and counts a stale lock as run out", () => {
    expect(failuresRemaining(aLockState({ consecutiveFailures: 9 }), defaults, TEST_EPOCH)).toBe(0);
    const stale = aLockState({ consecutiveFailures: 5, lockCount: 1, lockedUntil: TEST_EPOCH });
    expect(failuresRemaining(stale, defaults, TEST_EPOCH)).toBe(5);
  });

  it("does not mutate the state it is given", () => {
    const lock = aLockState({ consecutiveFailures: 2 });
    recordFailure(lock, defaults, TEST_EPOCH);
    unlock(lock);
    expect(lock).toEqual({ consecutiveFailures: 2, lockCount: 0, lockedUntil: null });
    expect(Object.isFrozen(UNLOCKED)).toBe(true);
  });
});

describe("lockout properties", () => {
  const settings = fc
    .record({ maxFailures: fc.integer({ min: 1, max: 100 }), baseSeconds: fc.integer({ min: 1, max: 604_800 }), extra: fc.nat(604_800) })
    .map(({ maxFailures, baseSeconds, extra }) => ({ maxFailures, baseSeconds, maxSeconds: Math.min(604_800, baseSeconds + extra) }));

  it("lockDurationSeconds equals min(base·2ⁿ, max), is non-decreasing in n and never above max", () => {
    fc.assert(
      fc.property(settings, fc.nat(2000), (s, n) => {
        const d = lockDurationSeconds(s, n);
        expect(d).toBe(Math.min(s.baseSeconds * 2 ** n, s.maxSeconds));
        expect(d).toBeLessThanOrEqual(s.maxSeconds);
        expect(d).toBeGreaterThanOrEqual(s.baseSeconds);
        expect(Number.isFinite(d)).toBe(true);
        expect(lockDurationSeconds(s, n + 1)).toBeGreaterThanOrEqual(d);
      }),
      { numRuns: 2000 },
    );
  });

  it("S6 any run of failures at one instant locks exactly at maxFailures, counting one per failure", () => {
    fc.assert(
      fc.property(settings, (s) => {
        let lock: LockState = UNLOCKED;
        for (let i = 1; i < s.maxFailures; i++) {
          lock = recordFailure(lock, s, TEST_EPOCH);
          expect(lock.consecutiveFailures).toBe(i);
          expect(isLocked(lock, TEST_EPOCH)).toBe(false);
        }
        lock = recordFailure(lock, s, TEST_EPOCH);
        expect(lock.consecutiveFailures).toBe(s.maxFailures);
        expect(lock.lockedUntil).toBe(TEST_EPOCH + s.baseSeconds * 1000);
      }),
      { numRuns: 200 },
    );
  });
});

describe("strictestLockout (failures outside an attempt)", () => {
  it("takes the fewest failures and the longest locks of the tenant's policies, or the defaults without any", () => {
    const a = { maxFailures: 10, baseSeconds: 60, maxSeconds: 600 };
    const b = { maxFailures: 3, baseSeconds: 30, maxSeconds: 7200 };
    expect(strictestLockout([a, b], defaults)).toEqual({ maxFailures: 3, baseSeconds: 60, maxSeconds: 7200 });
    expect(strictestLockout([a], defaults)).toEqual(a);
    expect(strictestLockout([], defaults)).toEqual(defaults);
  });
});
