// The verify path in two statements: one read that locks the attempt, the user's failure counter, the credential and
// then its material (its kind's table), and one write (data-modifying CTEs) that makes the code's claim (kinds/),
// moves the attempt by compare-and-set, saves the failure counter and appends the audit events. With begin and commit
// that is four round trips instead of nine; each round trip costs the API process a socket write and an event-loop
// turn (bench/verify, docs/benchmarks.md).
//
// The optimistic verify uses the same two statements without a transaction (two round trips): the read without locks,
// and the write guarded — it locks the attempt and the failure counter only where they are still what was read, and
// every part of it depends on that guard and on the claim, so it writes all or nothing.
import { STEP_CHALLENGE_KINDS, type StepClaim, type StepRepository, type StepState, type StepWrite } from "@mfa-chain/application";
import type { ImplementedFactorType, LockState } from "@mfa-chain/domain";
import { sql, type Compilable, type QueryCreator, type RawBuilder } from "kysely";
import { claimStorageOf, CREDENTIAL_ALIAS, materialOf, STORAGE_KINDS } from "../kinds/index.js";
import type { Database, Db } from "../database/schema.js";
import { prepared, type PreparedQuery } from "../database/prepared.js";
import { toAttempt, toLockState, toStoredChallenge, toStoredCredential } from "../database/rows.js";
import { ATTEMPT_COLUMNS, attemptChangeValues } from "./attempt.repository.js";
import { AUDIT_INSERT_COLUMNS, AUDIT_INSERT_TYPES, auditRowValues } from "./audit.repository.js";
import { PostgresLockoutRepository } from "./lockout.repository.js";

export class PostgresStepRepository implements StepRepository {
  constructor(private readonly db: Db) {}

  async lockForStep(tenantId: string, attemptId: string, factorId: string): Promise<StepState | null> {
    return this.read(true, tenantId, attemptId, factorId);
  }

  async write(tenantId: string, userId: string, step: StepWrite): Promise<boolean> {
    return this.writeStep(tenantId, userId, step, null);
  }

  async readForStep(tenantId: string, attemptId: string, factorId: string): Promise<StepState | null> {
    return this.read(false, tenantId, attemptId, factorId);
  }

  /**
   * The state, once the user's failure counter has a row. On the user's first verify ever there is none yet, so the
   * locking read locked neither it nor the credential, and the optimistic write would have nothing to compare with:
   * create (and lock) the counter at zero, then read again — the credential is locked after the counter, in every order.
   */
  private async read(lock: boolean, tenantId: string, attemptId: string, factorId: string): Promise<StepState | null> {
    let row = await readStep(this.db, lock, tenantId, attemptId, factorId);
    if (!row) return null;
    if (row.consecutive_failures === null) {
      await new PostgresLockoutRepository(this.db).findForUpdate(tenantId, row.user_id);
      row = await readStep(this.db, lock, tenantId, attemptId, factorId);
      if (!row || row.consecutive_failures === null)
        throw new Error(`the failure counter of a user in tenant ${tenantId} vanished after it was created`);
    }
    return toStepState(row);
  }

  async writeIfUnchanged(tenantId: string, userId: string, step: StepWrite, seen: LockState): Promise<boolean> {
    return this.writeStep(tenantId, userId, step, seen);
  }

  private async writeStep(tenantId: string, userId: string, step: StepWrite, seen: LockState | null): Promise<boolean> {
    const a = step.attempt;
    const args: unknown[] = [
      tenantId,
      a.id,
      step.expectedVersion,
      ...attemptChangeValues(a),
      ...(seen ? [userId, ...lockValues(seen)] : []),
      ...(step.claim ? claimStorageOf(step.claim.kind).args(step.claim, new Date(step.at)) : []),
      ...(step.lock ? lockArgs(userId, step.lock, step.at) : []),
      ...step.events.flatMap(auditRowValues),
    ];
    const shape: WriteShape = {
      guarded: seen !== null,
      claim: step.claim?.kind ?? null,
      lock: step.lock !== null,
      events: step.events.length,
    };
    const { rows } = await writeOf(shape).execute(this.db, ...args);
    const result = rows[0];
    return result !== undefined && Number(result.updated) === 1 && (shape.claim === null || Number(result.claimed) === 1);
  }
}

const toStepState = (row: StepRow): StepState => ({
  attempt: toAttempt(row),
  lock: toLockState(row),
  credential: row.c_id === null ? null : toStoredCredential(unprefixed(row)),
  challenge: row.ch === null || row.ch === undefined ? null : toStoredChallenge(row.ch),
});

// ------------------------------------------------------------------------------------------------------------ read
/** The credential's columns under a prefix, beside the attempt's own of the same names, and its kind's material. */
const cr = CREDENTIAL_ALIAS;
const credentialColumns = () =>
  [
    `${cr}.tenant_id as c_tenant_id`,
    `${cr}.id as c_id`,
    `${cr}.user_id as c_user_id`,
    `${cr}.factor_id as c_factor_id`,
    `${cr}.label as c_label`,
    `${cr}.status as c_status`,
    `${cr}.type as c_type`,
    `${cr}.params as c_params`,
    `${cr}.last_time_step as c_last_time_step`,
    `${cr}.counter as c_counter`,
    `${cr}.created_at as c_created_at`,
    `${cr}.confirmed_at as c_confirmed_at`,
    `${cr}.revoked_at as c_revoked_at`,
  ] as const;

const unprefixed = (row: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(row).flatMap(([k, v]) => (k.startsWith("c_") ? [[k.slice(2), v]] : [])));

// Each CTE locks its own rows (FOR UPDATE in a WITH query is evaluated once and returns the newest committed row
// after any wait), in the order attempt → failure counter → credential, the order every other writer of these rows
// keeps (confirm and resync lock the counter before the credential). The credential's CTE depends on the counter's
// ("exists l"), so the counter is locked first whatever order the planner joins them in, and the credential is not
// locked at all when the counter row does not exist yet (locking it then, and the counter after, could deadlock).
// The credential's material is read last, in the outer select, once the credential's row is locked. Material on that
// row (the OTP replay guard) comes with its newest version; material in another table that claims change (backup
// codes) is read with a lock of its own (FOR UPDATE in the kind's subquery), since a plain subquery would read the
// snapshot taken when the statement began, stale if a concurrent claim committed while this one waited. Locks are taken
// attempt → counter → credential → material, as every claim takes them (credential, then its material).
// The optimistic read (readForStep) is the same statement without any lock.
//
// With `kind`, the statement reads only that kind's material and challenge (null for a credential of another kind):
// the same answer for a credential of that kind, at a fraction of the server's work (materialOf). readStep picks it.
const stepRead = (lock: boolean, kind: ImplementedFactorType | null) =>
  prepared(3, (db, tenantId: string, attemptId: string, factorId: string) => {
    const locked = <Q extends { forUpdate(): Q }>(q: Q): Q => (lock ? q.forUpdate() : q);
    return db
      .with("a", (q) =>
        locked(q.selectFrom("attempts").select(ATTEMPT_COLUMNS).where("tenant_id", "=", tenantId).where("id", "=", attemptId)),
      )
      .with("l", (q) =>
        locked(
          q
            .selectFrom("lockouts")
            .select(["consecutive_failures", "lock_count", "locked_until"])
            .where("tenant_id", "=", tenantId)
            .where("user_id", "=", (eb) => eb.selectFrom("a").select("a.user_id")),
        ),
      )
      .with("c", (q) =>
        locked(
          q
            .selectFrom(`credentials as ${cr}`)
            .select(credentialColumns())
            .where(`${cr}.tenant_id`, "=", tenantId)
            .where(`${cr}.user_id`, "=", (eb) => eb.selectFrom("a").select("a.user_id"))
            .where(`${cr}.factor_id`, "=", factorId)
            .where(`${cr}.status`, "=", "active")
            .where((eb) => eb.exists(eb.selectFrom("l").select("l.lock_count"))),
        ),
      )
      .selectFrom("a")
      .leftJoin("l", (j) => j.onTrue())
      .leftJoin("c", (j) => j.onTrue())
      .selectAll()
      .select(materialOf(tenantId, { column: (name) => `c.c_${name}`, lock }, kind).as("c_material"))
      .select(stepChallenge(tenantId, lock, kind).as("ch"));
  });

/**
 * The challenge of the attempt's current step for the credential, for the kinds that have one (all of them, or the
 * one kind read): a sent code, a WebAuthn challenge. Locked last on the locking path, so that a consume or a resend
 * committed while the statement waited is seen.
 */
const stepChallenge = (tenantId: string, lock: boolean, kind: ImplementedFactorType | null): RawBuilder<unknown> => {
  const kinds = kind === null ? STEP_CHALLENGE_KINDS : STEP_CHALLENGE_KINDS.filter((k) => k === kind);
  if (kinds.length === 0) return sql<unknown>`null::json`;
  return sql<unknown>`case when c.c_type in (${sql.join(kinds.map((type) => sql.lit(type)))}) then
    (select row_to_json(ch) from (select t.tenant_id, t.purpose, t.id, t.user_id, t.credential_id, t.attempt_id,
    t.step, t.code_hash, t.created_at, t.expires_at, t.consumed_at, t.tries from one_time_challenges t
    where t.tenant_id = ${tenantId} and t.attempt_id = a.id and t.step = a.cursor and t.credential_id = c.c_id
    ${lock ? sql`for update` : sql``}) ch limit 1) end`;
};

/** Per kind read (or null: every kind's material), [unlocked, locked]. */
const STEP_READS = new Map(
  [null, ...(Object.keys(STORAGE_KINDS) as ImplementedFactorType[])].map(
    (kind) => [kind, [stepRead(false, kind), stepRead(true, kind)]] as const,
  ),
);
const stepReadOf = (kind: ImplementedFactorType | null, lock: boolean) => STEP_READS.get(kind)![lock ? 1 : 0];
type StepRow = NonNullable<Awaited<ReturnType<ReturnType<typeof stepRead>["execute"]>>["rows"][number]>;

/**
 * The kind of the credential a factor id of a tenant named at its last read in this process: which read to run first.
 * Only a hint, checked against the row: when the credential is of another kind, the read of every kind runs after it
 * (one more round trip, the first time or after a change), so the answer never depends on it. Bounded: cleared when full.
 */
const kindHints = new Map<string, ImplementedFactorType>();
const KIND_HINTS_MAX = 10_000;

async function readStep(db: Db, lock: boolean, tenantId: string, attemptId: string, factorId: string): Promise<StepRow | undefined> {
  const key = `${tenantId}\u0000${factorId}`;
  const hint = kindHints.get(key);
  if (hint !== undefined) {
    const row = (await stepReadOf(hint, lock).execute(db, tenantId, attemptId, factorId)).rows[0];
    // No credential (none active, or the counter not created yet): the kind read changes nothing in the answer.
    if (row === undefined || row.c_type === null || row.c_type === hint) return row;
  }
  const row = (await stepReadOf(null, lock).execute(db, tenantId, attemptId, factorId)).rows[0];
  const type = row?.c_type;
  if (type != null && Object.hasOwn(STORAGE_KINDS, type)) {
    if (kindHints.size >= KIND_HINTS_MAX) kindHints.clear();
    kindHints.set(key, type as ImplementedFactorType);
  }
  return row;
}

// ----------------------------------------------------------------------------------------------------------- write
interface WriteShape {
  /** The optimistic write: every part depends on the guard (the attempt and the counter as read, locked) and the claim. */
  readonly guarded: boolean;
  readonly claim: StepClaim["kind"] | null;
  readonly lock: boolean;
  readonly events: number;
}

interface WriteResult {
  readonly updated: number | string | bigint;
  readonly claimed: number | string | bigint | null;
}

const lockValues = (lock: LockState): unknown[] => [
  lock.consecutiveFailures,
  lock.lockCount,
  lock.lockedUntil === null ? null : new Date(lock.lockedUntil),
];
const lockArgs = (userId: string, lock: LockState, at: number): unknown[] => [userId, ...lockValues(lock), new Date(at)];

/** The write of one shape, built once (a verify has a few: with or without claim, counter write, one to three events). */
const writes = new Map<string, PreparedQuery<unknown[], WriteResult>>();
function writeOf(shape: WriteShape): PreparedQuery<unknown[], WriteResult> {
  const id = `${shape.guarded}/${shape.claim}/${shape.lock}/${shape.events}`;
  let query = writes.get(id);
  if (!query) {
    const arity =
      10 +
      (shape.guarded ? 4 : 0) +
      (shape.claim === null ? 0 : claimStorageOf(shape.claim).arity) +
      (shape.lock ? 5 : 0) +
      shape.events * AUDIT_INSERT_COLUMNS.length;
    query = prepared(arity, (db, ...v: unknown[]) => buildWrite(db, shape, v));
    if (shape.events <= 4) writes.set(id, query);
  }
  return query;
}

function buildWrite(db: Db, shape: WriteShape, v: unknown[]): Compilable<WriteResult> {
  const take = (() => {
    let i = 0;
    return <T>(): T => v[i++] as T;
  })();
  const tenantId = take<string>();
  const attemptId = take<string>();
  const expectedVersion = take<number>();
  const attempt = {
    chain: take<string>(),
    eligible: take<string>(),
    cursor: take<number>(),
    status: take<"active" | "completed">(),
    version: take<number>(),
    expires_at: take<Date>(),
    completed_at: take<Date | null>(),
  };
  // Each part is a CTE referenced by name only in raw SQL (`exists (select 1 from g)`, the final counts), so the chain is
  // typed as the plain schema's query creator.
  let q = db as QueryCreator<Database>;
  const add = (name: string, part: (w: QueryCreator<Database>) => Compilable) => {
    q = q.with(name, part as never) as unknown as QueryCreator<Database>;
  };
  const onlyIf = (cte: string) => sql<boolean>`exists (select 1 from ${sql.table(cte)})`;
  const always = sql<boolean>`true`;
  // The optimistic write's guard: the attempt at the version read and the user's counter as read, both locked for the
  // rest of the statement (a concurrent change waits or is waited for, and the condition is checked again on the newest
  // row). Where either changed, the guard is empty and nothing below writes.
  if (shape.guarded) {
    const userId = take<string>();
    const seen = { failures: take<number>(), count: take<number>(), until: take<Date | null>() };
    add("g", (w) =>
      w
        .selectFrom("attempts as ga")
        .innerJoin("lockouts as gl", (j) => j.onRef("gl.tenant_id", "=", "ga.tenant_id").onRef("gl.user_id", "=", "ga.user_id"))
        .select("ga.id")
        .where("ga.tenant_id", "=", tenantId)
        .where("ga.id", "=", attemptId)
        .where("ga.version", "=", expectedVersion)
        .where("gl.user_id", "=", userId)
        .where("gl.consecutive_failures", "=", seen.failures)
        .where("gl.lock_count", "=", seen.count)
        .where(sql<boolean>`gl.locked_until is not distinct from ${seen.until}`)
        .forUpdate(["ga", "gl"]),
    );
  }
  const guard = shape.guarded ? onlyIf("g") : always;
  if (shape.claim !== null) {
    const claim = claimStorageOf(shape.claim);
    const args = Array.from({ length: claim.arity }, () => take<unknown>());
    const then = claim.then;
    if (then) {
      // A claim of two tables: its second update only with its first (claim_first), and "claim" is the second's rows.
      add("claim_first", (w) => claim.statement(w, tenantId, args).where(guard));
      add("claim", (w) => then(w, tenantId, args).where(onlyIf("claim_first")));
    } else add("claim", (w) => claim.statement(w, tenantId, args).where(guard));
  }
  // Optimistic: the attempt moves only with the claim (when there is one); the rest only with the attempt.
  const withClaim = shape.guarded && shape.claim !== null ? onlyIf("claim") : always;
  add("att", (w) =>
    w
      .updateTable("attempts")
      .set(attempt)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", attemptId)
      .where("version", "=", expectedVersion)
      .where(guard)
      .where(withClaim)
      .returning("id"),
  );
  const withAttempt = shape.guarded ? onlyIf("att") : always;
  if (shape.lock) {
    const userId = take<string>();
    const values = {
      consecutive_failures: take<number>(),
      lock_count: take<number>(),
      locked_until: take<Date | null>(),
      updated_at: take<Date>(),
    };
    add("lk", (w) =>
      shape.guarded
        ? // The guard locked this row as read: an update of it.
          w.updateTable("lockouts").set(values).where("tenant_id", "=", tenantId).where("user_id", "=", userId).where(withAttempt)
        : w
            .insertInto("lockouts")
            .values({ tenant_id: tenantId, user_id: userId, ...values })
            .onConflict((oc) => oc.columns(["tenant_id", "user_id"]).doUpdateSet(values)),
    );
  }
  if (shape.events > 0) {
    const rows = Array.from({ length: shape.events }, () => AUDIT_INSERT_COLUMNS.map(() => take<unknown>()));
    add("ev", (w) =>
      shape.guarded
        ? // insert … select, so that the events are written only with the attempt (typed: the values are parameters).
          w
            .insertInto("audit_events")
            .columns(AUDIT_INSERT_COLUMNS)
            .expression(
              sql`select * from (values ${sql.join(
                rows.map(
                  (row) =>
                    sql`(${sql.join(row.map((value, i) => sql`${value}::${sql.raw(AUDIT_INSERT_TYPES[AUDIT_INSERT_COLUMNS[i] ?? "data"])}`))})`,
                ),
              )}) as v where ${withAttempt}`,
            )
        : w
            .insertInto("audit_events")
            .values(rows.map((row) => Object.fromEntries(AUDIT_INSERT_COLUMNS.map((column, i) => [column, row[i]]))) as never),
    );
  }
  return q.selectNoFrom([
    sql<number>`(select count(*) from att)`.as("updated"),
    // "claim" is a CTE of this statement only when the shape has one.
    shape.claim === null ? sql<null>`null`.as("claimed") : sql<number>`(select count(*) from claim)`.as("claimed"),
  ]) as unknown as Compilable<WriteResult>;
}
