// TOTP (RFC 6238): a secret shared with an authenticator app; a code names a time step, accepted once.
import { isCodeShape } from "../chain/code-shape.js";
import { readChoice } from "../policy/read.js";
import type { DomainKind } from "./kind.js";
import { readOtpOptions, type OtpOptions } from "./otp.js";

export const TOTP_PERIODS = [30, 60] as const;
export type TotpPeriod = (typeof TOTP_PERIODS)[number];

export interface TotpOptions extends OtpOptions {
  readonly period: TotpPeriod;
}

export interface TotpParams extends TotpOptions {
  readonly type: "totp";
}

export const totp: DomainKind<"totp", TotpOptions, TotpParams> = {
  type: "totp",
  optionKeys: ["algorithm", "digits", "period"],
  readOptions(input) {
    const otp = readOtpOptions(input, this.optionKeys);
    // Read even when the others failed, so a bad period is reported together with the other problems.
    const period = readChoice(input.raw, "period", input.at, input.issues, TOTP_PERIODS, 30);
    return otp === undefined || period === undefined ? undefined : { ...otp, period };
  },
  paramsOf: (o) => ({ type: "totp", algorithm: o.algorithm, digits: o.digits, period: o.period }),
  sameParams: (have, want) => have.algorithm === want.algorithm && have.digits === want.digits && have.period === want.period,
  isWellFormed: (code, o) => isCodeShape(code, o.digits),
};
