// Every expected failure of a use case, with a stable code from a closed union. The edge maps codes to HTTP.
import type { FactorView, Instant, PolicyIssue, VaultIssue } from "@mfa-chain/domain";

export type AppError =
  | { readonly code: "invalid_input"; readonly message: string }
  | { readonly code: "invalid_policy"; readonly message: string; readonly issues: readonly PolicyIssue[] }
  | { readonly code: "policy_not_found"; readonly message: string }
  /** No such user in the tenant (never enrolled, never seen): a read about one user. */
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
  | { readonly code: "vault_grant_not_found"; readonly message: string }
  /** The attempt's current step takes no challenge (an authenticator app's code is typed straight away). */
  | { readonly code: "challenge_not_supported"; readonly message: string }
  /** A send limit (S16) holds: per destination, user or tenant; `retryAt` is when the next send is allowed. */
  | { readonly code: "too_many_sends"; readonly message: string; readonly retryAt: Instant }
  /** The provider did not accept the message: nothing was sent, stored or counted. */
  | { readonly code: "delivery_unavailable"; readonly message: string; readonly retryable: boolean }
  // Push approval (issue 13).
  /** A push step verified before its device answered: nothing counted, verify again once it has. */
  | { readonly code: "push_answer_pending"; readonly message: string }
  /** A new push for a step whose current push holds a failure answer no verify counted yet: verify that one first. */
  | { readonly code: "push_answer_unverified"; readonly message: string; readonly pushChallengeId: string }
  /** The push challenge ended unanswered (or an answer came too late): issue a new one. Not a failure. */
  | { readonly code: "push_challenge_expired"; readonly message: string }
  /** The push challenge was answered already (each is answered once). */
  | { readonly code: "push_already_answered"; readonly message: string }
  /** The device approved another number than the one shown: recorded, a failure of the step. */
  | { readonly code: "push_wrong_number"; readonly message: string }
  /** A device request whose signature, token, timestamp or nonce does not hold (the device is not who it says). */
  | { readonly code: "push_unauthorized"; readonly message: string }
  /** No such push device, or no such challenge for this device. */
  | { readonly code: "push_not_found"; readonly message: string }
  /** Anti-fatigue (S16): too many pending or hourly pushes (`retryAt`), or pushes stopped after denies (`retryAt` null). */
  | { readonly code: "too_many_pushes"; readonly message: string; readonly retryAt: Instant | null }
  // WebAuthn (issue 12).
  /** The tenant has no WebAuthn relying party (RP id, origins) yet: set it with PUT /v1/admin/webauthn. */
  | { readonly code: "relying_party_not_configured"; readonly message: string }
  /** The authenticator's credential id is registered in the tenant already (S24): nothing was stored. */
  | { readonly code: "credential_already_registered"; readonly message: string }
  // Enforcement and remembered devices (issue 14).
  /** The tenant has set no enforcement rules yet. */
  | { readonly code: "enforcement_rules_not_found"; readonly message: string }
  /** No such remembered device of this user (or it is revoked already). */
  | { readonly code: "device_not_found"; readonly message: string }
  /** A device token is given only after a completed attempt. */
  | { readonly code: "attempt_not_completed"; readonly message: string }
  /** The attempt has given its device token already (one per completed attempt). */
  | { readonly code: "device_already_issued"; readonly message: string }
  // Recovery (issue 14).
  /** No such recovery (or its cancel token matches none). */
  | { readonly code: "recovery_not_found"; readonly message: string }
  /** The user has an open recovery already. */
  | { readonly code: "recovery_pending"; readonly message: string }
  /** Executed before its delay passed. */
  | { readonly code: "recovery_not_due"; readonly message: string; readonly dueAt: Instant }
  /** Cancelled, completed or expired: it cannot be executed or cancelled any more. */
  | { readonly code: "recovery_closed"; readonly message: string }
  /** An immediate reset while the tenant's recovery delay is on. */
  | { readonly code: "recovery_delay_required"; readonly message: string }
  // Console operators (issue 15).
  /** A console sign-in with an unknown operator or a wrong password (which of the two is not told). */
  | { readonly code: "sign_in_failed"; readonly message: string }
  /** Removing this passkey would leave the operator no factor to sign in with. */
  | { readonly code: "last_sign_in_factor"; readonly message: string }
  /** The operator name is taken. */
  | { readonly code: "operator_exists"; readonly message: string }
  /** No console operator of this name (operator commands). */
  | { readonly code: "operator_not_found"; readonly message: string };

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
