// Who asks: an API key of the tenant, with its role. Admin keys may change any user's factors without re-authentication.
import type { AuditActor } from "@mfa-chain/domain";

export interface Actor {
  readonly tenantId: string;
  readonly keyId: string;
  readonly role: "admin" | "service";
  /** Set when a console operator asks (a session of apps/admin): audited as the operator, not as a key. */
  readonly operatorId?: string;
}

export const auditActor = (actor: Actor): AuditActor =>
  actor.operatorId === undefined ? { kind: "api_key", id: actor.keyId } : { kind: "operator", id: actor.operatorId };
