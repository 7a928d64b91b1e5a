// The factor kinds mfa-chain knows, and the subset it can verify today. A policy may only name implemented kinds.
export const FACTOR_TYPES = ["totp", "hotp", "email", "sms", "push", "webauthn", "backup_code"] as const;
export type FactorType = (typeof FACTOR_TYPES)[number];

export const IMPLEMENTED_FACTOR_TYPES = ["totp", "hotp"] as const satisfies readonly FactorType[];
export type ImplementedFactorType = (typeof IMPLEMENTED_FACTOR_TYPES)[number];

export const OTP_ALGORITHMS = ["SHA1", "SHA256", "SHA512"] as const;
export type OtpAlgorithm = (typeof OTP_ALGORITHMS)[number];

export const OTP_DIGITS = [6, 8] as const;
export type OtpDigits = (typeof OTP_DIGITS)[number];

export const TOTP_PERIODS = [30, 60] as const;
export type TotpPeriod = (typeof TOTP_PERIODS)[number];

/** HOTP codes are searched this many counters ahead of the stored one at verify time (RFC 4226 §7.4). */
export const HOTP_LOOK_AHEAD = 10;
/** HOTP resynchronisation searches this far ahead for two consecutive codes. */
export const HOTP_RESYNC_WINDOW = 1000;

export interface TotpOptions {
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  readonly period: TotpPeriod;
}

export interface HotpOptions {
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
}

interface FactorBase {
  readonly id: string;
  readonly label: string;
}

export type TotpFactor = FactorBase & { readonly type: "totp"; readonly options: TotpOptions };
export type HotpFactor = FactorBase & { readonly type: "hotp"; readonly options: HotpOptions };
export type PolicyFactor = TotpFactor | HotpFactor;

/** What a client may see of a factor: never its options' secrets (there are none here) nor future steps. */
export interface FactorView {
  readonly id: string;
  readonly label: string;
  readonly type: FactorType;
}

export const viewOf = (factor: PolicyFactor): FactorView => ({ id: factor.id, label: factor.label, type: factor.type });

export const codeDigitsOf = (factor: PolicyFactor): number => factor.options.digits;
