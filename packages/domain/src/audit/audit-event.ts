// Security events worth an append-only record. Never carries codes, secrets or backup codes.
import type { Instant } from "../shared/time.js";

export const AUDIT_EVENT_TYPES = [
  "policy.created",
  "policy.updated",
  "policy.deleted",
  "factor.enrolled",
  "factor.confirmed",
  "factor.confirm_failed",
  "factor.revoked",
  "factor.resynced",
  "factor.resync_failed",
  "attempt.started",
  "attempt.step_succeeded",
  "attempt.step_failed",
  "attempt.chain_breached",
  "attempt.completed",
  "attempt.locked_rejected",
  "challenge.sent",
  "challenge.send_limited",
  "challenge.send_failed",
  // WebAuthn (issue 12): a challenge answered by its kind (request or creation options), a tenant's relying party set.
  "challenge.issued",
  "webauthn.relying_party_set",
  "user.locked",
  "user.unlocked",
  "tenant.created",
  "api_key.issued",
  "api_key.revoked",
  "vault.entry_added",
  "vault.entry_deleted",
  "vault.grant_added",
  "vault.grant_revoked",
  "vault.group_set",
  "vault.code_read",
  "vault.read_burst",
  "vault.access_denied",
  "enforcement.rules_set",
  "enforcement.user_set",
  "enforcement.decided",
  "device.remembered",
  "device.rotated",
  "device.refused",
  "device.revoked",
  // Push approval (issue 13).
  "push.device_enrolled",
  "push.enrollment_refused",
  "push.challenge_issued",
  "push.challenge_limited",
  "push.answered",
  "push.fraud_reported",
  "push.denies_cleared",
  "tenant.settings_set",
  "notification.sent",
  "notification.failed",
  "recovery.requested",
  "recovery.cancelled",
  "recovery.ready",
  "recovery.completed",
  "recovery.expired",
  "recovery.factors_reset",
  // Console operators (issue 15).
  "operator.created",
  "operator.signed_in",
  "operator.sign_in_failed",
  "operator.signed_out",
  // Operator commands (issue 15): disable-operator, enable-operator, reset-operator-password, reset-operator-authenticator.
  "operator.disabled",
  "operator.enabled",
  "operator.password_reset",
  "operator.authenticator_reset",
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export type AuditActor =
  | { readonly kind: "api_key"; readonly id: string }
  /** A console operator (apps/admin), by operator id. */
  | { readonly kind: "operator"; readonly id: string }
  | { readonly kind: "system" };

export type AuditValue = string | number | boolean | null;

export interface AuditEvent {
  readonly tenantId: string;
  readonly type: AuditEventType;
  readonly at: Instant;
  readonly actor: AuditActor;
  readonly userId: string | null;
  readonly attemptId: string | null;
  readonly factorId: string | null;
  /** Small, non-secret facts: a failure reason, a lock's end, a policy version. */
  readonly data: Readonly<Record<string, AuditValue>>;
}
