// Who asks: an API key of the tenant, with its role. Admin keys may change any user's factors without re-authentication.
import type { AuditActor } from "@mfa-chain/domain";

export interface Actor {
  readonly tenantId: string;
  readonly keyId: string;
  readonly role: "admin" | "service";
}

export const auditActor = (actor: Actor): AuditActor => ({ kind: "api_key", id: actor.keyId });
