// The audit trail: appended unsealed inside the use case's transaction (no shared row, no waiting on other verifies),
// read back newest first with filters and backwards paging by sequence number.
import type { AuditLog, AuditQuery, AuditReader, FactorLastUse, StoredAuditEvent } from "@mfa-chain/application";
import { sql } from "kysely";
import type { AuditEvent } from "@mfa-chain/domain";
import type { Db } from "../database/schema.js";
import { prepared, type PreparedQuery } from "../database/prepared.js";
import { toStoredAuditEvent } from "../database/rows.js";

export const AUDIT_COLUMNS = [
  "tenant_id",
  "seq",
  "at",
  "type",
  "actor_kind",
  "actor_id",
  "user_id",
  "attempt_id",
  "factor_id",
  "data",
] as const;

/** The largest page a reader may ask for. */
export const AUDIT_MAX_LIMIT = 1000;

export class PostgresAuditLog implements AuditLog {
  constructor(private readonly db: Db) {}

  async append(...events: AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One multi-row insert: rows get their sequence numbers in the order given.
    await insertOf(events.length).execute(this.db, ...events.flatMap(auditRowValues));
  }
}

/** An event's column values, in AUDIT_INSERT_COLUMNS order. */
export const auditRowValues = (event: AuditEvent): unknown[] => [
  event.tenantId,
  new Date(event.at),
  event.type,
  event.actor.kind,
  event.actor.kind === "system" ? null : event.actor.id,
  event.userId,
  event.attemptId,
  event.factorId,
  JSON.stringify(event.data),
];

export const AUDIT_INSERT_COLUMNS = [
  "tenant_id",
  "at",
  "type",
  "actor_kind",
  "actor_id",
  "user_id",
  "attempt_id",
  "factor_id",
  "data",
] as const;

/** Their types, for values that reach the table through a select (`insert … select`) rather than `values`. */
export const AUDIT_INSERT_TYPES: { readonly [C in (typeof AUDIT_INSERT_COLUMNS)[number]]: string } = {
  tenant_id: "text",
  at: "timestamptz",
  type: "text",
  actor_kind: "text",
  actor_id: "text",
  user_id: "text",
  attempt_id: "text",
  factor_id: "text",
  data: "jsonb",
};

/** The insert of `n` events, built once per row count (a verify appends one to three). */
const inserts = new Map<number, PreparedQuery<unknown[], unknown>>();
function insertOf(n: number): PreparedQuery<unknown[], unknown> {
  let query = inserts.get(n);
  if (!query) {
    query = prepared(n * AUDIT_INSERT_COLUMNS.length, (db, ...values: unknown[]) =>
      db
        .insertInto("audit_events")
        .values(
          Array.from({ length: n }, (_, row) =>
            Object.fromEntries(AUDIT_INSERT_COLUMNS.map((column, i) => [column, values[row * AUDIT_INSERT_COLUMNS.length + i]])),
          ) as never,
        ),
    );
    if (n <= 8) inserts.set(n, query);
  }
  return query;
}

export function checkAuditQuery(query: AuditQuery): void {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > AUDIT_MAX_LIMIT) {
    throw new RangeError(`an audit page holds 1–${AUDIT_MAX_LIMIT} events, asked for ${query.limit}`);
  }
}

export class PostgresAuditReader implements AuditReader {
  constructor(private readonly db: Db) {}

  async list(query: AuditQuery): Promise<StoredAuditEvent[]> {
    checkAuditQuery(query);
    let q = this.db.selectFrom("audit_events").select(AUDIT_COLUMNS).where("tenant_id", "=", query.tenantId);
    if (query.userId !== undefined) q = q.where("user_id", "=", query.userId);
    if (query.types !== undefined) {
      if (query.types.length === 0) return [];
      q = q.where("type", "in", [...query.types]);
    }
    if (query.from !== undefined) q = q.where("at", ">=", new Date(query.from));
    if (query.to !== undefined) q = q.where("at", "<", new Date(query.to));
    if (query.before !== undefined) q = q.where("seq", "<", query.before);
    const rows = await q.orderBy("seq", "desc").limit(query.limit).execute();
    return rows.map(toStoredAuditEvent);
  }

  async lastStepSucceeded(tenantId: string, userId: string, factorIds: readonly string[]): Promise<FactorLastUse[]> {
    if (factorIds.length === 0) return [];
    // Per factor, its newest step success: the user's events newest first (audit_events_user_idx), no index of its own,
    // so that the verify's audit insert maintains no more indexes than before (an admin screen reads this, not a verify).
    const rows = await sql<{ factor_id: string; at: Date }>`
      select f.factor_id, last.at
      from unnest(${[...factorIds]}::text[]) as f(factor_id)
      cross join lateral (
        select e.at from audit_events e
        where e.tenant_id = ${tenantId} and e.user_id = ${userId} and e.factor_id = f.factor_id
          and e.type = 'attempt.step_succeeded'
        order by e.seq desc
        limit 1
      ) as last
      order by f.factor_id collate "C"`.execute(this.db);
    return rows.rows.map((r) => ({ factorId: r.factor_id, at: new Date(r.at).getTime() }));
  }
}
