// Tenants and their API keys. Key handling (generation, hashing, caching) belongs to the API; this stores the results.
import type { Instant } from "@mfa-chain/domain";
import { z } from "zod";
import type { Db } from "../database/schema.js";
import { CorruptRowError } from "../database/rows.js";

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Instant;
}

export type ApiKeyRole = "admin" | "service";

export interface ApiKeyRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  /** SHA-256 of the key, lowercase hex: API keys are high-entropy, so a fast hash identifies them. */
  readonly keyHash: string;
  readonly role: ApiKeyRole;
  readonly createdAt: Instant;
  readonly revokedAt: Instant | null;
}

const tenantRow = z.object({ id: z.string(), name: z.string(), created_at: z.date() });
const apiKeyRow = z.object({
  tenant_id: z.string(),
  id: z.string(),
  name: z.string(),
  key_hash: z.string().regex(/^[0-9a-f]{64}$/),
  role: z.enum(["admin", "service"]),
  created_at: z.date(),
  revoked_at: z.date().nullable(),
});

function parse<S extends z.ZodType>(schema: S, row: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(row);
  if (!parsed.success)
    throw new CorruptRowError(`stored ${what} has an unexpected shape: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`);
  return parsed.data;
}

export class TenantRepository {
  constructor(private readonly db: Db) {}

  async insert(tenant: Tenant): Promise<void> {
    await this.db
      .insertInto("tenants")
      .values({ id: tenant.id, name: tenant.name, created_at: new Date(tenant.createdAt) })
      .execute();
  }

  async find(tenantId: string): Promise<Tenant | null> {
    const row = await this.db.selectFrom("tenants").select(["id", "name", "created_at"]).where("id", "=", tenantId).executeTakeFirst();
    if (!row) return null;
    const r = parse(tenantRow, row, "tenant");
    return { id: r.id, name: r.name, createdAt: r.created_at.getTime() };
  }
}

const KEY_COLUMNS = ["tenant_id", "id", "name", "key_hash", "role", "created_at", "revoked_at"] as const;

export class ApiKeyRepository {
  constructor(private readonly db: Db) {}

  async insert(key: ApiKeyRecord): Promise<void> {
    await this.db
      .insertInto("api_keys")
      .values({
        tenant_id: key.tenantId,
        id: key.id,
        name: key.name,
        key_hash: key.keyHash,
        role: key.role,
        created_at: new Date(key.createdAt),
        revoked_at: key.revokedAt === null ? null : new Date(key.revokedAt),
      })
      .execute();
  }

  /**
   * The key with this hash, revoked or not (the caller refuses revoked keys). The one lookup not scoped by tenant:
   * the key is what tells which tenant is asking.
   */
  async findByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const row = await this.db.selectFrom("api_keys").select(KEY_COLUMNS).where("key_hash", "=", keyHash).executeTakeFirst();
    if (!row) return null;
    const r = parse(apiKeyRow, row, "API key");
    return {
      tenantId: r.tenant_id,
      id: r.id,
      name: r.name,
      keyHash: r.key_hash,
      role: r.role,
      createdAt: r.created_at.getTime(),
      revokedAt: r.revoked_at === null ? null : r.revoked_at.getTime(),
    };
  }

  /** False when there is no such live key in the tenant. */
  async revoke(tenantId: string, keyId: string, at: Instant): Promise<boolean> {
    const result = await this.db
      .updateTable("api_keys")
      .set({ revoked_at: new Date(at) })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", keyId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /** Revokes every live key of the tenant with this name (e.g. a key re-issued at each start); returns how many. */
  async revokeByName(tenantId: string, name: string, at: Instant): Promise<number> {
    const result = await this.db
      .updateTable("api_keys")
      .set({ revoked_at: new Date(at) })
      .where("tenant_id", "=", tenantId)
      .where("name", "=", name)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
