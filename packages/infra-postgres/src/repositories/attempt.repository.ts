// Attempts: read-and-lock for a verify, and a compare-and-set on the version for every change.
import type { AttemptRepository } from "@mfa-chain/application";
import type { Attempt } from "@mfa-chain/domain";
import type { Db } from "../database/schema.js";
import { prepared } from "../database/prepared.js";
import { toAttempt } from "../database/rows.js";

export const ATTEMPT_COLUMNS = [
  "tenant_id",
  "id",
  "user_id",
  "policy_id",
  "policy_version",
  "chain",
  "eligible",
  "cursor",
  "status",
  "version",
  "created_at",
  "expires_at",
  "completed_at",
] as const;

export class PostgresAttemptRepository implements AttemptRepository {
  constructor(private readonly db: Db) {}

  async insert(a: Attempt): Promise<void> {
    await this.db
      .insertInto("attempts")
      .values({
        tenant_id: a.tenantId,
        id: a.id,
        user_id: a.userId,
        policy_id: a.policyId,
        policy_version: a.policyVersion,
        chain: JSON.stringify(a.chain),
        eligible: JSON.stringify(a.eligible),
        cursor: a.cursor,
        status: a.status,
        version: a.version,
        created_at: new Date(a.createdAt),
        expires_at: new Date(a.expiresAt),
        completed_at: a.completedAt === null ? null : new Date(a.completedAt),
      })
      .execute();
  }

  async find(tenantId: string, attemptId: string): Promise<Attempt | null> {
    const row = await this.db
      .selectFrom("attempts")
      .select(ATTEMPT_COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", attemptId)
      .executeTakeFirst();
    return row ? toAttempt(row) : null;
  }

  async findForUpdate(tenantId: string, attemptId: string): Promise<Attempt | null> {
    const { rows } = await FIND_FOR_UPDATE.execute(this.db, tenantId, attemptId);
    return rows[0] ? toAttempt(rows[0]) : null;
  }

  async update(a: Attempt, expectedVersion: number): Promise<boolean> {
    // Identity, owner, policy version and creation never change; everything a step changes is written.
    const result = await UPDATE.execute(this.db, ...attemptChangeValues(a), a.tenantId, a.id, expectedVersion);
    return result.numAffectedRows === 1n;
  }
}

/**
 * What a step changes, in the column order chain, eligible, cursor, status, version, expires_at, completed_at (identity,
 * owner, policy version and creation never change).
 */
export const attemptChangeValues = (a: Attempt): [string, string, number, Attempt["status"], number, Date, Date | null] => [
  JSON.stringify(a.chain),
  JSON.stringify(a.eligible),
  a.cursor,
  a.status,
  a.version,
  new Date(a.expiresAt),
  a.completedAt === null ? null : new Date(a.completedAt),
];

// The verify path's statements, built once (database/prepared.ts).
const FIND_FOR_UPDATE = prepared(2, (db, tenantId: string, attemptId: string) =>
  db.selectFrom("attempts").select(ATTEMPT_COLUMNS).where("tenant_id", "=", tenantId).where("id", "=", attemptId).forUpdate(),
);

const UPDATE = prepared(
  10,
  (
    db,
    chain: string,
    eligible: string,
    cursor: number,
    status: Attempt["status"],
    version: number,
    expiresAt: Date,
    completedAt: Date | null,
    tenantId: string,
    id: string,
    expectedVersion: number,
  ) =>
    db
      .updateTable("attempts")
      .set({ chain, eligible, cursor, status, version, expires_at: expiresAt, completed_at: completedAt })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .where("version", "=", expectedVersion),
);
