// Reads the audit trail of the caller's tenant, newest first, a page at a time.
import type { AuditEventType, Instant } from "@mfa-chain/domain";
import type { AuditReader, StoredAuditEvent } from "../ports/repositories.port.js";
import type { Actor } from "../shared/actor.js";

export interface ListAuditEventsInput {
  readonly actor: Actor;
  readonly userId?: string;
  readonly types?: readonly AuditEventType[];
  readonly from?: Instant;
  readonly to?: Instant;
  readonly before?: number;
  readonly limit?: number;
}

export const AUDIT_PAGE_MAX = 200;

export class ListAuditEvents {
  constructor(private readonly deps: { readonly audit: AuditReader }) {}

  async execute(input: ListAuditEventsInput): Promise<{ events: StoredAuditEvent[]; nextBefore: number | null }> {
    const limit = Math.min(Math.max(input.limit ?? 50, 1), AUDIT_PAGE_MAX);
    const { actor, ...filters } = input;
    const events = await this.deps.audit.list({ ...filters, tenantId: actor.tenantId, limit });
    const last = events.at(-1);
    return { events, nextBefore: events.length === limit && last ? last.seq : null };
  }
}
