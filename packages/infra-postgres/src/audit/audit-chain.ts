// The audit hash chain, sealed after the fact. Use cases insert events unsealed (no shared "last hash" row, so
// verifies never queue behind each other); sealAuditChain then links a tenant's unsealed events in sequence order:
//   hash = sha256(prev_hash ‖ canonical JSON of the event), chain_index = previous index + 1.
// An event whose transaction commits late is simply sealed in a later round, after the ones already sealed: the chain
// order is chain_index, which is contiguous, so a deleted or altered row shows. A rewrite of the whole tail is only
// caught against an anchor kept elsewhere: publish `head` from verifyAuditChain periodically.
import { createHash } from "node:crypto";
import type { AuditChainReport, StoredAuditEvent } from "@mfa-chain/application";
import { sql } from "kysely";
import type { Db } from "../database/schema.js";
import { CorruptRowError, toStoredAuditEvent } from "../database/rows.js";
import { AUDIT_COLUMNS } from "../repositories/audit.repository.js";

export const GENESIS_HASH = "0".repeat(64);

/** The exact bytes an event's hash covers: a JSON array in a fixed order, data keys sorted. */
export function canonicalAuditEvent(e: StoredAuditEvent): string {
  const data = Object.keys(e.data)
    .sort()
    .map((key) => [key, e.data[key]]);
  return JSON.stringify([
    "mfa-chain/audit/v1",
    e.tenantId,
    e.seq,
    e.at,
    e.type,
    e.actor.kind,
    e.actor.kind === "system" ? null : e.actor.id,
    e.userId,
    e.attemptId,
    e.factorId,
    data,
  ]);
}

export const chainHash = (prevHash: string, event: StoredAuditEvent): string =>
  createHash("sha256").update(prevHash, "utf8").update(canonicalAuditEvent(event), "utf8").digest("hex");

/** A 64-bit advisory lock key per tenant (pg_advisory_xact_lock takes a bigint). */
function sealLockKey(tenantId: string): string {
  const digest = createHash("sha256").update(`mfa-chain/audit-seal/${tenantId}`, "utf8").digest();
  return digest.readBigInt64BE(0).toString();
}

export interface SealResult {
  readonly sealed: number;
}

/**
 * Seals the tenant's unsealed events in sequence order, in batches, each batch one transaction under a per-tenant
 * advisory lock: safe to run from several processes at once.
 */
export async function sealAuditChain(db: Db, tenantId: string, options: { batchSize?: number } = {}): Promise<SealResult> {
  const batchSize = options.batchSize ?? 500;
  let total = 0;
  for (;;) {
    const sealed = await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${sealLockKey(tenantId)}::bigint)`.execute(trx);
      const head = await trx
        .selectFrom("audit_events")
        .select(["chain_index", "hash"])
        .where("tenant_id", "=", tenantId)
        .where("chain_index", "is not", null)
        .orderBy("chain_index", "desc")
        .limit(1)
        .executeTakeFirst();
      const rows = await trx
        .selectFrom("audit_events")
        .select(AUDIT_COLUMNS)
        .where("tenant_id", "=", tenantId)
        .where("hash", "is", null)
        .orderBy("seq")
        .limit(batchSize)
        .execute();
      if (rows.length === 0) return 0;
      let prev = head?.hash ?? GENESIS_HASH;
      let index = head?.chain_index ?? 0;
      const seals = rows.map((row) => {
        const event = toStoredAuditEvent(row);
        index += 1;
        const hash = chainHash(prev, event);
        const seal = { seq: event.seq, chain_index: index, prev_hash: prev, hash };
        prev = hash;
        return seal;
      });
      await sql`
        update audit_events as a
        set chain_index = v.chain_index, prev_hash = v.prev_hash, hash = v.hash
        from jsonb_to_recordset(${JSON.stringify(seals)}::jsonb) as v(seq bigint, chain_index bigint, prev_hash text, hash text)
        where a.tenant_id = ${tenantId} and a.seq = v.seq and a.hash is null`.execute(trx);
      return rows.length;
    });
    total += sealed;
    if (sealed < batchSize) return { sealed: total };
  }
}

/** Seals every tenant that has unsealed events (for a periodic background job). */
export async function sealAllAuditChains(db: Db, options: { batchSize?: number } = {}): Promise<SealResult> {
  const tenants = await db.selectFrom("audit_events").select("tenant_id").distinct().where("hash", "is", null).execute();
  let sealed = 0;
  for (const { tenant_id } of tenants) sealed += (await sealAuditChain(db, tenant_id, options)).sealed;
  return { sealed };
}

/** Walks the tenant's sealed chain in chain order and reports the first event that does not verify. */
export async function verifyAuditChain(db: Db, tenantId: string, options: { pageSize?: number } = {}): Promise<AuditChainReport> {
  const pageSize = options.pageSize ?? 1000;
  let prev = GENESIS_HASH;
  let expectedIndex = 1;
  for (;;) {
    const rows = await db
      .selectFrom("audit_events")
      .select([...AUDIT_COLUMNS, "chain_index", "prev_hash", "hash"])
      .where("tenant_id", "=", tenantId)
      .where("chain_index", ">=", expectedIndex)
      .orderBy("chain_index")
      .limit(pageSize)
      .execute();
    for (const row of rows) {
      const bad = (reason: "hash_mismatch" | "broken_link" | "missing_event" | "corrupt_row", message: string): AuditChainReport => ({
        ok: false,
        firstBadSeq: row.seq,
        reason,
        message: `audit event ${row.seq} (chain index ${String(row.chain_index)}): ${message}`,
      });
      if (row.chain_index !== expectedIndex) return bad("missing_event", `expected chain index ${expectedIndex}: an event was removed`);
      if (row.prev_hash !== prev) return bad("broken_link", "its prev_hash is not the hash of the event before it");
      let event: StoredAuditEvent;
      try {
        event = toStoredAuditEvent(row);
      } catch (error) {
        if (error instanceof CorruptRowError) return bad("corrupt_row", error.message);
        throw error;
      }
      if (chainHash(prev, event) !== row.hash) return bad("hash_mismatch", "its content does not match its hash: it was changed");
      prev = row.hash;
      expectedIndex += 1;
    }
    if (rows.length < pageSize) break;
  }
  const unsealed = await db
    .selectFrom("audit_events")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("tenant_id", "=", tenantId)
    .where("hash", "is", null)
    .executeTakeFirstOrThrow();
  return { ok: true, checked: expectedIndex - 1, unsealed: Number(unsealed.n), head: prev };
}
