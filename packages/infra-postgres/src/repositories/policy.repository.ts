// Policy versions: immutable rows keyed (tenant_id, policy_id, version); deleting marks every version.
import type { PolicyRepository, StoredPolicy } from "@mfa-chain/application";
import type { Instant } from "@mfa-chain/domain";
import type { Db } from "../database/schema.js";
import { toStoredPolicy } from "../database/rows.js";

const COLUMNS = ["tenant_id", "policy_id", "version", "definition", "created_at"] as const;

export class PostgresPolicyRepository implements PolicyRepository {
  constructor(private readonly db: Db) {}

  async insert(policy: StoredPolicy): Promise<boolean> {
    const { tenantId, createdAt, id, version, ...definition } = policy;
    const result = await this.db
      .insertInto("policies")
      .values({
        tenant_id: tenantId,
        policy_id: id,
        version,
        definition: JSON.stringify({
          name: definition.name,
          mode: definition.mode,
          requiredSteps: definition.requiredSteps,
          factors: definition.factors,
          verifyWindow: definition.verifyWindow,
          attemptTtlSeconds: definition.attemptTtlSeconds,
          lockout: definition.lockout,
        }),
        created_at: new Date(createdAt),
        deleted_at: null,
      })
      .onConflict((oc) => oc.columns(["tenant_id", "policy_id", "version"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async findLatest(tenantId: string, policyId: string): Promise<StoredPolicy | null> {
    const row = await this.db
      .selectFrom("policies")
      .select(COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("policy_id", "=", policyId)
      .where("deleted_at", "is", null)
      .orderBy("version", "desc")
      .limit(1)
      .executeTakeFirst();
    return row ? toStoredPolicy(row) : null;
  }

  async findVersion(tenantId: string, policyId: string, version: number): Promise<StoredPolicy | null> {
    const row = await this.db
      .selectFrom("policies")
      .select(COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("policy_id", "=", policyId)
      .where("version", "=", version)
      .executeTakeFirst();
    return row ? toStoredPolicy(row) : null;
  }

  async listLatest(tenantId: string): Promise<StoredPolicy[]> {
    const rows = await this.db
      .selectFrom("policies")
      .select(COLUMNS)
      .distinctOn("policy_id")
      .where("tenant_id", "=", tenantId)
      .where("deleted_at", "is", null)
      .orderBy("policy_id")
      .orderBy("version", "desc")
      .execute();
    return rows.map(toStoredPolicy);
  }

  async markDeleted(tenantId: string, policyId: string, at: Instant): Promise<boolean> {
    const result = await this.db
      .updateTable("policies")
      .set({ deleted_at: new Date(at) })
      .where("tenant_id", "=", tenantId)
      .where("policy_id", "=", policyId)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
