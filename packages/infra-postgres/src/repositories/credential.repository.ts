// Enrolled factors with their sealed secrets. The replay guards (last time step, HOTP counter) move by single atomic
// statements, so of parallel submissions of one code exactly one wins (S2, S5).
import type { CredentialRepository, StoredCredential } from "@mfa-chain/application";
import type { Instant } from "@mfa-chain/domain";
import type { QueryCreator } from "kysely";
import type { Database, Db } from "../database/schema.js";
import { prepared } from "../database/prepared.js";
import { toStoredCredential } from "../database/rows.js";

const COLUMNS = [
  "tenant_id",
  "id",
  "user_id",
  "factor_id",
  "label",
  "status",
  "type",
  "params",
  "secret_key_id",
  "secret_ciphertext",
  "last_time_step",
  "counter",
  "created_at",
  "confirmed_at",
  "revoked_at",
] as const;

const date = (at: Instant | null): Date | null => (at === null ? null : new Date(at));

export class PostgresCredentialRepository implements CredentialRepository {
  constructor(private readonly db: Db) {}

  async insert(c: StoredCredential): Promise<void> {
    await this.db
      .insertInto("credentials")
      .values({
        tenant_id: c.tenantId,
        id: c.id,
        user_id: c.userId,
        factor_id: c.factorId,
        label: c.label,
        status: c.status,
        type: c.params.type,
        params: JSON.stringify(c.params),
        secret_key_id: c.secret.keyId,
        secret_ciphertext: Buffer.from(c.secret.ciphertext),
        last_time_step: c.lastTimeStep,
        counter: c.counter,
        created_at: new Date(c.createdAt),
        confirmed_at: date(c.confirmedAt),
        revoked_at: date(c.revokedAt),
      })
      .execute();
  }

  async findById(tenantId: string, userId: string, credentialId: string): Promise<StoredCredential | null> {
    const row = await this.db
      .selectFrom("credentials")
      .select(COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .where("id", "=", credentialId)
      .executeTakeFirst();
    return row ? toStoredCredential(row) : null;
  }

  async findActiveByFactor(tenantId: string, userId: string, factorId: string): Promise<StoredCredential | null> {
    const { rows } = await FIND_ACTIVE_BY_FACTOR.execute(this.db, tenantId, userId, factorId);
    return rows[0] ? toStoredCredential(rows[0]) : null;
  }

  async listByUser(tenantId: string, userId: string): Promise<StoredCredential[]> {
    const rows = await this.db
      .selectFrom("credentials")
      .select(COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toStoredCredential);
  }

  async activate(
    tenantId: string,
    credentialId: string,
    at: Instant,
    guard: { readonly lastTimeStep: number | null; readonly counter: number },
  ): Promise<boolean> {
    // Lock the pending row first: two confirmations of one enrollment serialize here, and the loser sees it active.
    const pending = await this.db
      .selectFrom("credentials")
      .select(["user_id", "factor_id"])
      .where("tenant_id", "=", tenantId)
      .where("id", "=", credentialId)
      .where("status", "=", "pending")
      .forUpdate()
      .executeTakeFirst();
    if (!pending) return false;
    // Revoke the slot's active credential before activating, or the one-active-per-slot index would refuse.
    await this.db
      .updateTable("credentials")
      .set({ status: "revoked", revoked_at: new Date(at) })
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", pending.user_id)
      .where("factor_id", "=", pending.factor_id)
      .where("status", "=", "active")
      .execute();
    const result = await this.db
      .updateTable("credentials")
      .set({ status: "active", confirmed_at: new Date(at), last_time_step: guard.lastTimeStep, counter: guard.counter })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", credentialId)
      .where("status", "=", "pending")
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async deletePending(tenantId: string, userId: string, factorId: string): Promise<void> {
    await this.db
      .deleteFrom("credentials")
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .where("factor_id", "=", factorId)
      .where("status", "=", "pending")
      .execute();
  }

  async revoke(tenantId: string, credentialId: string, at: Instant): Promise<boolean> {
    const result = await this.db
      .updateTable("credentials")
      .set({ status: "revoked", revoked_at: new Date(at) })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", credentialId)
      .where("status", "in", ["pending", "active"])
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async advanceTimeStep(tenantId: string, credentialId: string, step: number): Promise<boolean> {
    if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`a time step is a non-negative integer, got ${step}`);
    const result = await ADVANCE_TIME_STEP.execute(this.db, tenantId, credentialId, step);
    return result.numAffectedRows === 1n;
  }

  async advanceCounter(tenantId: string, credentialId: string, expected: number, next: number): Promise<boolean> {
    if (!Number.isSafeInteger(next) || !Number.isSafeInteger(expected) || next <= expected) {
      throw new RangeError(`a HOTP counter only moves forward: from ${expected} to ${next} is not allowed`);
    }
    const result = await claimCounter(this.db, tenantId, credentialId, expected, next).executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }
}

// The verify path's statements, built once (database/prepared.ts).
const FIND_ACTIVE_BY_FACTOR = prepared(3, (db, tenantId: string, userId: string, factorId: string) =>
  db
    .selectFrom("credentials")
    .select(COLUMNS)
    .where("tenant_id", "=", tenantId)
    .where("user_id", "=", userId)
    .where("factor_id", "=", factorId)
    .where("status", "=", "active"),
);

/** The replay guard: one conditional update, so of parallel claims of one step exactly one matches a row. */
/** The replay guard's move to a TOTP time step: forward only, on an active credential, in one statement (S2). */
export const claimTimeStep = (qc: QueryCreator<Database>, tenantId: string, credentialId: string, step: number) =>
  qc
    .updateTable("credentials")
    .set({ last_time_step: step })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", credentialId)
    .where("status", "=", "active")
    .where((eb) => eb.or([eb("last_time_step", "is", null), eb("last_time_step", "<", step)]));

/** The HOTP counter's move past a matched counter: compare-and-set on an active credential, in one statement (S5). */
export const claimCounter = (qc: QueryCreator<Database>, tenantId: string, credentialId: string, expected: number, next: number) =>
  qc
    .updateTable("credentials")
    .set({ counter: next })
    .where("tenant_id", "=", tenantId)
    .where("id", "=", credentialId)
    .where("status", "=", "active")
    .where("counter", "=", expected);

const ADVANCE_TIME_STEP = prepared(3, (db, tenantId: string, credentialId: string, step: number) =>
  claimTimeStep(db, tenantId, credentialId, step),
);
