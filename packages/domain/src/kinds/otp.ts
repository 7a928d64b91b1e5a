// What the two one-time-password kinds (TOTP and HOTP) share: algorithms, digits and the reading of both.
import { checkKeys, readChoice } from "../policy/read.js";
import type { OptionsInput } from "./kind.js";

export const OTP_ALGORITHMS = ["SHA1", "SHA256", "SHA512"] as const;
export type OtpAlgorithm = (typeof OTP_ALGORITHMS)[number];

export const OTP_DIGITS = [6, 8] as const;
export type OtpDigits = (typeof OTP_DIGITS)[number];

export interface OtpOptions {
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
}

export const OTP_DEFAULTS: OtpOptions = { algorithm: "SHA1", digits: 6 };

/** Reads `algorithm` and `digits` (after reporting keys outside `keys`). */
export function readOtpOptions({ raw, at, issues }: OptionsInput, keys: readonly string[]): OtpOptions | undefined {
  checkKeys(raw, at, keys, issues);
  const algorithm = readChoice(raw, "algorithm", at, issues, OTP_ALGORITHMS, OTP_DEFAULTS.algorithm);
  const digits = readChoice(raw, "digits", at, issues, OTP_DIGITS, OTP_DEFAULTS.digits);
  return algorithm === undefined || digits === undefined ? undefined : { algorithm, digits };
}
