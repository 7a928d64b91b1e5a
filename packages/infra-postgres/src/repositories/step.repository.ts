// The verify path in two statements: one read that locks the attempt, the user's failure counter, the credential and
// then its material (its kind's table), and one write (data-modifying CTEs) that makes the code's claim (kinds/),
// moves the attempt by compare-and-set, saves the failure counter and appends the audit events. With begin and commit
// that is four round trips instead of nine; each round trip costs the API process a socket write and an event-loop
// turn (bench/verify, docs/benchmarks.md).
import type { StepClaim, StepRepository, StepState, StepWrite } from "@mfa-chain/application";
import type { LockState } from "@mfa-chain/domain";
import { sql, type Compilable, type QueryCreator } from "kysely";
import { claimStorageOf, CREDENTIAL_ALIAS, materialOf } from "../kinds/index.js";
import type { Database, Db } from "../database/schema.js";
import { prepared, type PreparedQuery } from "../database/prepared.js";
import { toAttempt, toLockState, toStoredCredential } from "../database/rows.js";
import { ATTEMPT_COLUMNS, attemptChangeValues } from "./attempt.repository.js";
import { AUDIT_INSERT_COLUMNS, auditRowValues } from "./audit.repository.js";
import { PostgresLockoutRepository } from "./lockout.repository.js";

export class PostgresStepRepository implements StepRepository {
  constructor(private readonly db: Db) {}

  async lockForStep(tenantId: string, attemptId: string, factorId: string): Promise<StepState | null> {
    let row = (await LOCK_FOR_STEP.execute(this.db, tenantId, attemptId, factorId)).rows[0];
    if (!row) return null;
    if (row.consecutive_failures === null) {
      // The user's first verify ever: no failure-counter row yet, so the read locked neither it nor the credential.
      // Create and lock the counter, then read again: the credential is locked after the counter, in every order.
      await new PostgresLockoutRepository(this.db).findForUpdate(tenantId, row.user_id);
      row = (await LOCK_FOR_STEP.execute(this.db, tenantId, attemptId, factorId)).rows[0];
      if (!row || row.consecutive_failures === null)
        throw new Error(`the failure counter of a user in tenant ${tenantId} vanished while locked`);
    }
    const attempt = toAttempt(row);
    const credential = row.c_id === null ? null : toStoredCredential(unprefixed(row));
    return { attempt, lock: toLockState(row), credential };
  }

  async write(tenantId: string, userId: string, step: StepWrite): Promise<boolean> {
    const a = step.attempt;
    const args: unknown[] = [
      tenantId,
      a.id,
      step.expectedVersion,
      ...attemptChangeValues(a),
      ...(step.claim ? claimStorageOf(step.claim.kind).args(step.claim, new Date(step.at)) : []),
      ...(step.lock ? lockArgs(userId, step.lock, step.at) : []),
      ...step.events.flatMap(auditRowValues),
    ];
    const shape: WriteShape = { claim: step.claim?.kind ?? null, lock: step.lock !== null, events: step.events.length };
    const { rows } = await writeOf(shape).execute(this.db, ...args);
    const result = rows[0];
    return result !== undefined && Number(result.updated) === 1 && (shape.claim === null || Number(result.claimed) === 1);
  }
}

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
const LOCK_FOR_STEP = prepared(3, (db, tenantId: string, attemptId: string, factorId: string) =>
  db
    .with("a", (q) =>
      q.selectFrom("attempts").select(ATTEMPT_COLUMNS).where("tenant_id", "=", tenantId).where("id", "=", attemptId).forUpdate(),
    )
    .with("l", (q) =>
      q
        .selectFrom("lockouts")
        .select(["consecutive_failures", "lock_count", "locked_until"])
        .where("tenant_id", "=", tenantId)
        .where("user_id", "=", (eb) => eb.selectFrom("a").select("a.user_id"))
        .forUpdate(),
    )
    .with("c", (q) =>
      q
        .selectFrom(`credentials as ${cr}`)
        .select(credentialColumns())
        .where(`${cr}.tenant_id`, "=", tenantId)
        .where(`${cr}.user_id`, "=", (eb) => eb.selectFrom("a").select("a.user_id"))
        .where(`${cr}.factor_id`, "=", factorId)
        .where(`${cr}.status`, "=", "active")
        .where((eb) => eb.exists(eb.selectFrom("l").select("l.lock_count")))
        .forUpdate(),
    )
    .selectFrom("a")
    .leftJoin("l", (j) => j.onTrue())
    .leftJoin("c", (j) => j.onTrue())
    .selectAll()
    .select(materialOf(tenantId, { column: (name) => `c.c_${name}`, lock: true }).as("c_material")),
);

// ----------------------------------------------------------------------------------------------------------- write
interface WriteShape {
  readonly claim: StepClaim["kind"] | null;
  readonly lock: boolean;
  readonly events: number;
}

interface WriteResult {
  readonly updated: number | string | bigint;
  readonly claimed: number | string | bigint | null;
}

const lockArgs = (userId: string, lock: LockState, at: number): unknown[] => [
  userId,
  lock.consecutiveFailures,
  lock.lockCount,
  lock.lockedUntil === null ? null : new Date(lock.lockedUntil),
  new Date(at),
];

/** The write of one shape, built once (a verify has a few: with or without claim, counter write, one to three events). */
const writes = new Map<string, PreparedQuery<unknown[], WriteResult>>();
function writeOf(shape: WriteShape): PreparedQuery<unknown[], WriteResult> {
  const id = `${shape.claim}/${shape.lock}/${shape.events}`;
  let query = writes.get(id);
  if (!query) {
    const arity =
      10 +
      (shape.claim === null ? 0 : claimStorageOf(shape.claim).arity) +
      (shape.lock ? 5 : 0) +
      shape.events * AUDIT_INSERT_COLUMNS.length;
    query = prepared(arity, (db, ...v: unknown[]) => buildWrite(db, shape, v));
    if (shape.events <= 4) writes.set(id, query);
  }
  return query;
}

/** A CTE's query creator as the plain schema's: the claim statements reference no earlier CTE. */
const asBase = (w: unknown): QueryCreator<Database> => w as QueryCreator<Database>;

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
  // Every part runs whatever the others did; the counts say whether the compare-and-set and the claim held. The parts
  // added below are typed as the first one's builder (each CTE is referenced by name only in the final select).
  let q = db.with("att", (w) =>
    w
      .updateTable("attempts")
      .set(attempt)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", attemptId)
      .where("version", "=", expectedVersion)
      .returning("id"),
  );
  if (shape.claim !== null) {
    const claim = claimStorageOf(shape.claim);
    const args = Array.from({ length: claim.arity }, () => take<unknown>());
    q = q.with("claim", (w) => claim.statement(asBase(w), tenantId, args)) as unknown as typeof q;
  }
  if (shape.lock) {
    const userId = take<string>();
    const values = {
      consecutive_failures: take<number>(),
      lock_count: take<number>(),
      locked_until: take<Date | null>(),
      updated_at: take<Date>(),
    };
    q = q.with("lk", (w) =>
      w
        .insertInto("lockouts")
        .values({ tenant_id: tenantId, user_id: userId, ...values })
        .onConflict((oc) => oc.columns(["tenant_id", "user_id"]).doUpdateSet(values)),
    ) as unknown as typeof q;
  }
  if (shape.events > 0) {
    const rows = Array.from({ length: shape.events }, () =>
      Object.fromEntries(AUDIT_INSERT_COLUMNS.map((column) => [column, take<unknown>()])),
    );
    q = q.with("ev", (w) => w.insertInto("audit_events").values(rows as never)) as unknown as typeof q;
  }
  return q.selectNoFrom((eb) => [
    eb
      .selectFrom("att")
      .select((e) => e.fn.countAll<number>().as("n"))
      .as("updated"),
    // "claim" is a CTE of this statement only when the shape has one: the builder's types do not know it.
    shape.claim === null ? sql<null>`null`.as("claimed") : sql<number>`(select count(*) from claim)`.as("claimed"),
  ]);
}
