// The lifetimes and windows of the push protocol. The server clock is the only clock: a device's timestamp is only
// compared with it, never trusted.
import type { Instant } from "../shared/time.js";

/** A challenge lives 2 minutes (SPEC §3 push). */
export const PUSH_CHALLENGE_LIFETIME_MS = 2 * 60_000;
/** A one-time enrollment token lives 10 minutes. */
export const PUSH_ENROLLMENT_LIFETIME_MS = 10 * 60_000;
/** A signed poll's timestamp must be within ±60 s of the server clock. */
export const PUSH_POLL_WINDOW_MS = 60_000;

export const pushChallengeExpiresAt = (issuedAt: Instant): Instant => issuedAt + PUSH_CHALLENGE_LIFETIME_MS;
export const pushEnrollmentExpiresAt = (issuedAt: Instant): Instant => issuedAt + PUSH_ENROLLMENT_LIFETIME_MS;

/** Whether a challenge or an enrollment token issued to expire at `expiresAt` is still alive. */
export const isPushAlive = (expiresAt: Instant, now: Instant): boolean => now < expiresAt;

export type PushPollTimestampCheck = { readonly ok: true } | { readonly ok: false; readonly reason: "stale" | "in_future" };

/** A poll is accepted only if its signed timestamp is within the window either side of the server's now. */
export function checkPushPollTimestamp(timestamp: Instant, now: Instant): PushPollTimestampCheck {
  if (timestamp < now - PUSH_POLL_WINDOW_MS) return { ok: false, reason: "stale" };
  if (timestamp > now + PUSH_POLL_WINDOW_MS) return { ok: false, reason: "in_future" };
  return { ok: true };
}

/**
 * Until when a poll's nonce must be remembered (per device) to refuse its replay. After that instant the timestamp
 * check alone refuses the same signed poll, so the nonce may be forgotten: the nonce store stays bounded.
 */
export const pushPollNonceRetainUntil = (timestamp: Instant): Instant => timestamp + PUSH_POLL_WINDOW_MS;
