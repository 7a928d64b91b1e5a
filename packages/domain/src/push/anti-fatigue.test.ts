import { describe, expect, it } from "vitest";
import { secondsAfter, TEST_EPOCH } from "../testing/index.js";
import {
  arePushFatigueLimits,
  checkPushAllowance,
  DEFAULT_PUSH_FATIGUE_LIMITS,
  isPushBlockedByDenies,
  pushDeniesAfter,
  type PushFatigueLimits,
} from "./anti-fatigue.js";
import type { PushAnswerOutcome } from "./number-matching.js";
import { pushChallengeExpiresAt } from "./push-timing.js";

const limits: PushFatigueLimits = { maxPending: 2, maxPerHour: 5, maxDenies: 3 };
const none = { pendingExpiries: [], issuedAt: [], deniesSinceClear: 0 };

describe("anti-fatigue (S16)", () => {
  it("has sane defaults within its bounds", () => {
    expect(DEFAULT_PUSH_FATIGUE_LIMITS).toEqual({ maxPending: 2, maxPerHour: 10, maxDenies: 3 });
    expect(arePushFatigueLimits(DEFAULT_PUSH_FATIGUE_LIMITS)).toBe(true);
    expect(arePushFatigueLimits({ ...DEFAULT_PUSH_FATIGUE_LIMITS, maxPending: 0 })).toBe(false);
    expect(arePushFatigueLimits({ ...DEFAULT_PUSH_FATIGUE_LIMITS, maxPerHour: 101 })).toBe(false);
    expect(arePushFatigueLimits({ ...DEFAULT_PUSH_FATIGUE_LIMITS, maxDenies: 1.5 })).toBe(false);
  });

  it("allows a first push", () => {
    expect(checkPushAllowance(none, limits, TEST_EPOCH)).toEqual({ allowed: true });
  });

  it("refuses the (N+1)th pending push until the earliest pending one ends", () => {
    const issued = [secondsAfter(-30), secondsAfter(-10)];
    const state = { ...none, issuedAt: issued, pendingExpiries: issued.map(pushChallengeExpiresAt) };
    expect(checkPushAllowance(state, limits, TEST_EPOCH)).toEqual({
      allowed: false,
      reason: "too_many_pending",
      retryAt: pushChallengeExpiresAt(secondsAfter(-30)),
    });
    // Once it has expired, a push is allowed again; expired entries are ignored.
    expect(checkPushAllowance(state, limits, secondsAfter(90))).toEqual({ allowed: true });
    expect(checkPushAllowance({ ...state, pendingExpiries: [secondsAfter(90)] }, limits, TEST_EPOCH)).toEqual({ allowed: true });
  });

  it("refuses the (M+1)th push in an hour until the oldest of the last M is an hour old", () => {
    const issuedAt = [-3000, -2000, -1000, -500, -100].map((s) => secondsAfter(s));
    const state = { ...none, issuedAt };
    expect(checkPushAllowance(state, limits, TEST_EPOCH)).toEqual({ allowed: false, reason: "hourly_limit", retryAt: secondsAfter(600) });
    expect(checkPushAllowance(state, limits, secondsAfter(600)).allowed).toBe(true);
    // Pushes older than an hour do not count.
    expect(checkPushAllowance({ ...none, issuedAt: [secondsAfter(-3601), ...issuedAt.slice(1)] }, limits, TEST_EPOCH).allowed).toBe(true);
  });

  it("when both limits refuse, retries when both allow", () => {
    const issuedAt = [-3000, -2000, -1000, -50, -40].map((s) => secondsAfter(s));
    const pendingExpiries = issuedAt.slice(-2).map(pushChallengeExpiresAt);
    expect(checkPushAllowance({ ...none, issuedAt, pendingExpiries }, limits, TEST_EPOCH)).toMatchObject({
      reason: "hourly_limit",
      retryAt: secondsAfter(600),
    });
    const fewIssued = issuedAt.slice(-3);
    expect(checkPushAllowance({ ...none, issuedAt: fewIssued, pendingExpiries }, limits, TEST_EPOCH)).toMatchObject({
      reason: "too_many_pending",
      retryAt: pushChallengeExpiresAt(secondsAfter(-50)),
    });
  });

  it("stops pushes after repeated denies until cleared, with no time to retry", () => {
    let denies = 0;
    const outcomes: PushAnswerOutcome[] = ["denied", "approved", "wrong_number", "expired", "reported_fraud", "denied"];
    for (const outcome of outcomes) denies = pushDeniesAfter(denies, outcome);
    expect(denies).toBe(3);
    expect(isPushBlockedByDenies(denies, limits)).toBe(true);
    expect(checkPushAllowance({ ...none, deniesSinceClear: denies }, limits, TEST_EPOCH)).toEqual({
      allowed: false,
      reason: "blocked_after_denies",
      retryAt: null,
    });
    expect(checkPushAllowance({ ...none, deniesSinceClear: 2 }, limits, TEST_EPOCH).allowed).toBe(true);
  });
});
