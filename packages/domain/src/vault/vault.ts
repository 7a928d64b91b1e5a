// The shared vault (SPEC §4): a team's TOTP/HOTP seeds of shared accounts. The rules of an entry, of who may do what
// with it, of a code's validity and of a burst of reads. Pure: the seed itself is sealed and opened by the application.
import { OTP_ALGORITHMS, OTP_DIGITS, type OtpAlgorithm, type OtpDigits } from "../kinds/otp.js";
import { TOTP_PERIODS, type TotpPeriod } from "../kinds/totp.js";
import { USER_ID_PATTERN } from "../policy/identifiers.js";
import type { Instant } from "../shared/time.js";

export const VAULT_ENTRY_TYPES = ["totp", "hotp"] as const;
export type VaultEntryType = (typeof VAULT_ENTRY_TYPES)[number];

/** A seed shorter than 80 bits is refused (RFC 4226 §4 requires 128, recommends 160; old services issue 80). */
export const VAULT_MIN_SECRET_BYTES = 10;
export const VAULT_MAX_SECRET_BYTES = 64;
export const VAULT_MAX_NAME = 200;
export const VAULT_MAX_TAGS = 20;
export const VAULT_MAX_TAG = 50;
export const VAULT_MAX_NOTES = 2000;
/** Below this many seconds of validity, a code read also gives the next code. */
export const VAULT_NEXT_CODE_BELOW_SECONDS = 5;
/** A group id: a lowercase slug. */
export const VAULT_GROUP_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const VAULT_MAX_GROUP_MEMBERS = 1000;

/** The OTP parameters of an entry: every one an otpauth:// URI carries is kept. */
export interface VaultSeedParams {
  readonly type: VaultEntryType;
  readonly issuer: string;
  readonly accountName: string;
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  /** TOTP only (seconds); null for HOTP. */
  readonly period: TotpPeriod | null;
  /** HOTP only: the next counter a read uses; null for TOTP. */
  readonly counter: number | null;
}

/** What an entry says about itself: never its seed. */
export interface VaultEntry extends VaultSeedParams {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly notes: string;
  readonly createdAt: Instant;
}

export const VAULT_PERMISSIONS = ["read_code", "manage"] as const;
export type VaultPermission = (typeof VAULT_PERMISSIONS)[number];
export const VAULT_PRINCIPAL_KINDS = ["user", "group"] as const;
export type VaultPrincipalKind = (typeof VAULT_PRINCIPAL_KINDS)[number];

export interface VaultPrincipal {
  readonly kind: VaultPrincipalKind;
  readonly id: string;
}

export interface VaultGrant {
  readonly entryId: string;
  readonly principal: VaultPrincipal;
  readonly permission: VaultPermission;
}

/** Who asks: an admin key (every entry), or a named user (their grants, directly or through their groups). */
export type VaultCaller =
  { readonly kind: "admin" } | { readonly kind: "user"; readonly userId: string; readonly groups: readonly string[] };

/** One problem with input, named: `field` says what, `message` says why. */
export interface VaultIssue {
  readonly field: string;
  readonly message: string;
}

const CONTROL = /\p{Cc}/u;

function checkText(field: string, value: string, max: number, required: boolean, issues: VaultIssue[]): void {
  if (required && value.trim().length === 0) issues.push({ field, message: "must not be empty" });
  else if (value.length > max) issues.push({ field, message: `at most ${max} characters` });
  if (field !== "notes" && CONTROL.test(value)) issues.push({ field, message: "control characters are not allowed" });
}

/** The seed's parameters as given (an otpauth:// URI's or the caller's), not yet known to be acceptable. */
export interface VaultSeedInput {
  readonly type: string;
  readonly secretBytes: number;
  readonly issuer: string;
  readonly accountName: string;
  readonly algorithm: string;
  readonly digits: number;
  readonly period: number | null;
  readonly counter: number | null;
}

const TYPE_RULES: Readonly<Record<VaultEntryType, (s: VaultSeedInput, issues: VaultIssue[]) => void>> = {
  totp(s, issues) {
    if (s.counter !== null) issues.push({ field: "counter", message: "a TOTP seed has no counter" });
    if (s.period === null || !(TOTP_PERIODS as readonly number[]).includes(s.period)) {
      issues.push({ field: "period", message: `expected ${TOTP_PERIODS.join(" or ")} seconds, got ${String(s.period)}` });
    }
  },
  hotp(s, issues) {
    if (s.period !== null) issues.push({ field: "period", message: "an HOTP seed has no period" });
    if (s.counter === null || !Number.isSafeInteger(s.counter) || s.counter < 0) {
      issues.push({ field: "counter", message: `expected a non-negative integer, got ${String(s.counter)}` });
    }
  },
};

const isEntryType = (t: string): t is VaultEntryType => (VAULT_ENTRY_TYPES as readonly string[]).includes(t);

/** Checks a seed's parameters; the accepted ones, or every problem found. */
export function checkVaultSeed(s: VaultSeedInput): { ok: true; params: VaultSeedParams } | { ok: false; issues: VaultIssue[] } {
  const issues: VaultIssue[] = [];
  if (s.secretBytes === 0) issues.push({ field: "secret", message: "empty" });
  else if (s.secretBytes < VAULT_MIN_SECRET_BYTES) {
    issues.push({ field: "secret", message: `under 80 bits (${s.secretBytes * 8} bits); at least ${VAULT_MIN_SECRET_BYTES} bytes` });
  } else if (s.secretBytes > VAULT_MAX_SECRET_BYTES) issues.push({ field: "secret", message: `over ${VAULT_MAX_SECRET_BYTES} bytes` });
  if (!(OTP_ALGORITHMS as readonly string[]).includes(s.algorithm)) {
    issues.push({ field: "algorithm", message: `unsupported: expected ${OTP_ALGORITHMS.join(", ")}, got ${JSON.stringify(s.algorithm)}` });
  }
  if (!(OTP_DIGITS as readonly number[]).includes(s.digits)) {
    issues.push({ field: "digits", message: `expected ${OTP_DIGITS.join(" or ")}, got ${String(s.digits)}` });
  }
  checkText("issuer", s.issuer, VAULT_MAX_NAME, false, issues);
  checkText("accountName", s.accountName, VAULT_MAX_NAME, false, issues);
  if (!isEntryType(s.type)) issues.push({ field: "type", message: `expected totp or hotp, got ${JSON.stringify(s.type)}` });
  else TYPE_RULES[s.type](s, issues);
  if (issues.length > 0 || !isEntryType(s.type)) return { ok: false, issues };
  return {
    ok: true,
    params: {
      type: s.type,
      issuer: s.issuer,
      accountName: s.accountName,
      algorithm: s.algorithm as OtpAlgorithm,
      digits: s.digits as OtpDigits,
      period: s.period as TotpPeriod | null,
      counter: s.counter,
    },
  };
}

/** Checks an entry's name, tags and notes; the cleaned values (trimmed, tags de-duplicated), or the problems. */
export function checkVaultLabels(input: {
  readonly name: string;
  readonly tags: readonly string[];
  readonly notes: string;
}): { ok: true; name: string; tags: string[]; notes: string } | { ok: false; issues: VaultIssue[] } {
  const issues: VaultIssue[] = [];
  checkText("name", input.name, VAULT_MAX_NAME, true, issues);
  checkText("notes", input.notes, VAULT_MAX_NOTES, false, issues);
  if (input.tags.length > VAULT_MAX_TAGS) issues.push({ field: "tags", message: `at most ${VAULT_MAX_TAGS} tags` });
  input.tags.forEach((t, i) => checkText(`tags[${i}]`, t, VAULT_MAX_TAG, true, issues));
  if (issues.length > 0) return { ok: false, issues };
  const tags = [...new Set(input.tags.map((t) => t.trim()))].sort();
  return { ok: true, name: input.name.trim(), tags, notes: input.notes };
}

/** A principal's id: a user id of the relying party, or a group's slug. */
export function checkPrincipal(p: VaultPrincipal): VaultIssue | null {
  const pattern = p.kind === "group" ? VAULT_GROUP_ID_PATTERN : USER_ID_PATTERN;
  return pattern.test(p.id) ? null : { field: `${p.kind}`, message: `not a valid ${p.kind} id: ${JSON.stringify(p.id)}` };
}

/** `manage` includes `read_code`: whoever may change an entry's grants may read its code. */
const IMPLIES: Readonly<Record<VaultPermission, readonly VaultPermission[]>> = {
  read_code: ["read_code"],
  manage: ["read_code", "manage"],
};

const holds = (caller: Extract<VaultCaller, { kind: "user" }>, p: VaultPrincipal): boolean =>
  p.kind === "user" ? p.id === caller.userId : caller.groups.includes(p.id);

/** May the caller do `permission` on an entry with these grants? An admin key may do everything. */
export function isAllowed(caller: VaultCaller, grants: readonly VaultGrant[], permission: VaultPermission): boolean {
  if (caller.kind === "admin") return true;
  return grants.some((g) => IMPLIES[g.permission].includes(permission) && holds(caller, g.principal));
}

/** May the caller see an entry in a list: any grant at all. */
export const isVisible = (caller: VaultCaller, grants: readonly VaultGrant[]): boolean => isAllowed(caller, grants, "read_code");

/** A TOTP code's time step and how long it stays valid. */
export function totpWindow(now: Instant, period: TotpPeriod): { step: number; remainingSeconds: number; validUntil: Instant } {
  const periodMs = period * 1000;
  const step = Math.floor(now / periodMs);
  const validUntil = (step + 1) * periodMs;
  return { step, remainingSeconds: Math.ceil((validUntil - now) / 1000), validUntil };
}

/** Whether a read should also give the next code: the current one is about to expire. */
export const wantsNextCode = (remainingSeconds: number): boolean => remainingSeconds < VAULT_NEXT_CODE_BELOW_SECONDS;

/**
 * A burst: more reads of one entry by one caller within the rate-limit window than `threshold`. Flagged in the audit
 * (the read itself is still answered until the rate limit refuses it).
 */
export function isReadBurst(readsInWindow: number, threshold: number): boolean {
  return readsInWindow > threshold;
}
