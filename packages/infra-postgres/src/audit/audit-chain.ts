// The audit hash chain, sealed after the fact. Use cases insert events and never touch them again (no shared "last
// hash" row, so verifies never queue behind each other); sealAuditChain then links a tenant's unsealed events in
// sequence order, one insert-only row each in audit_seals:
//   hash = sha256(prev_hash ‖ canonical JSON of the event), chain_index = previous index + 1.
// An event whose transaction commits late is simply sealed in a later round, after the ones already sealed: the chain
// order is chain_index, which is contiguous, so a deleted or altered event or seal shows. A rewrite of the whole tail is
// only caught against an anchor kept elsewhere: publish `head` from verifyAuditChain periodically.
//
// Finding the unsealed events without a flag on the event row. Each tenant has a cursor, through_seq: every event of the
// tenant with seq <= through_seq is sealed; a round looks only past it (events with no seal row, an index range of the
// tenant's newest events). Events commit out of seq order, so the cursor may not simply jump to the largest seq sealed:
// a transaction that drew a smaller seq may still be running. A round therefore notes a step for the next one: S, the
// largest seq of the tenant's events visible now, then V, the transactions running now (their virtual transaction ids,
// which every transaction holds from its start, whether or not it has written). Any transaction that drew a seq <= S drew
// it before S was read (seqs are drawn in increasing order and S's own event was committed), so when V is read it has
// either ended or is in V. Once none of V runs any more, every event with seq <= S is visible to a new statement; a
// round that then sealed every event it saw may move the cursor to S. This needs every writer of audit_events to commit
// in one step: a prepared transaction (PREPARE TRANSACTION, two-phase commit) holds no virtual transaction id, and
// mfa-chain never prepares one. A long transaction of this database (a session left idle in a transaction: the API's
// own connections time out after a while) only holds the cursor back meanwhile, so rounds look at a longer stretch of
// the tenant's newest events; it never makes one skip. (With several nodes each drawing its own seq range and
// committing across nodes in two phases, as Citus does, this rule does not hold as it stands: docs/deploy.md, "The path
// to Citus".) verifyAuditChain counts unsealed events over the whole trail, not past the cursor, so an event the cursor
// ever passed unsealed would show there.
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

/** Whether any of these transactions (virtual transaction ids) still runs. */
async function anyRunning(trx: Db, vxids: readonly string[]): Promise<boolean> {
  if (vxids.length === 0) return false;
  const { rows } = await sql<{ running: boolean }>`select exists (select 1 from pg_locks where locktype = 'virtualxid'
    and mode = 'ExclusiveLock' and granted and virtualxid = any(${vxids}::text[])) as running`.execute(trx);
  return rows[0]?.running === true;
}

/** The transactions of this database running now, but this one (virtual transaction ids). */
async function runningNow(trx: Db): Promise<string[]> {
  const { rows } = await sql<{ vxids: string[] }>`select coalesce(array_agg(l.virtualxid::text), '{}') as vxids
    from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'virtualxid' and l.mode = 'ExclusiveLock' and l.granted and l.pid <> pg_backend_pid()
      and a.datname = current_database()`.execute(trx);
  return rows[0]?.vxids ?? [];
}

/**
 * The tenant's events past the cursor that have no seal, in sequence order. Each event's seal is looked up by its own
 * key (tenant, seq): a lateral subquery with a limit is not turned into a join, so the lookup stays an index probe
 * whatever the statistics say. (As `not exists`, planned on statistics from before a tenant's burst of events, the
 * anti-join scanned all of the tenant's seals for every event: 30,000 events took 51 s to seal instead of 3.)
 */
export const unsealedPast = (db: Db, tenantId: string, through: number) =>
  db
    .selectFrom("audit_events as e")
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom("audit_seals as s")
          .select(sql<number>`1`.as("found"))
          .where("s.tenant_id", "=", tenantId)
          .whereRef("s.seq", "=", "e.seq")
          .limit(1)
          .as("sealed"),
      (join) => join.onTrue(),
    )
    .where("e.tenant_id", "=", tenantId)
    .where("e.seq", ">", through)
    .where("sealed.found", "is", null);

/**
 * Seals the tenant's unsealed events in sequence order, in batches, each batch one transaction under a per-tenant
 * advisory lock: safe to run from several processes at once.
 *
 * The first batch looks past the cursor; each later one past the last event this call sealed (so that a long backlog
 * is read once, not again at every batch). The cursor may then move only on what held before the first batch looked:
 * the step noted earlier was reached then (none of its transactions ran), so every event up to it was visible to the
 * first batch, and the batches together sealed them all. If another sealer moved the cursor in between, it is left as is.
 */
export async function sealAuditChain(db: Db, tenantId: string, options: { batchSize?: number } = {}): Promise<SealResult> {
  const batchSize = options.batchSize ?? 500;
  let total = 0;
  let start: CursorStart | undefined;
  let after = 0;
  for (;;) {
    // Read committed whatever the server's default: each statement must see what committed before it began (above).
    const sealed = await db
      .transaction()
      .setIsolationLevel("read committed")
      .execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${sealLockKey(tenantId)}::bigint)`.execute(trx);
        const cursor = await trx
          .selectFrom("audit_seal_cursors")
          .select(["through_seq", "pending_seq", "pending_vxids"])
          .where("tenant_id", "=", tenantId)
          .executeTakeFirst();
        const now = { through: cursor?.through_seq ?? 0, pending: cursor?.pending_seq ?? null, vxids: cursor?.pending_vxids ?? null };
        // The step noted by an earlier round, reached once none of its transactions runs: every event up to it is visible.
        start ??= { ...now, reached: now.pending !== null && !(await anyRunning(trx, now.vxids ?? [])) };
        const head = await trx
          .selectFrom("audit_seals")
          .select(["chain_index", "hash"])
          .where("tenant_id", "=", tenantId)
          .orderBy("chain_index", "desc")
          .limit(1)
          .executeTakeFirst();
        const rows = await unsealedPast(trx, tenantId, Math.max(now.through, after))
          .select(AUDIT_COLUMNS.map((c) => `e.${c}` as const))
          .orderBy("e.seq")
          .limit(batchSize)
          .execute();
        let prev = head?.hash ?? GENESIS_HASH;
        let index = head?.chain_index ?? 0;
        const seals = rows.map((row) => {
          const event = toStoredAuditEvent(row);
          index += 1;
          const hash = chainHash(prev, event);
          const seal = { tenant_id: tenantId, chain_index: index, seq: event.seq, prev_hash: prev, hash };
          prev = hash;
          return seal;
        });
        if (seals.length > 0) {
          await trx.insertInto("audit_seals").values(seals).execute();
          after = seals[seals.length - 1]!.seq;
        }
        // A full batch leaves more to seal; another sealer's cursor move is its own.
        if (rows.length < batchSize && now.through === start.through && now.pending === start.pending) {
          await moveCursor(trx, tenantId, start, cursor !== undefined);
        }
        return rows.length;
      });
    total += sealed;
    if (sealed < batchSize) return { sealed: total };
  }
}

interface CursorStart {
  readonly through: number;
  readonly pending: number | null;
  readonly vxids: string[] | null;
  /** Whether the pending step was reached before the call's first batch looked. */
  readonly reached: boolean;
}

/**
 * After a call sealed every event it saw: the cursor moves to the step reached, and the next step is noted — S first,
 * then the transactions running now (the order the argument at the top needs).
 */
async function moveCursor(trx: Db, tenantId: string, start: CursorStart, exists: boolean): Promise<void> {
  const through = start.reached ? Math.max(start.through, start.pending ?? 0) : start.through;
  let next = { seq: start.pending, vxids: start.vxids };
  if (start.pending === null || start.reached) {
    const last = await trx
      .selectFrom("audit_events")
      .select("seq")
      .where("tenant_id", "=", tenantId)
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
    next = last === undefined || last.seq <= through ? { seq: null, vxids: null } : { seq: last.seq, vxids: await runningNow(trx) };
  }
  if (exists && through === start.through && next.seq === start.pending) return;
  const values = { through_seq: through, pending_seq: next.seq, pending_vxids: next.vxids };
  await trx
    .insertInto("audit_seal_cursors")
    .values({ tenant_id: tenantId, ...values })
    .onConflict((oc) => oc.column("tenant_id").doUpdateSet(values))
    .execute();
}

/**
 * Seals every tenant that has unsealed events, no cursor yet, or a cursor that can move on (for a periodic background
 * job), so that an idle tenant's cursor reaches its newest event within two rounds and the check past it is then
 * empty. The tenants are found by walking audit_events' primary key one tenant at a time (a loose index scan), each
 * checked with an index range past its cursor (each event's seal looked up by key, as in unsealedPast).
 */
export async function sealAllAuditChains(db: Db, options: { batchSize?: number } = {}): Promise<SealResult> {
  const { rows: tenants } = await sql<{ tenant_id: string }>`
    with recursive t(id) as (
      select min(tenant_id) from audit_events
      union all
      select (select min(e.tenant_id) from audit_events e where e.tenant_id > t.id) from t where t.id is not null
    )
    select t.id as tenant_id from t left join audit_seal_cursors c on c.tenant_id = t.id
    where t.id is not null and (
      c.tenant_id is null
      or c.pending_seq > c.through_seq
      or exists (select 1 from audit_events e
        left join lateral (select 1 as found from audit_seals s where s.tenant_id = e.tenant_id and s.seq = e.seq limit 1) sealed on true
        where e.tenant_id = t.id and e.seq > coalesce(c.through_seq, 0) and sealed.found is null))`.execute(db);
  let sealed = 0;
  for (const { tenant_id } of tenants) sealed += (await sealAuditChain(db, tenant_id, options)).sealed;
  return { sealed };
}

/**
 * Walks the tenant's sealed chain in chain order and reports the first event that does not verify: a seal missing
 * (a gap in chain_index), a sealed event missing, a broken link or an event whose content no longer matches its hash.
 */
export async function verifyAuditChain(db: Db, tenantId: string, options: { pageSize?: number } = {}): Promise<AuditChainReport> {
  const pageSize = options.pageSize ?? 1000;
  let prev = GENESIS_HASH;
  let expectedIndex = 1;
  for (;;) {
    const rows = await db
      .selectFrom("audit_seals as s")
      .leftJoin("audit_events as e", (j) => j.on("e.tenant_id", "=", tenantId).onRef("e.seq", "=", "s.seq"))
      .select([...AUDIT_COLUMNS.map((c) => `e.${c}` as const), "s.seq as sealed_seq", "s.chain_index", "s.prev_hash", "s.hash"])
      .where("s.tenant_id", "=", tenantId)
      .where("s.chain_index", ">=", expectedIndex)
      .orderBy("s.chain_index")
      .limit(pageSize)
      .execute();
    for (const row of rows) {
      const bad = (reason: "hash_mismatch" | "broken_link" | "missing_event" | "corrupt_row", message: string): AuditChainReport => ({
        ok: false,
        firstBadSeq: row.sealed_seq,
        reason,
        message: `audit event ${row.sealed_seq} (chain index ${row.chain_index}): ${message}`,
      });
      if (row.chain_index !== expectedIndex) return bad("missing_event", `expected chain index ${expectedIndex}: an event was removed`);
      if (row.seq === null) return bad("missing_event", "it was sealed and is gone: an event was removed");
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
  // Over the whole trail, not only past the sealer's cursor: the check does not rely on the sealer's reasoning.
  const unsealed = await unsealedPast(db, tenantId, 0)
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .executeTakeFirstOrThrow();
  return { ok: true, checked: expectedIndex - 1, unsealed: Number(unsealed.n), head: prev };
}
