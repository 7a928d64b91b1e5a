// The verification hot path: RFC 4226 HOTP values computed with node:crypto and compared in constant time.
//
// Why not otplib's verify: measured on this project's machines, otplib's verifySync (Node crypto plugin) costs about
// 5× the raw floor of three HMACs for a ±1-step TOTP check — it re-validates and re-normalises its options, goes
// through plugin and hook indirections and builds strings per step. Verification runs on every login, so the loop
// below is the bare RFC: one createHmac per counter, dynamic truncation, a timingSafeEqual. otplib still does what it
// does well (base32, otpauth:// URIs, code generation), and the tests check both against each other, the RFC vectors
// and oathtool.
import { createHmac, timingSafeEqual } from "node:crypto";
import { MAX_SECRET_BYTES, MIN_SECRET_BYTES } from "./secret.js";
import type { OtpAlgorithm, OtpDigits } from "./otp.types.js";

const NODE_HASH: Readonly<Record<OtpAlgorithm, string>> = { SHA1: "sha1", SHA256: "sha256", SHA512: "sha512" };
const MODULUS: Readonly<Record<OtpDigits, number>> = { 6: 1_000_000, 8: 100_000_000 };
const TWO_POW_32 = 0x1_0000_0000;

/** Throws a RangeError/TypeError for a secret, algorithm or digit count this package does not support. */
export function assertOtpParams(secret: Uint8Array, algorithm: OtpAlgorithm, digits: OtpDigits): void {
  if (!(secret instanceof Uint8Array)) throw new TypeError("secret: expected a Uint8Array of raw bytes");
  if (secret.length < MIN_SECRET_BYTES || secret.length > MAX_SECRET_BYTES) {
    throw new RangeError(`secret: expected ${MIN_SECRET_BYTES}–${MAX_SECRET_BYTES} bytes, got ${secret.length}`);
  }
  if (!Object.hasOwn(NODE_HASH, algorithm)) {
    throw new RangeError(`algorithm: expected SHA1, SHA256 or SHA512, got ${JSON.stringify(algorithm)}`);
  }
  if (digits !== 6 && digits !== 8) throw new RangeError(`digits: expected 6 or 8, got ${String(digits)}`);
}

/** Throws unless `n` is an integer in 0 … Number.MAX_SAFE_INTEGER. */
export function assertCounter(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name}: expected a non-negative safe integer, got ${String(n)}`);
}

// Scratch buffers for the HMAC message and the expected code, rewritten at every use. Checks are synchronous, so one
// set is enough; they hold counters and codes, never key material, and spare the hot path two allocations per step.
const MESSAGE = Buffer.alloc(8);
const EXPECTED: Readonly<Record<OtpDigits, Buffer>> = { 6: Buffer.alloc(6), 8: Buffer.alloc(8) };

/** RFC 4226 §5.3: HOTP(K, C) as a number below 10^digits, with node:crypto. */
export function hotpValue(secret: Uint8Array, counter: number, algorithm: OtpAlgorithm, digits: OtpDigits): number {
  MESSAGE.writeUInt32BE(Math.floor(counter / TWO_POW_32), 0);
  MESSAGE.writeUInt32BE(counter >>> 0, 4);
  const mac = createHmac(NODE_HASH[algorithm], secret).update(MESSAGE).digest();
  return dynamicTruncate(mac) % MODULUS[digits];
}

/**
 * Compares one submitted code against the HOTP values of given counters. The code must already have the right shape
 * (exactly `digits` ASCII digits, see isAsciiDigits).
 */
export class CodeMatcher {
  private readonly submitted: Buffer;
  private readonly expected: Buffer;

  constructor(
    private readonly secret: Uint8Array,
    code: string,
    private readonly algorithm: OtpAlgorithm,
    private readonly digits: OtpDigits,
  ) {
    this.submitted = Buffer.from(code, "latin1");
    this.expected = EXPECTED[digits];
  }

  /** True when the submitted code equals HOTP(K, counter); the digits are compared in constant time. */
  matches(counter: number): boolean {
    let v = hotpValue(this.secret, counter, this.algorithm, this.digits);
    const expected = this.expected;
    for (let i = this.digits - 1; i >= 0; i--) {
      expected[i] = 48 + (v % 10);
      v = Math.floor(v / 10);
    }
    return timingSafeEqual(expected, this.submitted);
  }
}

/** RFC 4226 §5.3 dynamic truncation: 31 bits read at the offset named by the low nibble of the last byte. */
export function dynamicTruncate(mac: Uint8Array): number {
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  return (
    (((mac[offset] as number) & 0x7f) << 24) |
    ((mac[offset + 1] as number) << 16) |
    ((mac[offset + 2] as number) << 8) |
    (mac[offset + 3] as number)
  );
}
