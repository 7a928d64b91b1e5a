// Backup codes' storage: one row per keyed hash in backup_codes (never a code). Reading a credential gives the hashes
// of its unused codes; a claim marks one used with `update … where used_at is null`, so of parallel redemptions of one
// code exactly one wins (S19). Used rows stay, for the audit of when each code was spent.
import { sql } from "kysely";
import { z } from "zod";
import { credentialHeld, type StorageClaim, type StorageKind } from "./kind.js";

const hash = z.string().regex(/^[0-9a-f]{64}$/);

export const backupCodeStorage: StorageKind<"backup_code"> = {
  type: "backup_code",
  // The unused codes' rows (locked when asked: a row used since the statement began is then seen used, and left out).
  material: (tenantId, read) =>
    sql<unknown>`(select json_build_object('codeHashes', coalesce(json_agg(u.code_hash order by u.code_hash), '[]'::json))
      from (select b.code_hash from backup_codes b where b.tenant_id = ${tenantId} and b.credential_id = ${sql.ref(read.column("id"))}
      and b.used_at is null${read.lock ? sql` for update` : sql``}) u)`,
  materialSchema: z.object({ codeHashes: z.array(hash) }),
  async insertMaterial(db, c) {
    if (c.material.codeHashes.length === 0) return;
    await db
      .insertInto("backup_codes")
      .values(c.material.codeHashes.map((code_hash) => ({ tenant_id: c.tenantId, credential_id: c.id, code_hash, used_at: null })))
      .execute();
  },
};

/** One code of the set, used once. */
export const backupCodeClaim: StorageClaim<"backup_code"> = {
  arity: 3,
  args: (claim, at) => [claim.credentialId, claim.codeHash, at],
  statement: (qc, tenantId, [credentialId, codeHash, at]) =>
    qc
      .updateTable("backup_codes")
      .set({ used_at: at as Date })
      .where("backup_codes.tenant_id", "=", tenantId)
      .where("backup_codes.credential_id", "=", credentialId as string)
      .where("backup_codes.code_hash", "=", codeHash as string)
      .where("backup_codes.used_at", "is", null)
      .where(credentialHeld(tenantId, credentialId as string))
      .returning("backup_codes.credential_id"),
};
