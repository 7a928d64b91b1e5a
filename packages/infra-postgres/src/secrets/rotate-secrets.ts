// Online re-encryption of secrets after a key rotation: every OTP secret (otp_secrets), every email/SMS destination
// (delivery_destinations) and every shared-vault seed (vault_entries) sealed by a key other than the cipher's current one is opened and sealed again, row by row. No plaintext leaves the process, no lock is held while
// decrypting, and each row is written by one compare-and-set statement on its old key id and ciphertext, so a
// concurrent change (or a second rotator) is never overwritten.
import { vaultSecretBinding, type SealedSecret, type SecretBinding, type SecretCipher } from "@mfa-chain/application";
import type { Db } from "../database/schema.js";

export interface RotationFailure {
  /** Which table the secret is in: a factor's (otp_secrets) or a vault entry's (vault_entries). */
  readonly source: "otp_secrets" | "delivery_destinations" | "vault_entries";
  readonly tenantId: string;
  /** The credential's id, or the vault entry's. */
  readonly credentialId: string;
  readonly keyId: string;
  /** Why it could not be re-sealed (an error message from the cipher; it never contains secret material). */
  readonly reason: string;
}

export interface RotationReport {
  readonly currentKeyId: string;
  /** Rows found sealed by another key. */
  readonly examined: number;
  readonly resealed: number;
  /** Rows that changed between reading and writing (left to their new state). */
  readonly skipped: number;
  readonly failures: readonly RotationFailure[];
}

export interface RotationOptions {
  readonly batchSize?: number;
  /** Called after each batch, with the counts so far. */
  readonly onProgress?: (report: RotationReport) => void;
}

/** One page of rows sealed by another key, after the (tenant, id) given, in key order. */
interface Row {
  readonly tenantId: string;
  readonly id: string;
  readonly binding: SecretBinding;
  readonly sealed: SealedSecret;
}

interface Source {
  readonly name: RotationFailure["source"];
  page(db: Db, current: string, after: { tenantId: string; id: string } | null, limit: number): Promise<Row[]>;
  /** Writes the new seal where the row still holds the old one; true when it did. */
  write(db: Db, row: Row, next: SealedSecret): Promise<boolean>;
}

const SOURCES: readonly Source[] = [
  {
    name: "otp_secrets",
    async page(db, current, after, limit) {
      let page = db
        .selectFrom("otp_secrets as o")
        .innerJoin("credentials as c", (j) => j.onRef("c.tenant_id", "=", "o.tenant_id").onRef("c.id", "=", "o.credential_id"))
        .select(["o.tenant_id", "o.credential_id as id", "c.user_id", "o.secret_key_id", "o.secret_ciphertext"])
        .where("o.secret_key_id", "<>", current);
      if (after) {
        const { tenantId, id } = after;
        page = page.where((eb) => eb(eb.refTuple("o.tenant_id", "o.credential_id"), ">", eb.tuple(tenantId, id)));
      }
      const rows = await page.orderBy("o.tenant_id").orderBy("o.credential_id").limit(limit).execute();
      return rows.map((r) => ({
        tenantId: r.tenant_id,
        id: r.id,
        binding: { tenantId: r.tenant_id, userId: r.user_id, credentialId: r.id },
        sealed: { keyId: r.secret_key_id, ciphertext: new Uint8Array(r.secret_ciphertext) },
      }));
    },
    async write(db, row, next) {
      const result = await db
        .updateTable("otp_secrets")
        .set({ secret_key_id: next.keyId, secret_ciphertext: Buffer.from(next.ciphertext) })
        .where("tenant_id", "=", row.tenantId)
        .where("credential_id", "=", row.id)
        .where("secret_key_id", "=", row.sealed.keyId)
        .where("secret_ciphertext", "=", Buffer.from(row.sealed.ciphertext))
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
  },
  {
    name: "delivery_destinations",
    async page(db, current, after, limit) {
      let page = db
        .selectFrom("delivery_destinations as d")
        .innerJoin("credentials as c", (j) => j.onRef("c.tenant_id", "=", "d.tenant_id").onRef("c.id", "=", "d.credential_id"))
        .select(["d.tenant_id", "d.credential_id as id", "c.user_id", "d.destination_key_id", "d.destination_ciphertext"])
        .where("d.destination_key_id", "<>", current);
      if (after) {
        const { tenantId, id } = after;
        page = page.where((eb) => eb(eb.refTuple("d.tenant_id", "d.credential_id"), ">", eb.tuple(tenantId, id)));
      }
      const rows = await page.orderBy("d.tenant_id").orderBy("d.credential_id").limit(limit).execute();
      return rows.map((r) => ({
        tenantId: r.tenant_id,
        id: r.id,
        binding: { tenantId: r.tenant_id, userId: r.user_id, credentialId: r.id },
        sealed: { keyId: r.destination_key_id, ciphertext: new Uint8Array(r.destination_ciphertext) },
      }));
    },
    async write(db, row, next) {
      const result = await db
        .updateTable("delivery_destinations")
        .set({ destination_key_id: next.keyId, destination_ciphertext: Buffer.from(next.ciphertext) })
        .where("tenant_id", "=", row.tenantId)
        .where("credential_id", "=", row.id)
        .where("destination_key_id", "=", row.sealed.keyId)
        .where("destination_ciphertext", "=", Buffer.from(row.sealed.ciphertext))
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
  },
  {
    name: "vault_entries",
    async page(db, current, after, limit) {
      let page = db
        .selectFrom("vault_entries")
        .select(["tenant_id", "id", "secret_key_id", "secret_ciphertext"])
        .where("secret_key_id", "<>", current);
      if (after) {
        const { tenantId, id } = after;
        page = page.where((eb) => eb(eb.refTuple("tenant_id", "id"), ">", eb.tuple(tenantId, id)));
      }
      const rows = await page.orderBy("tenant_id").orderBy("id").limit(limit).execute();
      return rows.map((r) => ({
        tenantId: r.tenant_id,
        id: r.id,
        binding: vaultSecretBinding(r.tenant_id, r.id),
        sealed: { keyId: r.secret_key_id, ciphertext: new Uint8Array(r.secret_ciphertext) },
      }));
    },
    async write(db, row, next) {
      const result = await db
        .updateTable("vault_entries")
        .set({ secret_key_id: next.keyId, secret_ciphertext: Buffer.from(next.ciphertext) })
        .where("tenant_id", "=", row.tenantId)
        .where("id", "=", row.id)
        .where("secret_key_id", "=", row.sealed.keyId)
        .where("secret_ciphertext", "=", Buffer.from(row.sealed.ciphertext))
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
  },
];

export async function rotateSecrets(db: Db, cipher: SecretCipher, options: RotationOptions = {}): Promise<RotationReport> {
  const batchSize = options.batchSize ?? 200;
  const current = cipher.currentKeyId;
  let examined = 0;
  let resealed = 0;
  let skipped = 0;
  const failures: RotationFailure[] = [];
  for (const source of SOURCES) {
    // Keyset paging over the primary key: rows that fail stay behind us instead of being read again.
    let after: { tenantId: string; id: string } | null = null;
    for (;;) {
      const rows = await source.page(db, current, after, batchSize);
      for (const row of rows) {
        examined += 1;
        let next: SealedSecret;
        try {
          const plaintext = cipher.open(row.sealed, row.binding);
          try {
            next = cipher.seal(plaintext, row.binding);
          } finally {
            plaintext.fill(0);
          }
        } catch (error) {
          failures.push({
            source: source.name,
            tenantId: row.tenantId,
            credentialId: row.id,
            keyId: row.sealed.keyId,
            reason: error instanceof Error ? error.message : String(error),
          });
          continue;
        }
        if (await source.write(db, row, next)) resealed += 1;
        else skipped += 1;
      }
      const last = rows[rows.length - 1];
      options.onProgress?.({ currentKeyId: current, examined, resealed, skipped, failures });
      if (!last || rows.length < batchSize) break;
      after = { tenantId: last.tenantId, id: last.id };
    }
  }
  return { currentKeyId: current, examined, resealed, skipped, failures };
}
