// What the out-of-band kinds (email, sms) share: a code sent to a destination the user enrolled, its options (digits,
// lifetime), its shape, and the send limits (S16). Pure decisions; the application sends, stores and counts.
import { isCodeShape } from "../chain/code-shape.js";
import { checkKeys, readChoice, readInteger } from "../policy/read.js";
import type { OptionsInput } from "./kind.js";
import type { Instant } from "../shared/time.js";

export const OOB_CODE_DIGITS = [6, 8] as const;
export type OobCodeDigits = (typeof OOB_CODE_DIGITS)[number];
/** A code lives 5 minutes by default, at most 10 (S14). */
export const OOB_CODE_TTL_DEFAULT_SECONDS = 300;
export const OOB_CODE_TTL_MAX_SECONDS = 600;
export const OOB_CODE_TTL_MIN_SECONDS = 60;
/** Tries of one code: the 6th fails even when right (and counts as a failure, as every failure does). */
export const OOB_MAX_TRIES = 5;

export interface OobOptions {
  readonly codeDigits: OobCodeDigits;
  readonly codeTtlSeconds: number;
}

export const OOB_DEFAULTS: OobOptions = { codeDigits: 6, codeTtlSeconds: OOB_CODE_TTL_DEFAULT_SECONDS };
export const OOB_OPTION_KEYS = ["codeDigits", "codeTtlSeconds"] as const;

export function readOobOptions({ raw, at, issues }: OptionsInput): OobOptions | undefined {
  checkKeys(raw, at, OOB_OPTION_KEYS, issues);
  const codeDigits = readChoice(raw, "codeDigits", at, issues, OOB_CODE_DIGITS, OOB_DEFAULTS.codeDigits);
  const codeTtlSeconds = readInteger(
    raw,
    "codeTtlSeconds",
    at,
    issues,
    { min: OOB_CODE_TTL_MIN_SECONDS, max: OOB_CODE_TTL_MAX_SECONDS },
    OOB_DEFAULTS.codeTtlSeconds,
  );
  return codeDigits === undefined || codeTtlSeconds === undefined ? undefined : { codeDigits, codeTtlSeconds };
}

/** A submitted code: exactly the configured number of ASCII digits. */
export const isOobCodeShape = (code: string, o: { readonly codeDigits: number }): boolean => isCodeShape(code, o.codeDigits);

/** A fresh code of `digits` decimal digits, each drawn uniformly from `nextInt` (a CSPRNG in production). */
export function drawOobCode(nextInt: (maxExclusive: number) => number, digits: number): string {
  let code = "";
  for (let i = 0; i < digits; i++) code += String(nextInt(10));
  return code;
}

/** A validated, normalized destination or the reason it is refused (safe to show: it never repeats the value). */
export type DestinationCheck = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly problem: string };

// ------------------------------------------------------------------------------------------------------ send limits
/** At most `count` sends within `windowSeconds`. */
export interface SendRule {
  readonly count: number;
  readonly windowSeconds: number;
}

/** The limits of sends (S16), per destination, per user and per tenant; every rule of each must hold. */
export interface SendLimits {
  readonly perDestination: readonly SendRule[];
  readonly perUser: readonly SendRule[];
  readonly perTenant: readonly SendRule[];
}

export const DEFAULT_SEND_LIMITS: SendLimits = {
  perDestination: [
    { count: 1, windowSeconds: 30 },
    { count: 5, windowSeconds: 15 * 60 },
    { count: 20, windowSeconds: 24 * 3600 },
  ],
  perUser: [
    { count: 1, windowSeconds: 30 },
    { count: 10, windowSeconds: 15 * 60 },
    { count: 40, windowSeconds: 24 * 3600 },
  ],
  perTenant: [{ count: 600, windowSeconds: 60 }],
};

/** The longest window of a set of rules: how far back sends need to be known. */
export const longestWindowSeconds = (rules: readonly SendRule[]): number => Math.max(0, ...rules.map((r) => r.windowSeconds));
/** The most sends any rule looks at. */
export const mostSendsCounted = (rules: readonly SendRule[]): number => Math.max(0, ...rules.map((r) => r.count));

/**
 * When the next send is allowed under `rules`, given earlier sends (any order): `now` when allowed now. A rule of `n`
 * per window refuses while the n-th newest send is younger than the window; it allows again once that one is older.
 */
export function nextSendAllowedAt(sends: readonly Instant[], rules: readonly SendRule[], now: Instant): Instant {
  const newestFirst = [...sends].sort((a, b) => b - a);
  let at = now;
  for (const rule of rules) {
    if (rule.count <= 0) return Number.POSITIVE_INFINITY;
    const nth = newestFirst[rule.count - 1];
    if (nth !== undefined && nth + rule.windowSeconds * 1000 > now) at = Math.max(at, nth + rule.windowSeconds * 1000);
  }
  return at;
}

/** Checks a set of limits against what each scope sent. */
export function checkSendLimits(
  sent: { readonly destination: readonly Instant[]; readonly user: readonly Instant[]; readonly tenant: readonly Instant[] },
  limits: SendLimits,
  now: Instant,
): { readonly allowed: true } | { readonly allowed: false; readonly retryAt: Instant; readonly scope: "destination" | "user" | "tenant" } {
  const scopes = [
    ["destination", nextSendAllowedAt(sent.destination, limits.perDestination, now)],
    ["user", nextSendAllowedAt(sent.user, limits.perUser, now)],
    ["tenant", nextSendAllowedAt(sent.tenant, limits.perTenant, now)],
  ] as const;
  let worst: (typeof scopes)[number] | null = null;
  for (const s of scopes) if (s[1] > now && (worst === null || s[1] > worst[1])) worst = s;
  return worst === null ? { allowed: true } : { allowed: false, retryAt: worst[1], scope: worst[0] };
}

/** Reads send limits (configuration): every rule a positive count and window. */
export function isSendLimits(v: unknown): v is SendLimits {
  const rules = (x: unknown) =>
    Array.isArray(x) &&
    x.every(
      (r) =>
        typeof r === "object" &&
        r !== null &&
        Number.isSafeInteger((r as SendRule).count) &&
        (r as SendRule).count > 0 &&
        Number.isSafeInteger((r as SendRule).windowSeconds) &&
        (r as SendRule).windowSeconds > 0,
    );
  return (
    typeof v === "object" &&
    v !== null &&
    rules((v as SendLimits).perDestination) &&
    rules((v as SendLimits).perUser) &&
    rules((v as SendLimits).perTenant)
  );
}
