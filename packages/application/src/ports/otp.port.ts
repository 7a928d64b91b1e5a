import type { Instant, OtpAlgorithm, OtpDigits, TotpPeriod } from "@mfa-chain/domain";

export interface TotpVerifyInput {
  /** Raw secret bytes, decrypted just for this check. */
  readonly secret: Uint8Array;
  readonly code: string;
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  readonly period: TotpPeriod;
  /** Time steps accepted either side of now: server policy, never the client's. */
  readonly window: 0 | 1;
  readonly now: Instant;
  /** The last accepted time step of this credential; codes of this step or earlier are replays. */
  readonly afterTimeStep: number | null;
}

export interface HotpVerifyInput {
  readonly secret: Uint8Array;
  readonly code: string;
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  /** The next counter the credential expects. */
  readonly counter: number;
  /** How many counters past `counter` are searched. */
  readonly lookAhead: number;
}

export interface HotpResyncInput {
  readonly secret: Uint8Array;
  /** Two codes the user read one after the other from the token. */
  readonly codes: readonly [string, string];
  /** The next counter the credential expects. */
  readonly counter: number;
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  /** How far ahead of `counter` the first code is searched. */
  readonly window: number;
}

/** `step` is the matched time step (TOTP) or counter (HOTP). */
export type OtpMatch =
  { readonly kind: "match"; readonly step: number } | { readonly kind: "replayed"; readonly step: number } | { readonly kind: "no_match" };

/** Checks one-time codes against a factor's own secret. Satisfied structurally by @mfa-chain/totp. */
export interface OtpVerifier {
  verifyTotp(input: TotpVerifyInput): OtpMatch;
  verifyHotp(input: HotpVerifyInput): OtpMatch;
  /** RFC 4226 §7.4: the counter after two consecutive codes found within the window, or null. */
  resyncHotp(input: HotpResyncInput): { readonly firstCounter: number; readonly nextCounter: number } | null;
}

export interface KeyUriInput {
  readonly type: "totp" | "hotp";
  readonly secret: Uint8Array;
  readonly issuer: string;
  /** The account name shown in the authenticator app. */
  readonly accountName: string;
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  readonly period?: TotpPeriod;
  readonly counter?: number;
}

export interface QrImages {
  /** `data:image/png;base64,…` */
  readonly png: string;
  readonly svg: string;
}

/** What enrolling an authenticator needs: a fresh secret and the ways to hand it to the user. */
export interface OtpProvisioner {
  /** A new secret of at least 160 bits from a CSPRNG. */
  generateSecret(): Uint8Array;
  encodeSecret(secret: Uint8Array): string;
  keyUri(input: KeyUriInput): string;
  qrCode(uri: string): Promise<QrImages>;
}

/** Generates codes. Used only by the development helper that reveals a live code (off by default, S32). */
export interface OtpGenerator {
  generateTotp(secret: Uint8Array, now: Instant, options: { algorithm: OtpAlgorithm; digits: OtpDigits; period: TotpPeriod }): string;
  generateHotp(secret: Uint8Array, counter: number, options: { algorithm: OtpAlgorithm; digits: OtpDigits }): string;
}
