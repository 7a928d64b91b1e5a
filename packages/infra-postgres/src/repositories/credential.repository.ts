// Enrolled factors: the common part in `credentials`, each kind's material in its own table (kinds/). Claims (a time
// step, a counter, a backup code) are single conditional statements, so of parallel uses of one code exactly one wins
// (S2, S5, S19).
import type { CredentialRepository, SaveMaterialResult, StepClaim, StoredCredential } from "@mfa-chain/application";
import type { Instant } from "@mfa-chain/domain";
import type { Db } from "../database/schema.js";
import { sql } from "kysely";
import { prepared } from "../database/prepared.js";
import { toStoredCredential } from "../database/rows.js";
import { claimStorageOf, CREDENTIAL_ALIAS, materialOf, storageOf } from "../kinds/index.js";

const cr = CREDENTIAL_ALIAS;
/** The credential's columns, read from `credentials as cr`, with its kind's material beside them. */
const columns = (tenantId: string) =>
  [
    `${cr}.tenant_id`,
    `${cr}.id`,
    `${cr}.user_id`,
    `${cr}.factor_id`,
    `${cr}.label`,
    `${cr}.status`,
    `${cr}.type`,
    `${cr}.params`,
    `${cr}.created_at`,
    `${cr}.confirmed_at`,
    `${cr}.revoked_at`,
    materialOf(tenantId).as("material"),
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
        created_at: new Date(c.createdAt),
        confirmed_at: date(c.confirmedAt),
        revoked_at: date(c.revokedAt),
      })
      .execute();
    await storageOf(c.params.type).insertMaterial(this.db, c);
  }

  async findById(tenantId: string, userId: string, credentialId: string): Promise<StoredCredential | null> {
    const row = await this.db
      .selectFrom(`credentials as ${cr}`)
      .select(columns(tenantId))
      .where(`${cr}.tenant_id`, "=", tenantId)
      .where(`${cr}.user_id`, "=", userId)
      .where(`${cr}.id`, "=", credentialId)
      .executeTakeFirst();
    return row ? toStoredCredential(row) : null;
  }

  async findActiveByFactor(tenantId: string, userId: string, factorId: string): Promise<StoredCredential | null> {
    const { rows } = await FIND_ACTIVE_BY_FACTOR.execute(this.db, tenantId, userId, factorId);
    return rows[0] ? toStoredCredential(rows[0]) : null;
  }

  async listByUser(tenantId: string, userId: string): Promise<StoredCredential[]> {
    const rows = await this.db
      .selectFrom(`credentials as ${cr}`)
      .select(columns(tenantId))
      .where(`${cr}.tenant_id`, "=", tenantId)
      .where(`${cr}.user_id`, "=", userId)
      .orderBy(`${cr}.created_at`)
      .orderBy(`${cr}.id`)
      .execute();
    return rows.map(toStoredCredential);
  }

  async activate(tenantId: string, credentialId: string, at: Instant, claim: StepClaim | null): Promise<boolean> {
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
    if (claim !== null && claim.credentialId !== credentialId)
      throw new RangeError(`a claim of ${claim.credentialId} cannot confirm ${credentialId}`);
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
      .set({ status: "active", confirmed_at: new Date(at) })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", credentialId)
      .where("status", "=", "pending")
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) return false;
    // The confirming code's claim becomes the new credential's replay guard.
    if (claim !== null && !(await this.claim(tenantId, claim, at)))
      throw new Error(`the claim of credential ${credentialId} did not hold on activation`);
    return true;
  }

  async deletePending(tenantId: string, userId: string, factorId: string): Promise<void> {
    // Each kind's material goes with it (foreign keys on delete cascade).
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

  async claim(tenantId: string, claim: StepClaim, at: Instant): Promise<boolean> {
    const storage = claimStorageOf(claim.kind);
    const args = storage.args(claim, new Date(at));
    const then = storage.then;
    if (!then) return (await storage.statement(this.db, tenantId, args).execute()).length === 1;
    // A claim of two tables, in one statement: the second update only with the first.
    const rows = await this.db
      .with("claim_first", (w) => storage.statement(w as never, tenantId, args))
      .with("claim", (w) => then(w as never, tenantId, args).where(sql<boolean>`exists (select 1 from claim_first)`))
      .selectFrom("claim")
      .select("claim.credential_id")
      .execute();
    return rows.length === 1;
  }

  async saveMaterial(credential: StoredCredential): Promise<SaveMaterialResult> {
    const save = storageOf(credential.params.type).saveMaterial;
    if (!save) return "refused";
    // Only a pending credential's, under its row lock (a confirmation holds it).
    const pending = await this.db
      .selectFrom("credentials")
      .select("id")
      .where("tenant_id", "=", credential.tenantId)
      .where("id", "=", credential.id)
      .where("status", "=", "pending")
      .forUpdate()
      .executeTakeFirst();
    if (pending === undefined) return "not_pending";
    return (await save(this.db, credential as never)) ? "saved" : "refused";
  }
}

// The verify path's statements, built once (database/prepared.ts).
const FIND_ACTIVE_BY_FACTOR = prepared(3, (db, tenantId: string, userId: string, factorId: string) =>
  db
    .selectFrom(`credentials as ${cr}`)
    .select(columns(tenantId))
    .where(`${cr}.tenant_id`, "=", tenantId)
    .where(`${cr}.user_id`, "=", userId)
    .where(`${cr}.factor_id`, "=", factorId)
    .where(`${cr}.status`, "=", "active"),
);
