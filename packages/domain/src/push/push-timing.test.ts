import { describe, expect, it } from "vitest";
import { secondsAfter, TEST_EPOCH } from "../testing/index.js";
import {
  checkPushPollTimestamp,
  isPushAlive,
  PUSH_CHALLENGE_LIFETIME_MS,
  PUSH_POLL_WINDOW_MS,
  pushChallengeExpiresAt,
  pushEnrollmentExpiresAt,
  pushPollNonceRetainUntil,
} from "./push-timing.js";

describe("push clocks", () => {
  it("gives a challenge 2 minutes and an enrollment token 10", () => {
    expect(PUSH_CHALLENGE_LIFETIME_MS).toBe(120_000);
    expect(pushChallengeExpiresAt(TEST_EPOCH)).toBe(secondsAfter(120));
    expect(pushEnrollmentExpiresAt(TEST_EPOCH)).toBe(secondsAfter(600));
    expect(isPushAlive(secondsAfter(120), secondsAfter(119.999))).toBe(true);
    expect(isPushAlive(secondsAfter(120), secondsAfter(120))).toBe(false);
  });

  it.each([
    [-60, { ok: true }],
    [60, { ok: true }],
    [0, { ok: true }],
    [-60.001, { ok: false, reason: "stale" }],
    [60.001, { ok: false, reason: "in_future" }],
    [-3600, { ok: false, reason: "stale" }],
  ])("a poll stamped %s s from the server's now: %o", (offset, expected) => {
    expect(checkPushPollTimestamp(secondsAfter(offset), TEST_EPOCH)).toEqual(expected);
  });

  it("keeps a nonce exactly as long as its poll's timestamp would pass", () => {
    const stamped = TEST_EPOCH;
    const until = pushPollNonceRetainUntil(stamped);
    expect(until).toBe(stamped + PUSH_POLL_WINDOW_MS);
    expect(checkPushPollTimestamp(stamped, until).ok).toBe(true);
    expect(checkPushPollTimestamp(stamped, until + 1).ok).toBe(false);
  });
});
