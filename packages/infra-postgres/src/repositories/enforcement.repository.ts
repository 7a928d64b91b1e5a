// Enforcement and remembered devices (migration 0007). Every statement names its tenant. A grace deadline is fixed by
// the database's clock in one insert that keeps an existing row; a device token is rotated by compare-and-set on its
// hash, so a token is used once even by parallel decisions.
import type {
  DeviceRepository,
  EnforcementRepository,
  StoredDevice,
  StoredEnforcementRules,
  UserEnforcement,
} from "@mfa-chain/application";
import type { Instant } from "@mfa-chain/domain";
import { sql } from "kysely";
import { z } from "zod";
import type { Db } from "../database/schema.js";

const json = (value: unknown): unknown => (typeof value === "string" ? (JSON.parse(value) as unknown) : value);
const name = z.string().min(1);

/** The rules' definition as stored: validated on the way back in. */
const RulesDefinition = z
  .object({
    requirements: z.array(
      z
        .object({
          appliesTo: z.union([
            z.object({ kind: z.literal("all") }).strict(),
            z.object({ kind: z.literal("groups"), groups: z.array(name) }).strict(),
          ]),
          policyId: name,
        })
        .strict(),
    ),
    stepUp: z
      .object({ policyId: name, actions: z.array(name), onNewLocation: z.boolean() })
      .strict()
      .nullable(),
    gracePeriodDays: z.int().nonnegative(),
    rememberDeviceDays: z.int().positive(),
  })
  .strict();
const Groups = z.array(z.string());

export class PostgresEnforcementRepository implements EnforcementRepository {
  constructor(private readonly db: Db) {}

  async insertRules(rules: StoredEnforcementRules): Promise<boolean> {
    const { tenantId, version, createdAt, requirements, stepUp, gracePeriodDays, rememberDeviceDays } = rules;
    const result = await this.db
      .insertInto("enforcement_rules")
      .values({
        tenant_id: tenantId,
        version,
        definition: JSON.stringify({ requirements, stepUp, gracePeriodDays, rememberDeviceDays }),
        created_at: new Date(createdAt),
      })
      .onConflict((oc) => oc.constraint("enforcement_rules_pkey").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async latestRules(tenantId: string): Promise<StoredEnforcementRules | null> {
    const row = await this.db
      .selectFrom("enforcement_rules")
      .select(["version", "definition", "created_at"])
      .where("tenant_id", "=", tenantId)
      .orderBy("version", "desc")
      .limit(1)
      .executeTakeFirst();
    if (!row) return null;
    return { ...RulesDefinition.parse(json(row.definition)), tenantId, version: row.version, createdAt: row.created_at.getTime() };
  }

  async findUser(tenantId: string, userId: string): Promise<UserEnforcement | null> {
    const row = await this.db
      .selectFrom("user_enforcement")
      .select(["groups", "service_account", "updated_at"])
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    if (!row) return null;
    return { groups: Groups.parse(json(row.groups)), serviceAccount: row.service_account, updatedAt: row.updated_at.getTime() };
  }

  async saveUser(tenantId: string, userId: string, user: UserEnforcement): Promise<void> {
    const values = { groups: JSON.stringify(user.groups), service_account: user.serviceAccount, updated_at: new Date(user.updatedAt) };
    await this.db
      .insertInto("user_enforcement")
      .values({ tenant_id: tenantId, user_id: userId, ...values })
      .onConflict((oc) => oc.constraint("user_enforcement_pkey").doUpdateSet(values))
      .execute();
  }

  async graceDeadline(tenantId: string, userId: string, graceMs: number): Promise<{ endsAt: Instant; now: Instant }> {
    // The conflict's no-op update keeps the first deadline and still returns it; now() is the database's clock.
    const { rows } = await sql<{ ends_at: Date; now: Date }>`
      insert into grace_deadlines (tenant_id, user_id, first_seen_at, ends_at)
      values (${tenantId}, ${userId}, now(), now() + ${graceMs}::double precision * interval '1 millisecond')
      on conflict on constraint grace_deadlines_pkey do update set ends_at = grace_deadlines.ends_at
      returning ends_at, now() as now`.execute(this.db);
    const row = rows[0];
    if (!row) throw new Error("the grace deadline insert returned no row");
    return { endsAt: row.ends_at.getTime(), now: row.now.getTime() };
  }

  async locationsSeen(tenantId: string, userId: string): Promise<Map<string, Instant>> {
    const rows = await this.db
      .selectFrom("seen_locations")
      .select(["location_key", "last_seen_at"])
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .execute();
    return new Map(rows.map((r) => [r.location_key, r.last_seen_at.getTime()]));
  }

  async recordLocation(tenantId: string, userId: string, locationKey: string, at: Instant, forgetBefore: Instant): Promise<void> {
    await this.db
      .deleteFrom("seen_locations")
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .where("last_seen_at", "<", new Date(forgetBefore))
      .execute();
    await this.db
      .insertInto("seen_locations")
      .values({ tenant_id: tenantId, user_id: userId, location_key: locationKey, last_seen_at: new Date(at) })
      .onConflict((oc) =>
        oc
          .constraint("seen_locations_pkey")
          .doUpdateSet({ last_seen_at: sql`greatest(seen_locations.last_seen_at, excluded.last_seen_at)` }),
      )
      .execute();
  }
}

const DEVICE_COLUMNS = [
  "tenant_id",
  "id",
  "user_id",
  "token_hash",
  "attempt_id",
  "label",
  "created_at",
  "last_used_at",
  "expires_at",
  "revoked_at",
] as const;

type DeviceRow = {
  tenant_id: string;
  id: string;
  user_id: string;
  token_hash: string;
  attempt_id: string;
  label: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date;
  revoked_at: Date | null;
};

const toDevice = (r: DeviceRow): StoredDevice => ({
  tenantId: r.tenant_id,
  id: r.id,
  userId: r.user_id,
  tokenHash: r.token_hash,
  attemptId: r.attempt_id,
  label: r.label,
  createdAt: r.created_at.getTime(),
  lastUsedAt: r.last_used_at?.getTime() ?? null,
  expiresAt: r.expires_at.getTime(),
  revokedAt: r.revoked_at?.getTime() ?? null,
});

export class PostgresDeviceRepository implements DeviceRepository {
  constructor(private readonly db: Db) {}

  async insert(d: StoredDevice): Promise<boolean> {
    const result = await this.db
      .insertInto("remembered_devices")
      .values({
        tenant_id: d.tenantId,
        id: d.id,
        user_id: d.userId,
        token_hash: d.tokenHash,
        attempt_id: d.attemptId,
        label: d.label,
        created_at: new Date(d.createdAt),
        last_used_at: d.lastUsedAt === null ? null : new Date(d.lastUsedAt),
        expires_at: new Date(d.expiresAt),
        revoked_at: d.revokedAt === null ? null : new Date(d.revokedAt),
      })
      .onConflict((oc) => oc.constraint("remembered_devices_attempt_key").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async findByTokenHash(tenantId: string, userId: string, tokenHash: string): Promise<StoredDevice | null> {
    const row = await this.db
      .selectFrom("remembered_devices")
      .select(DEVICE_COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("token_hash", "=", tokenHash)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row ? toDevice(row) : null;
  }

  async rotate(tenantId: string, deviceId: string, oldHash: string, newHash: string, expiresAt: Instant, at: Instant): Promise<boolean> {
    const result = await this.db
      .updateTable("remembered_devices")
      .set({ token_hash: newHash, expires_at: new Date(expiresAt), last_used_at: new Date(at) })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", deviceId)
      .where("token_hash", "=", oldHash)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async listByUser(tenantId: string, userId: string): Promise<StoredDevice[]> {
    const rows = await this.db
      .selectFrom("remembered_devices")
      .select(DEVICE_COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .orderBy("created_at", "desc")
      .orderBy("id")
      .execute();
    return rows.map(toDevice);
  }

  async revoke(tenantId: string, userId: string, deviceId: string, at: Instant): Promise<boolean> {
    const result = await this.db
      .updateTable("remembered_devices")
      .set({ revoked_at: new Date(at) })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", deviceId)
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeAll(tenantId: string, userId: string, at: Instant): Promise<string[]> {
    const rows = await this.db
      .updateTable("remembered_devices")
      .set({ revoked_at: new Date(at) })
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .returning("id")
      .execute();
    return rows.map((r) => r.id).sort();
  }
}
