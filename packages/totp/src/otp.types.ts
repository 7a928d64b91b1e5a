// The shapes this adapter exposes. They repeat, structurally, the ports that @mfa-chain/application declares, so that
// the application can wire this package directly while this package never imports another workspace package.

/** HMAC hash of an OTP credential. SHA1 is what authenticator apps default to. */
export type OtpAlgorithm = "SHA1" | "SHA256" | "SHA512";
/** Length of a code. */
export type OtpDigits = 6 | 8;
/** TOTP time step in seconds. */
export type TotpPeriod = 30 | 60;

export const OTP_ALGORITHMS: readonly OtpAlgorithm[] = ["SHA1", "SHA256", "SHA512"];
export const OTP_DIGITS: readonly OtpDigits[] = [6, 8];
export const TOTP_PERIODS: readonly TotpPeriod[] = [30, 60];

export interface TotpVerifyInput {
  /** Raw secret bytes. */
  readonly secret: Uint8Array;
  /** The code as the user typed it; its shape is checked before any HMAC. */
  readonly code: string;
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  readonly period: TotpPeriod;
  /** Time steps accepted either side of now: server policy, never the client's. */
  readonly window: 0 | 1;
  /** Epoch milliseconds. */
  readonly now: number;
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
  /** How many counters past `counter` are searched (at most {@link MAX_HOTP_LOOK_AHEAD}). */
  readonly lookAhead: number;
}

/** `step` is the matched time step (TOTP) or counter (HOTP). */
export type OtpMatch =
  { readonly kind: "match"; readonly step: number } | { readonly kind: "replayed"; readonly step: number } | { readonly kind: "no_match" };

/** Checks one-time codes against a factor's own secret. */
export interface OtpVerifier {
  verifyTotp(input: TotpVerifyInput): OtpMatch;
  verifyHotp(input: HotpVerifyInput): OtpMatch;
  resyncHotp(input: HotpResyncInput): HotpResync | null;
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
  /** A standalone `<svg …>` document. */
  readonly svg: string;
}

/** What enrolling an authenticator needs: a fresh secret and the ways to hand it to the user. */
export interface OtpProvisioner {
  generateSecret(): Uint8Array;
  encodeSecret(secret: Uint8Array): string;
  keyUri(input: KeyUriInput): string;
  qrCode(uri: string): Promise<QrImages>;
}

export interface TotpOptions {
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  /** Seconds; 30 or 60 for factors, any positive integer for imported seeds. */
  readonly period: TotpPeriod | number;
}

export interface HotpOptions {
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
}

/** Generates codes (development helper, shared vault). */
export interface OtpGenerator {
  generateTotp(secret: Uint8Array, now: number, options: TotpOptions): string;
  generateHotp(secret: Uint8Array, counter: number, options: HotpOptions): string;
}

export interface HotpResyncInput {
  readonly secret: Uint8Array;
  /** Two codes the user read one after the other from the token. */
  readonly codes: readonly [string, string];
  /** The next counter the credential expects. */
  readonly counter: number;
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  /** How far ahead the first code is searched (default 1000, at most 10 000). */
  readonly window?: number;
}

export interface HotpResync {
  /** The counter of the first code; the second matched `firstCounter + 1`. */
  readonly firstCounter: number;
  /** The counter to store: `firstCounter + 2`, so neither accepted code can be used again. */
  readonly nextCounter: number;
}
