// The tenant's audit chain, checked from its first sealed event to its last (any key or operator of the tenant may ask).
import type { AuditChainReport, AuditChainVerifier } from "../ports/audit-chain.port.js";
import type { Actor } from "../shared/actor.js";

export class VerifyAuditChain {
  constructor(private readonly deps: { readonly verifier: AuditChainVerifier }) {}

  execute(input: { actor: Actor }): Promise<AuditChainReport> {
    return this.deps.verifier.verify(input.actor.tenantId);
  }
}
