// The shared vault's tables (migration 0004). Every statement names its tenant; an HOTP entry's counter is taken by one
// atomic UPDATE … RETURNING, so parallel reads each get their own counter.
import type { StoredVaultEntry, VaultRepository } from "@mfa-chain/application";
import type { Instant, OtpAlgorithm, OtpDigits, TotpPeriod, VaultGrant, VaultPermission, VaultPrincipal } from "@mfa-chain/domain";
import { sql } from "kysely";
import type { Db, VaultEntriesTable } from "../database/schema.js";

type EntryRow = Pick<
  VaultEntriesTable,
  "tenant_id" | "id" | "name" | "type" | "issuer" | "account_name" | "algorithm" | "period" | "notes" | "secret_key_id"
> & { digits: number; counter: number | null; tags: unknown; secret_ciphertext: Uint8Array; created_at: Date };

const COLUMNS = [
  "tenant_id",
  "id",
  "name",
  "type",
  "issuer",
  "account_name",
  "algorithm",
  "digits",
  "period",
  "counter",
  "tags",
  "notes",
  "secret_key_id",
  "secret_ciphertext",
  "created_at",
] as const;

function toEntry(row: EntryRow): StoredVaultEntry {
  const tags = typeof row.tags === "string" ? (JSON.parse(row.tags) as unknown) : row.tags;
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === "string")) throw new Error(`vault entry ${row.id}: tags are not a list`);
  return {
    tenantId: row.tenant_id,
    id: row.id,
    name: row.name,
    type: row.type,
    issuer: row.issuer,
    accountName: row.account_name,
    algorithm: row.algorithm as OtpAlgorithm,
    digits: Number(row.digits) as OtpDigits,
    period: row.period === null ? null : (Number(row.period) as TotpPeriod),
    counter: row.counter === null ? null : Number(row.counter),
    tags,
    notes: row.notes,
    createdAt: row.created_at.getTime(),
    secret: { keyId: row.secret_key_id, ciphertext: new Uint8Array(row.secret_ciphertext) },
  };
}

const toGrant = (row: {
  entry_id: string;
  principal_kind: "user" | "group";
  principal_id: string;
  permission: VaultPermission;
}): VaultGrant => ({
  entryId: row.entry_id,
  principal: { kind: row.principal_kind, id: row.principal_id },
  permission: row.permission,
});

export class PostgresVaultRepository implements VaultRepository {
  constructor(private readonly db: Db) {}

  async insert(e: StoredVaultEntry): Promise<boolean> {
    const inserted = await this.db
      .insertInto("vault_entries")
      .values({
        tenant_id: e.tenantId,
        id: e.id,
        name: e.name,
        type: e.type,
        issuer: e.issuer,
        account_name: e.accountName,
        algorithm: e.algorithm,
        digits: e.digits,
        period: e.period,
        counter: e.counter,
        tags: JSON.stringify(e.tags),
        notes: e.notes,
        secret_key_id: e.secret.keyId,
        secret_ciphertext: Buffer.from(e.secret.ciphertext),
        created_at: new Date(e.createdAt),
      })
      .onConflict((oc) => oc.columns(["tenant_id", "name"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async find(tenantId: string, entryId: string): Promise<StoredVaultEntry | null> {
    const row = await this.db
      .selectFrom("vault_entries")
      .select(COLUMNS)
      .where("tenant_id", "=", tenantId)
      .where("id", "=", entryId)
      .executeTakeFirst();
    return row ? toEntry(row as EntryRow) : null;
  }

  async list(tenantId: string): Promise<StoredVaultEntry[]> {
    const rows = await this.db.selectFrom("vault_entries").select(COLUMNS).where("tenant_id", "=", tenantId).orderBy("name").execute();
    return rows.map((r) => toEntry(r as EntryRow));
  }

  async delete(tenantId: string, entryId: string): Promise<boolean> {
    const r = await this.db.deleteFrom("vault_entries").where("tenant_id", "=", tenantId).where("id", "=", entryId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async takeCounter(tenantId: string, entryId: string): Promise<number | null> {
    const row = await this.db
      .updateTable("vault_entries")
      .set({ counter: sql<number>`counter + 1` })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", entryId)
      .where("counter", "is not", null)
      .returning(sql<number>`counter - 1`.as("taken"))
      .executeTakeFirst();
    return row ? Number(row.taken) : null;
  }

  async grants(tenantId: string, entryId: string): Promise<VaultGrant[]> {
    const rows = await this.db
      .selectFrom("vault_grants")
      .select(["entry_id", "principal_kind", "principal_id", "permission"])
      .where("tenant_id", "=", tenantId)
      .where("entry_id", "=", entryId)
      .orderBy("principal_kind")
      .orderBy("principal_id")
      .orderBy("permission")
      .execute();
    return rows.map(toGrant);
  }

  async allGrants(tenantId: string): Promise<VaultGrant[]> {
    const rows = await this.db
      .selectFrom("vault_grants")
      .select(["entry_id", "principal_kind", "principal_id", "permission"])
      .where("tenant_id", "=", tenantId)
      .orderBy("entry_id")
      .orderBy("principal_kind")
      .orderBy("principal_id")
      .orderBy("permission")
      .execute();
    return rows.map(toGrant);
  }

  async addGrant(tenantId: string, grant: VaultGrant, at: Instant): Promise<boolean> {
    const inserted = await this.db
      .insertInto("vault_grants")
      .values({
        tenant_id: tenantId,
        entry_id: grant.entryId,
        principal_kind: grant.principal.kind,
        principal_id: grant.principal.id,
        permission: grant.permission,
        created_at: new Date(at),
      })
      .onConflict((oc) => oc.columns(["tenant_id", "entry_id", "principal_kind", "principal_id", "permission"]).doNothing())
      .returning("entry_id")
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async removeGrant(tenantId: string, entryId: string, principal: VaultPrincipal, permission: VaultPermission): Promise<boolean> {
    const r = await this.db
      .deleteFrom("vault_grants")
      .where("tenant_id", "=", tenantId)
      .where("entry_id", "=", entryId)
      .where("principal_kind", "=", principal.kind)
      .where("principal_id", "=", principal.id)
      .where("permission", "=", permission)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async setGroup(tenantId: string, groupId: string, members: readonly string[], at: Instant): Promise<void> {
    await this.db.deleteFrom("vault_group_members").where("tenant_id", "=", tenantId).where("group_id", "=", groupId).execute();
    if (members.length === 0) return;
    await this.db
      .insertInto("vault_group_members")
      .values(
        [...new Set(members)].map((userId) => ({ tenant_id: tenantId, group_id: groupId, user_id: userId, created_at: new Date(at) })),
      )
      .execute();
  }

  async groupsOf(tenantId: string, userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("vault_group_members")
      .select("group_id")
      .where("tenant_id", "=", tenantId)
      .where("user_id", "=", userId)
      .orderBy("group_id")
      .execute();
    return rows.map((r) => r.group_id);
  }

  async listGroups(tenantId: string): Promise<{ readonly id: string; readonly members: string[] }[]> {
    const rows = await this.db
      .selectFrom("vault_group_members")
      .select(["group_id", "user_id"])
      .where("tenant_id", "=", tenantId)
      .orderBy("group_id")
      .orderBy("user_id")
      .execute();
    const groups = new Map<string, string[]>();
    for (const r of rows) groups.set(r.group_id, [...(groups.get(r.group_id) ?? []), r.user_id]);
    return [...groups].map(([id, members]) => ({ id, members }));
  }
}
