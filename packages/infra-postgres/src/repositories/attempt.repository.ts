// Attempts: read-and-lock for a verify, and a compare-and-set on the version for every change.
import type { AttemptRepository } from "@mfa-chain/application";
import type { Attempt } from "@mfa-chain/domain";
import type { Db } from "../database/schema.js";
import { toAttempt } from "../database/rows.js";

const COLUMNS = [
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
      .select(COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", attemptId)
      .executeTakeFirst();
    return row ? toAttempt(row) : null;
  }

  async findForUpdate(tenantId: string, attemptId: string): Promise<Attempt | null> {
    const row = await this.db
      .selectFrom("attempts")
      .select(COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", attemptId)
      .forUpdate()
      .executeTakeFirst();
    return row ? toAttempt(row) : null;
  }

  async update(a: Attempt, expectedVersion: number): Promise<boolean> {
    // Identity, owner, policy version and creation never change; everything a step changes is written.
    const result = await this.db
      .updateTable("attempts")
      .set({
        chain: JSON.stringify(a.chain),
        eligible: JSON.stringify(a.eligible),
        cursor: a.cursor,
        status: a.status,
        version: a.version,
        expires_at: new Date(a.expiresAt),
        completed_at: a.completedAt === null ? null : new Date(a.completedAt),
      })
      .where("tenant_id", "=", a.tenantId)
      .where("id", "=", a.id)
      .where("version", "=", expectedVersion)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }
}
