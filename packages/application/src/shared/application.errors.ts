// Every expected failure of a use case, with a stable code from a closed union. The edge maps codes to HTTP.
import type { FactorView, Instant, PolicyIssue, VaultIssue } from "@mfa-chain/domain";

export type AppError =
  | { readonly code: "invalid_input"; readonly message: string }
  | { readonly code: "invalid_policy"; readonly message: string; readonly issues: readonly PolicyIssue[] }
  | { readonly code: "policy_not_found"; readonly message: string }
  | { readonly code: "policy_exists"; readonly message: string }
  | { readonly code: "factor_not_in_policy"; readonly message: string }
  | { readonly code: "credential_not_found"; readonly message: string }
  | { readonly code: "enrollment_not_pending"; readonly message: string }
  | { readonly code: "factor_not_active"; readonly message: string }
  | { readonly code: "enrollment_expired"; readonly message: string }
  | { readonly code: "invalid_code"; readonly message: string; readonly failuresRemaining: number; readonly lockedUntil: Instant | null }
  | { readonly code: "reauthentication_required"; readonly message: string }
  | { readonly code: "forbidden"; readonly message: string }
  | { readonly code: "factors_not_enrolled"; readonly message: string; readonly missing: readonly FactorView[]; readonly needed: number }
  | { readonly code: "attempt_not_found"; readonly message: string }
  | { readonly code: "attempt_expired"; readonly message: string }
  | { readonly code: "attempt_completed"; readonly message: string }
  | { readonly code: "user_locked"; readonly message: string; readonly lockedUntil: Instant }
  | { readonly code: "tenant_exists"; readonly message: string }
  | { readonly code: "tenant_not_found"; readonly message: string }
  | { readonly code: "api_key_not_found"; readonly message: string }
  | { readonly code: "invalid_seed"; readonly message: string; readonly issues: readonly VaultIssue[] }
  | { readonly code: "vault_entry_not_found"; readonly message: string }
  | { readonly code: "vault_entry_exists"; readonly message: string }
  | { readonly code: "vault_grant_not_found"; readonly message: string };

export type AppErrorCode = AppError["code"];

export const lockedError = (lockedUntil: Instant): AppError => ({
  code: "user_locked",
  message: `too many failed attempts; try again after ${new Date(lockedUntil).toISOString()}`,
  lockedUntil,
});

/** A broken invariant (not an expected outcome): thrown, logged, answered as a 500 without detail. */
export class InvariantViolation extends Error {
  override readonly name = "InvariantViolation";
}
