// HOTP (RFC 4226): generation through otplib, verification with a bounded look-ahead, and resynchronisation.
import { createGuardrails, generateSync, type HashAlgorithm } from "otplib";
import { isAsciiDigits } from "./code-shape.js";
import { assertCounter, assertOtpParams, CodeMatcher } from "./hotp-core.js";
import type { HotpOptions, HotpResync, HotpResyncInput, HotpVerifyInput, OtpAlgorithm, OtpMatch } from "./otp.types.js";
import { MIN_SECRET_BYTES } from "./secret.js";

/** The largest look-ahead `verifyHotp` accepts: a wider search only makes guessing easier. */
export const MAX_HOTP_LOOK_AHEAD = 100;
/** Default and largest window of `resyncHotp`. */
export const DEFAULT_HOTP_RESYNC_WINDOW = 1000;
export const MAX_HOTP_RESYNC_WINDOW = 10_000;

export const OTPLIB_ALGORITHM: Readonly<Record<OtpAlgorithm, HashAlgorithm>> = { SHA1: "sha1", SHA256: "sha256", SHA512: "sha512" };
// otplib refuses secrets under 16 bytes by default; imported 80-bit seeds are common, see MIN_SECRET_BYTES.
export const OTPLIB_GUARDRAILS = createGuardrails({ MIN_SECRET_BYTES });

const NO_MATCH: OtpMatch = Object.freeze({ kind: "no_match" });

/**
 * The HOTP code of `counter` (RFC 4226 §5.3), `digits` long with leading zeros. Computed by otplib with its own
 * (pure JavaScript) HMAC, independent of the node:crypto path that verifies codes.
 */
export function generateHotp(secret: Uint8Array, counter: number, options: HotpOptions): string {
  assertOtpParams(secret, options.algorithm, options.digits);
  assertCounter("counter", counter);
  return generateSync({
    strategy: "hotp",
    secret,
    counter,
    algorithm: OTPLIB_ALGORITHM[options.algorithm],
    digits: options.digits,
    guardrails: OTPLIB_GUARDRAILS,
  });
}

/**
 * Searches counters `counter … counter + lookAhead` in order and returns the first that produces `code`, as
 * `{ kind: "match", step: counter }`; the caller then stores `step + 1` as the next expected counter. A code that is
 * not exactly `digits` ASCII digits is `no_match` without any HMAC. `lookAhead` above {@link MAX_HOTP_LOOK_AHEAD}, a
 * negative or fractional counter, or an unsupported secret/algorithm/digits throw a RangeError.
 */
export function verifyHotp(input: HotpVerifyInput): OtpMatch {
  const { secret, code, algorithm, digits, counter, lookAhead } = input;
  assertOtpParams(secret, algorithm, digits);
  assertCounter("counter", counter);
  if (!Number.isInteger(lookAhead) || lookAhead < 0 || lookAhead > MAX_HOTP_LOOK_AHEAD) {
    throw new RangeError(`lookAhead: expected an integer in 0…${MAX_HOTP_LOOK_AHEAD}, got ${String(lookAhead)}`);
  }
  assertCounter("counter + lookAhead", counter + lookAhead);
  if (!isAsciiDigits(code, digits)) return NO_MATCH;
  const matcher = new CodeMatcher(secret, code, algorithm, digits);
  for (let c = counter; c <= counter + lookAhead; c++) {
    if (matcher.matches(c)) return { kind: "match", step: c };
  }
  return NO_MATCH;
}

/**
 * Resynchronises a HOTP token that ran ahead of the server (RFC 4226 §7.4): finds a counter `c` in
 * `counter … counter + window` where the first code is HOTP(c) and the second is HOTP(c + 1). Two consecutive codes
 * are required so a single lucky guess over a wide window cannot succeed. Returns null when no such counter exists
 * or a code is malformed.
 */
export function resyncHotp(input: HotpResyncInput): HotpResync | null {
  const { secret, codes, counter, algorithm, digits, window = DEFAULT_HOTP_RESYNC_WINDOW } = input;
  assertOtpParams(secret, algorithm, digits);
  assertCounter("counter", counter);
  if (!Number.isInteger(window) || window < 0 || window > MAX_HOTP_RESYNC_WINDOW) {
    throw new RangeError(`window: expected an integer in 0…${MAX_HOTP_RESYNC_WINDOW}, got ${String(window)}`);
  }
  assertCounter("counter + window + 2", counter + window + 2);
  const [first, second] = codes;
  if (!isAsciiDigits(first, digits) || !isAsciiDigits(second, digits)) return null;
  const firstMatcher = new CodeMatcher(secret, first, algorithm, digits);
  const secondMatcher = new CodeMatcher(secret, second, algorithm, digits);
  for (let c = counter; c <= counter + window; c++) {
    if (firstMatcher.matches(c) && secondMatcher.matches(c + 1)) return { firstCounter: c, nextCounter: c + 2 };
  }
  return null;
}
