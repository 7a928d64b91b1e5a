// A user's enrolled factor (an authenticator) for one policy slot: pending until a valid code confirms it.
import type { OtpAlgorithm, OtpDigits, PolicyFactor, TotpPeriod } from "../policy/factor-type.js";
import type { Instant } from "../shared/time.js";

export type CredentialStatus = "pending" | "active" | "revoked";

export type OtpParams =
  | { readonly type: "totp"; readonly algorithm: OtpAlgorithm; readonly digits: OtpDigits; readonly period: TotpPeriod }
  | { readonly type: "hotp"; readonly algorithm: OtpAlgorithm; readonly digits: OtpDigits };

export interface Credential {
  readonly id: string;
  readonly tenantId: string;
  readonly userId: string;
  /** The policy factor id (slot) this credential satisfies, e.g. "token_1". */
  readonly factorId: string;
  readonly label: string;
  readonly status: CredentialStatus;
  readonly params: OtpParams;
  /** TOTP: the last accepted time step (replay guard). Null before the first use. */
  readonly lastTimeStep: number | null;
  /** HOTP: the next counter expected. */
  readonly counter: number;
  readonly createdAt: Instant;
  readonly confirmedAt: Instant | null;
  readonly revokedAt: Instant | null;
}

/** How long an unconfirmed enrollment stays confirmable. */
export const PENDING_ENROLLMENT_TTL_SECONDS = 900;

export const paramsOf = (factor: PolicyFactor): OtpParams =>
  factor.type === "totp"
    ? { type: "totp", ...factor.options }
    : { type: "hotp", algorithm: factor.options.algorithm, digits: factor.options.digits };

/**
 * A credential satisfies a policy factor only when it is active, for that slot, and provisioned with the same type and
 * options: an authenticator set up for 8-digit SHA256 codes cannot pass a 6-digit SHA1 step.
 */
export function satisfies(credential: Credential, factor: PolicyFactor): boolean {
  if (credential.status !== "active" || credential.factorId !== factor.id) return false;
  const want = paramsOf(factor);
  const have = credential.params;
  if (have.type !== want.type || have.algorithm !== want.algorithm || have.digits !== want.digits) return false;
  return have.type !== "totp" || want.type !== "totp" || have.period === want.period;
}

export const isPendingExpired = (credential: Credential, now: Instant): boolean =>
  credential.status === "pending" && now >= credential.createdAt + PENDING_ENROLLMENT_TTL_SECONDS * 1000;
