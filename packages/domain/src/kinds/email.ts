// Email codes (SPEC §3): a code sent to an address the user enrolled. The address is validated and normalized here
// (trimmed, the domain lower-cased), shown only masked ("a***@example.com"), and kept sealed at rest.
import type { DomainKind } from "./kind.js";
import { isOobCodeShape, OOB_OPTION_KEYS, readOobOptions, type DestinationCheck, type OobOptions } from "./out-of-band.js";

export type EmailOptions = OobOptions;

export interface EmailParams extends EmailOptions {
  readonly type: "email";
}

/** RFC 5321's limit on a forward path (254 characters once the angle brackets are dropped). */
export const EMAIL_MAX_LENGTH = 254;
const LOCAL_MAX_LENGTH = 64;

// A conservative syntax, as zod's email check: dot-atoms of printable ASCII on the left (no quoted strings, no
// comments), a host of LDH labels with a top-level label of letters on the right (no address literals).
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TLD = /^[a-z]{2,63}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The address as stored and sent to (trimmed, domain lower-cased), or why it is refused. */
export function normalizeEmailAddress(raw: string): DestinationCheck {
  if (CONTROL.test(raw)) return { ok: false, problem: "an email address may not contain control characters or line breaks" };
  const address = raw.trim();
  if (address.length === 0) return { ok: false, problem: "an email address is required" };
  if (address.length > EMAIL_MAX_LENGTH) return { ok: false, problem: `an email address has at most ${EMAIL_MAX_LENGTH} characters` };
  const at = address.lastIndexOf("@");
  if (at <= 0 || at === address.length - 1) return { ok: false, problem: "an email address is local-part@domain" };
  const local = address.slice(0, at);
  const domain = address.slice(at + 1).toLowerCase();
  if (local.length > LOCAL_MAX_LENGTH || !LOCAL.test(local)) return { ok: false, problem: "the part before @ is not a valid mailbox name" };
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || !TLD.test(labels[labels.length - 1] ?? ""))
    return { ok: false, problem: "the part after @ is not a valid domain name" };
  return { ok: true, value: `${local}@${domain}` };
}

/** The address as logs, audit and answers show it: the first character of the mailbox, then `***`, and the domain. */
export function maskEmailAddress(address: string): string {
  const at = address.lastIndexOf("@");
  if (at <= 0) return "***";
  return `${address.slice(0, 1)}***${address.slice(at)}`;
}

export const email: DomainKind<"email", EmailOptions, EmailParams> = {
  type: "email",
  optionKeys: OOB_OPTION_KEYS,
  readOptions: readOobOptions,
  paramsOf: (o) => ({ type: "email", codeDigits: o.codeDigits, codeTtlSeconds: o.codeTtlSeconds }),
  sameParams: (have, want) => have.codeDigits === want.codeDigits,
  isWellFormed: isOobCodeShape,
};
