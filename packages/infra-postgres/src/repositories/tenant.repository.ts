// Tenants and their API keys. Key making belongs to the application (ApiKeyMinter); this stores the results. A revoked
// key is announced on API_KEY_REVOKED_CHANNEL (NOTIFY, delivered when the transaction commits), so that every API
// process's key cache forgets it at once (api-key-revocations.ts).
import {
  checkDirectoryPage,
  type ApiKeyRepository,
  type DirectoryPage,
  type StoredApiKey,
  type StoredTenant,
  type TenantRepository,
} from "@mfa-chain/application";
import type { Instant } from "@mfa-chain/domain";
import { sql } from "kysely";
import { z } from "zod";
import type { Db } from "../database/schema.js";
import { CorruptRowError } from "../database/rows.js";

/** The NOTIFY channel that carries the hash of each revoked API key. */
export const API_KEY_REVOKED_CHANNEL = "mfa_api_key_revoked";

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

export class PostgresTenantRepository implements TenantRepository {
  constructor(private readonly db: Db) {}

  async insert(tenant: StoredTenant): Promise<boolean> {
    const result = await this.db
      .insertInto("tenants")
      .values({ id: tenant.id, name: tenant.name, created_at: new Date(tenant.createdAt) })
      .onConflict((c) => c.column("id").doNothing())
      .returning("id")
      .executeTakeFirst();
    return result !== undefined;
  }

  async find(tenantId: string): Promise<StoredTenant | null> {
    const row = await this.db.selectFrom("tenants").select(["id", "name", "created_at"]).where("id", "=", tenantId).executeTakeFirst();
    if (!row) return null;
    const r = parse(tenantRow, row, "tenant");
    return { id: r.id, name: r.name, createdAt: r.created_at.getTime() };
  }

  async list(page: DirectoryPage): Promise<StoredTenant[]> {
    checkDirectoryPage(page);
    // In the "C" collation (index tenants_id_c_idx): the prefix is an index range, ids in byte order.
    let q = this.db
      .selectFrom("tenants")
      .select(["id", "name", "created_at"])
      .where(sql<boolean>`(id collate "C") like ${likePrefix(page.prefix)}`);
    if (page.after !== null) q = q.where(sql<boolean>`(id collate "C") > ${page.after}`);
    const rows = await q
      .orderBy(sql`id collate "C"`)
      .limit(page.limit)
      .execute();
    return rows.map((row) => {
      const r = parse(tenantRow, row, "tenant");
      return { id: r.id, name: r.name, createdAt: r.created_at.getTime() };
    });
  }
}

/** A LIKE pattern matching the ids that start with `prefix` (its own %, _ and \\ taken literally). */
export const likePrefix = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const KEY_COLUMNS = ["tenant_id", "id", "name", "key_hash", "role", "created_at", "revoked_at"] as const;

export class PostgresApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly db: Db) {}

  async insert(key: StoredApiKey): Promise<void> {
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

  async listByTenant(tenantId: string): Promise<StoredApiKey[]> {
    const rows = await this.db
      .selectFrom("api_keys")
      .select(KEY_COLUMNS)
      .where("tenant_id", "=", tenantId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map((row) => this.toKey(row));
  }

  async findByHash(keyHash: string): Promise<StoredApiKey | null> {
    const row = await this.db.selectFrom("api_keys").select(KEY_COLUMNS).where("key_hash", "=", keyHash).executeTakeFirst();
    if (!row) return null;
    return this.toKey(row);
  }

  private toKey(row: unknown): StoredApiKey {
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

  async revoke(tenantId: string, which: { readonly id: string } | { readonly name: string }, at: Instant): Promise<string[]> {
    let update = this.db
      .updateTable("api_keys")
      .set({ revoked_at: new Date(at) })
      .where("tenant_id", "=", tenantId)
      .where("revoked_at", "is", null);
    update = "id" in which ? update.where("id", "=", which.id) : update.where("name", "=", which.name);
    const revoked = await update.returning(["id", "key_hash"]).execute();
    if (revoked.length > 0) {
      // One notification per key, sent when (and only if) the transaction commits.
      await sql`select pg_notify(${API_KEY_REVOKED_CHANNEL}, h) from unnest(${revoked.map((r) => r.key_hash)}::text[]) as h`.execute(
        this.db,
      );
    }
    return revoked.map((r) => r.id);
  }
}
