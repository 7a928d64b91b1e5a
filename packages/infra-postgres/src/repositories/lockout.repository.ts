// Per-user failure counters. findForUpdate locks the user's row even when it does not exist yet, so parallel
// failures of one user serialize and each one counts (S6).
import type { LockoutRepository } from "@mfa-chain/application";
import { UNLOCKED, type Instant, type LockState } from "@mfa-chain/domain";
import type { Db } from "../database/schema.js";
import { prepared } from "../database/prepared.js";
import { toLockState } from "../database/rows.js";

const COLUMNS = ["consecutive_failures", "lock_count", "locked_until"] as const;

export class PostgresLockoutRepository implements LockoutRepository {
  constructor(private readonly db: Db) {}

  async findForUpdate(tenantId: string, userId: string): Promise<LockState> {
    const locked = await this.selectForUpdate(tenantId, userId);
    if (locked) return locked;
    // No row yet: create the UNLOCKED row (or wait for a concurrent creator), then lock it.
    await this.db
      .insertInto("lockouts")
      .values({ tenant_id: tenantId, user_id: userId, consecutive_failures: 0, lock_count: 0, locked_until: null })
      .onConflict((oc) => oc.columns(["tenant_id", "user_id"]).doNothing())
      .execute();
    const created = await this.selectForUpdate(tenantId, userId);
    if (!created) throw new Error(`lockout row of a user in tenant ${tenantId} vanished while being locked`);
    return created;
  }

  async find(tenantId: string, userId: string): Promise<LockState> {
    const row = await this.db
      .selectFrom("lockouts")
      .select(COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row ? toLockState(row) : UNLOCKED;
  }

  async save(tenantId: string, userId: string, lock: LockState, at: Instant): Promise<void> {
    const values = {
      consecutive_failures: lock.consecutiveFailures,
      lock_count: lock.lockCount,
      locked_until: lock.lockedUntil === null ? null : new Date(lock.lockedUntil),
      updated_at: new Date(at),
    };
    await this.db
      .insertInto("lockouts")
      .values({ tenant_id: tenantId, user_id: userId, ...values })
      .onConflict((oc) => oc.columns(["tenant_id", "user_id"]).doUpdateSet(values))
      .execute();
  }

  private async selectForUpdate(tenantId: string, userId: string): Promise<LockState | null> {
    const { rows } = await SELECT_FOR_UPDATE.execute(this.db, tenantId, userId);
    return rows[0] ? toLockState(rows[0]) : null;
  }
}

// The verify path's statement, built once (database/prepared.ts).
const SELECT_FOR_UPDATE = prepared(2, (db, tenantId: string, userId: string) =>
  db.selectFrom("lockouts").select(COLUMNS).where("tenant_id", "=", tenantId).where("user_id", "=", userId).forUpdate(),
);
