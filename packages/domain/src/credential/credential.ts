// A user's enrolled factor (an authenticator, a set of backup codes) for one policy slot: its common part. What each
// kind keeps beside it (a sealed secret, a counter, hashed codes) is the kind's material, held by the application.
import { isImplementedFactorType, KINDS, type DomainKind, type ImplementedFactorType, type ParamsOf } from "../kinds/index.js";
import { describe, isObject, Issues } from "../policy/read.js";
import { kindOfFactor, type PolicyFactor } from "../policy/factor-type.js";
import type { Instant } from "../shared/time.js";

export type CredentialStatus = "pending" | "active" | "revoked";

/** What a credential was provisioned with, by kind (`{type: "totp", algorithm, digits, period}`, …). */
export type CredentialParams = { [K in ImplementedFactorType]: ParamsOf<K> }[ImplementedFactorType];
export type OtpParams = ParamsOf<"totp"> | ParamsOf<"hotp">;

export interface Credential {
  readonly id: string;
  readonly tenantId: string;
  readonly userId: string;
  /** The policy factor id (slot) this credential satisfies, e.g. "token_1". */
  readonly factorId: string;
  readonly label: string;
  readonly status: CredentialStatus;
  readonly params: CredentialParams;
  readonly createdAt: Instant;
  readonly confirmedAt: Instant | null;
  readonly revokedAt: Instant | null;
}

/** How long an unconfirmed enrollment stays confirmable. */
export const PENDING_ENROLLMENT_TTL_SECONDS = 900;

export const paramsOf = (factor: PolicyFactor): CredentialParams => kindOfFactor(factor).paramsOf(factor.options) as CredentialParams;

/**
 * A credential satisfies a policy factor only when it is active, for that slot, and provisioned with the same kind and
 * options: an authenticator set up for 8-digit SHA256 codes cannot pass a 6-digit SHA1 step.
 */
export function satisfies(credential: Credential, factor: PolicyFactor): boolean {
  if (credential.status !== "active" || credential.factorId !== factor.id || credential.params.type !== factor.type) return false;
  const kind = KINDS[factor.type] as DomainKind<ImplementedFactorType, unknown, CredentialParams>;
  return kind.sameParams(credential.params, paramsOf(factor));
}

export const isPendingExpired = (credential: Credential, now: Instant): boolean =>
  credential.status === "pending" && now >= credential.createdAt + PENDING_ENROLLMENT_TTL_SECONDS * 1000;

/** Whether a code has the shape a credential accepts (its params hold the options it was provisioned with). */
export const isWellFormedForCredential = (params: CredentialParams, code: string): boolean =>
  (KINDS[params.type] as DomainKind<ImplementedFactorType, CredentialParams, CredentialParams>).isWellFormed(code, params);

/**
 * Stored params read back (a database row, an export): the kind's own option rules, and every option present — a
 * stored credential is never completed with today's defaults. The problem in words when they are not a kind's params.
 */
export function readCredentialParams(
  raw: unknown,
): { readonly ok: true; readonly params: CredentialParams } | { readonly ok: false; readonly problem: string } {
  if (!isObject(raw)) return { ok: false, problem: `params must be an object, got ${describe(raw)}` };
  const { type, ...options } = raw;
  if (!isImplementedFactorType(type)) return { ok: false, problem: `params.type is not a known kind: ${describe(type)}` };
  const kind = KINDS[type] as DomainKind<ImplementedFactorType, unknown, CredentialParams>;
  const issues = new Issues(true);
  const read = kind.readOptions({ raw: options, at: "params", issues });
  if (read === undefined) return { ok: false, problem: issues.list.map((i) => `${i.path}: ${i.message}`).join("; ") };
  const params = kind.paramsOf(read);
  const missing = Object.keys(params).filter((k) => !(k in raw));
  if (missing.length > 0) return { ok: false, problem: `params lack ${missing.join(", ")}` };
  return { ok: true, params };
}
