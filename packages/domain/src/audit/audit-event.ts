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
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export type AuditActor = { readonly kind: "api_key"; readonly id: string } | { readonly kind: "system" };

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
