// HOTP (RFC 4226): a secret shared with a token; a code names a counter, and the counter moves past each accepted one.
import { isCodeShape } from "../chain/code-shape.js";
import type { DomainKind } from "./kind.js";
import { readOtpOptions, type OtpOptions } from "./otp.js";

/** HOTP codes are searched this many counters ahead of the stored one at verify time (RFC 4226 §7.4). */
export const HOTP_LOOK_AHEAD = 10;
/** HOTP resynchronisation searches this far ahead for two consecutive codes. */
export const HOTP_RESYNC_WINDOW = 1000;

export type HotpOptions = OtpOptions;

export interface HotpParams extends HotpOptions {
  readonly type: "hotp";
}

export const hotp: DomainKind<"hotp", HotpOptions, HotpParams> = {
  type: "hotp",
  optionKeys: ["algorithm", "digits"],
  readOptions(input) {
    return readOtpOptions(input, this.optionKeys);
  },
  paramsOf: (o) => ({ type: "hotp", algorithm: o.algorithm, digits: o.digits }),
  sameParams: (have, want) => have.algorithm === want.algorithm && have.digits === want.digits,
  isWellFormed: (code, o) => isCodeShape(code, o.digits),
};
