// SMS codes (SPEC §3): a code sent to a phone number the user enrolled, in E.164 ("+" and 8 to 15 digits, the first
// not 0), shown only masked ("+44******789"), and kept sealed at rest.
import type { DomainKind } from "./kind.js";
import { isOobCodeShape, OOB_OPTION_KEYS, readOobOptions, type DestinationCheck, type OobOptions } from "./out-of-band.js";

export type SmsOptions = OobOptions;

export interface SmsParams extends SmsOptions {
  readonly type: "sms";
}

const E164 = /^\+[1-9][0-9]{7,14}$/;

/** The number as stored and sent to, or why it is refused. Spaces, hyphens, dots and parentheses are dropped. */
export function normalizePhoneNumber(raw: string): DestinationCheck {
  if (raw.length > 32) return { ok: false, problem: "a phone number in E.164 has at most 15 digits after the +" };
  const number = raw.trim().replace(/[ .()-]/g, "");
  if (!E164.test(number)) return { ok: false, problem: "a phone number must be in E.164 form: + then 8 to 15 digits (+15551234567)" };
  return { ok: true, value: number };
}

/** The number as logs, audit and answers show it: `+`, the first two digits, `*` for the hidden ones, the last three. */
export function maskPhoneNumber(number: string): string {
  const digits = number.replace(/^\+/, "");
  if (digits.length < 6) return "+***";
  return `+${digits.slice(0, 2)}${"*".repeat(digits.length - 5)}${digits.slice(-3)}`;
}

export const sms: DomainKind<"sms", SmsOptions, SmsParams> = {
  type: "sms",
  optionKeys: OOB_OPTION_KEYS,
  readOptions: readOobOptions,
  paramsOf: (o) => ({ type: "sms", codeDigits: o.codeDigits, codeTtlSeconds: o.codeTtlSeconds }),
  sameParams: (have, want) => have.codeDigits === want.codeDigits,
  isWellFormed: isOobCodeShape,
};
