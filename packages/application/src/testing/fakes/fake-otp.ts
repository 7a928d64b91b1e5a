// A FAKE one-time-code engine for unit tests: deterministic, instant, and NOT cryptographic. Codes come from a small
// FNV-1a/murmur mix of (algorithm, secret bytes, time step or counter, digits) — nothing like HMAC. It keeps the
// contract of the application's OTP ports (window 0/±1, replay as "replayed", HOTP look-ahead) and records every call,
// so a test can show, say, that a locked user's code was never checked (S8). Never wire it outside tests.
import type {
  HotpResyncInput,
  HotpVerifyInput,
  KeyUriInput,
  OtpGenerator,
  OtpMatch,
  OtpProvisioner,
  OtpVerifier,
  QrImages,
  TotpVerifyInput,
} from "../../index.js";
import type { Instant, OtpAlgorithm, OtpDigits, TotpPeriod } from "@mfa-chain/domain";
import { SeededRandom } from "@mfa-chain/domain/testing";

/** Parameters of a code; omitted ones default to the authenticator-app defaults (SHA1, 6 digits, 30 s). */
export interface FakeCodeParams {
  readonly algorithm?: OtpAlgorithm;
  readonly digits?: OtpDigits;
  readonly period?: TotpPeriod;
}

/** A secret as raw bytes or as `FakeOtp.encodeSecret` printed it (hex). */
export type FakeSecret = Uint8Array | string;

export type FakeOtpCall =
  | {
      readonly kind: "verifyTotp";
      readonly secretHex: string;
      readonly code: string;
      readonly window: number;
      readonly now: Instant;
      readonly afterTimeStep: number | null;
      readonly result: OtpMatch;
    }
  | {
      readonly kind: "verifyHotp";
      readonly secretHex: string;
      readonly code: string;
      readonly counter: number;
      readonly lookAhead: number;
      readonly result: OtpMatch;
    }
  | {
      readonly kind: "resyncHotp";
      readonly secretHex: string;
      readonly codes: readonly [string, string];
      readonly counter: number;
      readonly window: number;
      readonly result: { readonly firstCounter: number; readonly nextCounter: number } | null;
    }
  | { readonly kind: "generateTotp"; readonly secretHex: string; readonly now: Instant }
  | { readonly kind: "generateHotp"; readonly secretHex: string; readonly counter: number }
  | { readonly kind: "generateSecret"; readonly secretHex: string }
  | { readonly kind: "keyUri"; readonly input: Omit<KeyUriInput, "secret"> & { readonly secretHex: string } }
  | { readonly kind: "qrCode"; readonly uri: string };

export type FakeVerification = Extract<FakeOtpCall, { kind: "verifyTotp" | "verifyHotp" }>;

/** The look-ahead the fake accepts at most, like the real adapter's bound. */
export const FAKE_MAX_HOTP_LOOK_AHEAD = 100;

export const FAKE_QR: QrImages = Object.freeze({
  png: "data:image/png;base64,RkFLRS1RUi1QTkc=",
  svg: '<svg xmlns="http://www.w3.org/2000/svg"><text>fake QR</text></svg>',
});

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv(h: number, byte: number): number {
  return Math.imul(h ^ (byte & 0xff), FNV_PRIME) >>> 0;
}

/** murmur3's finaliser: spreads every input bit over the word, so neighbouring steps give unrelated codes. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const toHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();

function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`FakeOtp: not a hex-encoded secret: ${JSON.stringify(hex)}`);
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

const bytesOf = (secret: FakeSecret): Uint8Array => (typeof secret === "string" ? fromHex(secret) : secret);

const isAsciiDigits = (code: string, digits: number): boolean => code.length === digits && /^[0-9]+$/.test(code);

const withDefaults = (p: FakeCodeParams = {}) => ({
  algorithm: p.algorithm ?? "SHA1",
  digits: p.digits ?? 6,
  period: p.period ?? 30,
});

/** The fake code of one time step or counter. Pure: the same inputs always give the same code. */
export function fakeOtpCode(secret: FakeSecret, stepOrCounter: number, params: FakeCodeParams = {}): string {
  if (!Number.isSafeInteger(stepOrCounter) || stepOrCounter < 0) {
    throw new RangeError(`FakeOtp: a step or counter is a non-negative integer, got ${stepOrCounter}`);
  }
  const { algorithm, digits } = withDefaults(params);
  let h = FNV_OFFSET;
  for (const ch of algorithm) h = fnv(h, ch.charCodeAt(0));
  for (const b of bytesOf(secret)) h = fnv(h, b);
  const hi = Math.floor(stepOrCounter / 2 ** 32);
  const lo = stepOrCounter >>> 0;
  for (const word of [hi, lo]) for (const shift of [24, 16, 8, 0]) h = fnv(h, word >>> shift);
  h = fnv(h, digits);
  return String(fmix(h) % 10 ** digits).padStart(digits, "0");
}

/** The time step of an instant for a period, as RFC 6238 counts it (T0 = 0). */
export const fakeTimeStep = (now: Instant, period: TotpPeriod = 30): number => Math.floor(now / (period * 1000));

/**
 * A well-formed code that matches none of `avoid` (e.g. every code inside a verify window): a "wrong code" that is
 * wrong for certain, not just very probably.
 */
export function codeNotIn(avoid: Iterable<string>, digits: OtpDigits = 6): string {
  const taken = new Set(avoid);
  for (let i = 0; ; i++) {
    const candidate = String((123_457 * (i + 1)) % 10 ** digits).padStart(digits, "0");
    if (!taken.has(candidate)) return candidate;
  }
}

export class FakeOtp implements OtpVerifier, OtpProvisioner, OtpGenerator {
  private readonly random: SeededRandom;
  private readonly log: FakeOtpCall[] = [];

  constructor(seed = 0x07f) {
    this.random = new SeededRandom(seed);
  }

  // ---- OtpVerifier ------------------------------------------------------------------------------------------------

  verifyTotp(input: TotpVerifyInput): OtpMatch {
    if (input.window !== 0 && input.window !== 1) throw new RangeError(`FakeOtp: window must be 0 or 1, got ${String(input.window)}`);
    const current = fakeTimeStep(input.now, input.period);
    let result: OtpMatch = { kind: "no_match" };
    if (isAsciiDigits(input.code, input.digits)) {
      // Same order as the real adapter: current, previous, next.
      const steps = input.window === 1 ? [current, current - 1, current + 1] : [current];
      const step = steps.find((s) => s >= 0 && fakeOtpCode(input.secret, s, input) === input.code);
      if (step !== undefined) {
        result = input.afterTimeStep !== null && step <= input.afterTimeStep ? { kind: "replayed", step } : { kind: "match", step };
      }
    }
    this.log.push({
      kind: "verifyTotp",
      secretHex: toHex(input.secret),
      code: input.code,
      window: input.window,
      now: input.now,
      afterTimeStep: input.afterTimeStep,
      result,
    });
    return result;
  }

  verifyHotp(input: HotpVerifyInput): OtpMatch {
    if (!Number.isInteger(input.lookAhead) || input.lookAhead < 0 || input.lookAhead > FAKE_MAX_HOTP_LOOK_AHEAD) {
      throw new RangeError(`FakeOtp: lookAhead must be an integer in 0…${FAKE_MAX_HOTP_LOOK_AHEAD}, got ${input.lookAhead}`);
    }
    let result: OtpMatch = { kind: "no_match" };
    if (isAsciiDigits(input.code, input.digits)) {
      for (let c = input.counter; c <= input.counter + input.lookAhead; c++) {
        if (fakeOtpCode(input.secret, c, input) === input.code) {
          result = { kind: "match", step: c };
          break;
        }
      }
    }
    this.log.push({
      kind: "verifyHotp",
      secretHex: toHex(input.secret),
      code: input.code,
      counter: input.counter,
      lookAhead: input.lookAhead,
      result,
    });
    return result;
  }

  resyncHotp(input: HotpResyncInput): { readonly firstCounter: number; readonly nextCounter: number } | null {
    const [first, second] = input.codes;
    let result: { firstCounter: number; nextCounter: number } | null = null;
    if (isAsciiDigits(first, input.digits) && isAsciiDigits(second, input.digits)) {
      for (let c = input.counter; c <= input.counter + input.window; c++) {
        if (fakeOtpCode(input.secret, c, input) === first && fakeOtpCode(input.secret, c + 1, input) === second) {
          result = { firstCounter: c, nextCounter: c + 2 };
          break;
        }
      }
    }
    this.log.push({
      kind: "resyncHotp",
      secretHex: toHex(input.secret),
      codes: input.codes,
      counter: input.counter,
      window: input.window,
      result,
    });
    return result;
  }

  // ---- OtpProvisioner -----------------------------------------------------------------------------------------------

  /** 20 bytes (160 bits) from a seeded sequence: reproducible, and of course not a CSPRNG. */
  generateSecret(): Uint8Array {
    const secret = Uint8Array.from({ length: 20 }, () => this.random.nextInt(256));
    this.log.push({ kind: "generateSecret", secretHex: toHex(secret) });
    return secret;
  }

  /** Hex, not base32: `FakeOtp.decodeSecret` turns an enrollment's `secret` back into bytes. */
  encodeSecret(secret: Uint8Array): string {
    return toHex(secret);
  }

  static decodeSecret(encoded: string): Uint8Array {
    return fromHex(encoded);
  }

  keyUri(input: KeyUriInput): string {
    const { secret, ...rest } = input;
    this.log.push({ kind: "keyUri", input: { ...rest, secretHex: toHex(secret) } });
    const query: [string, string][] = [
      ["secret", toHex(secret)],
      ["issuer", input.issuer],
      ["algorithm", input.algorithm],
      ["digits", String(input.digits)],
    ];
    if (input.period !== undefined) query.push(["period", String(input.period)]);
    if (input.counter !== undefined) query.push(["counter", String(input.counter)]);
    const q = query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
    return `otpauth-fake://${input.type}/${encodeURIComponent(input.issuer)}:${encodeURIComponent(input.accountName)}?${q}`;
  }

  async qrCode(uri: string): Promise<QrImages> {
    this.log.push({ kind: "qrCode", uri });
    return FAKE_QR;
  }

  // ---- OtpGenerator -------------------------------------------------------------------------------------------------

  generateTotp(secret: Uint8Array, now: Instant, options: { algorithm: OtpAlgorithm; digits: OtpDigits; period: TotpPeriod }): string {
    this.log.push({ kind: "generateTotp", secretHex: toHex(secret), now });
    return fakeOtpCode(secret, fakeTimeStep(now, options.period), options);
  }

  generateHotp(secret: Uint8Array, counter: number, options: { algorithm: OtpAlgorithm; digits: OtpDigits }): string {
    this.log.push({ kind: "generateHotp", secretHex: toHex(secret), counter });
    return fakeOtpCode(secret, counter, options);
  }

  // ---- Helpers for tests (not part of any port; they record nothing) --------------------------------------------

  /** The TOTP code an authenticator holding `secret` shows at `now`. */
  codeAt(secret: FakeSecret, now: Instant, params: FakeCodeParams = {}): string {
    return fakeOtpCode(secret, fakeTimeStep(now, withDefaults(params).period), params);
  }

  /** The TOTP code of an exact time step. */
  codeOfStep(secret: FakeSecret, step: number, params: FakeCodeParams = {}): string {
    return fakeOtpCode(secret, step, params);
  }

  /** The HOTP code of a counter. */
  hotpCode(secret: FakeSecret, counter: number, params: FakeCodeParams = {}): string {
    return fakeOtpCode(secret, counter, params);
  }

  timeStep(now: Instant, period: TotpPeriod = 30): number {
    return fakeTimeStep(now, period);
  }

  /** A well-formed TOTP code that matches no step within two of `now`: wrong under any window. */
  wrongCodeAt(secret: FakeSecret, now: Instant, params: FakeCodeParams = {}): string {
    const step = fakeTimeStep(now, withDefaults(params).period);
    const near = [-2, -1, 0, 1, 2].filter((d) => step + d >= 0).map((d) => fakeOtpCode(secret, step + d, params));
    return codeNotIn(near, withDefaults(params).digits);
  }

  /** A well-formed HOTP code that matches no counter in `counter … counter + lookAhead`. */
  wrongHotpCode(secret: FakeSecret, counter: number, params: FakeCodeParams = {}, lookAhead = FAKE_MAX_HOTP_LOOK_AHEAD): string {
    const near = Array.from({ length: lookAhead + 1 }, (_, i) => fakeOtpCode(secret, counter + i, params));
    return codeNotIn(near, withDefaults(params).digits);
  }

  // ---- Assertion helpers ----------------------------------------------------------------------------------------

  /** Every call to the ports, oldest first. */
  get calls(): readonly FakeOtpCall[] {
    return [...this.log];
  }

  /** Every code check (TOTP and HOTP), oldest first. */
  get verifications(): readonly FakeVerification[] {
    return this.log.filter((c): c is FakeVerification => c.kind === "verifyTotp" || c.kind === "verifyHotp");
  }

  /** Secrets handed out by `generateSecret`, hex-encoded, oldest first. */
  get generatedSecrets(): readonly string[] {
    return this.log.flatMap((c) => (c.kind === "generateSecret" ? [c.secretHex] : []));
  }

  /** Forgets the calls so far (secrets keep coming from the same sequence). */
  clearCalls(): void {
    this.log.length = 0;
  }

  /** Throws unless no code was checked since the last `clearCalls` (or, with `code`, unless that code never was). */
  assertNoVerification(code?: string): void {
    const seen = this.verifications.filter((v) => code === undefined || v.code === code);
    if (seen.length > 0) {
      throw new Error(
        `FakeOtp: expected no code check${code === undefined ? "" : ` of ${JSON.stringify(code)}`}, saw ${seen.length}: ${seen.map((v) => `${v.kind}(${JSON.stringify(v.code)})`).join(", ")}`,
      );
    }
  }

  /** Throws unless exactly `n` codes were checked since the last `clearCalls`. */
  assertVerificationCount(n: number): void {
    const seen = this.verifications.length;
    if (seen !== n) throw new Error(`FakeOtp: expected ${n} code check(s), saw ${seen}`);
  }
}
