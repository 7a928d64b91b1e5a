// Online re-encryption of factor secrets after a key rotation: every OTP secret (otp_secrets) sealed by a key other than the
// cipher's current one is opened and sealed again, row by row. No plaintext leaves the process, no lock is held while
// decrypting, and each row is written by one compare-and-set statement on its old key id and ciphertext, so a
// concurrent change (or a second rotator) is never overwritten.
import type { SealedSecret, SecretCipher } from "@mfa-chain/application";
import type { Db } from "../database/schema.js";

export interface RotationFailure {
  readonly tenantId: string;
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

export async function rotateSecrets(db: Db, cipher: SecretCipher, options: RotationOptions = {}): Promise<RotationReport> {
  const batchSize = options.batchSize ?? 200;
  const current = cipher.currentKeyId;
  let examined = 0;
  let resealed = 0;
  let skipped = 0;
  const failures: RotationFailure[] = [];
  // Keyset paging over the primary key: rows that fail stay behind us instead of being read again.
  let after: { tenantId: string; id: string } | null = null;
  for (;;) {
    let page = db
      .selectFrom("otp_secrets as o")
      .innerJoin("credentials as c", (j) => j.onRef("c.tenant_id", "=", "o.tenant_id").onRef("c.id", "=", "o.credential_id"))
      .select(["o.tenant_id", "o.credential_id as id", "c.user_id", "o.secret_key_id", "o.secret_ciphertext"])
      .where("o.secret_key_id", "<>", current);
    if (after) {
      const { tenantId, id } = after;
      page = page.where((eb) => eb(eb.refTuple("o.tenant_id", "o.credential_id"), ">", eb.tuple(tenantId, id)));
    }
    const rows = await page.orderBy("o.tenant_id").orderBy("o.credential_id").limit(batchSize).execute();
    for (const row of rows) {
      examined += 1;
      const binding = { tenantId: row.tenant_id, userId: row.user_id, credentialId: row.id };
      const old: SealedSecret = { keyId: row.secret_key_id, ciphertext: new Uint8Array(row.secret_ciphertext) };
      let next: SealedSecret;
      try {
        const plaintext = cipher.open(old, binding);
        try {
          next = cipher.seal(plaintext, binding);
        } finally {
          plaintext.fill(0);
        }
      } catch (error) {
        failures.push({
          tenantId: row.tenant_id,
          credentialId: row.id,
          keyId: row.secret_key_id,
          reason: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      const result = await db
        .updateTable("otp_secrets")
        .set({ secret_key_id: next.keyId, secret_ciphertext: Buffer.from(next.ciphertext) })
        .where("tenant_id", "=", row.tenant_id)
        .where("credential_id", "=", row.id)
        .where("secret_key_id", "=", old.keyId)
        .where("secret_ciphertext", "=", Buffer.from(old.ciphertext))
        .executeTakeFirst();
      if (result.numUpdatedRows === 1n) resealed += 1;
      else skipped += 1;
    }
    const last = rows[rows.length - 1];
    options.onProgress?.({ currentKeyId: current, examined, resealed, skipped, failures });
    if (!last || rows.length < batchSize) break;
    after = { tenantId: last.tenant_id, id: last.id };
  }
  return { currentKeyId: current, examined, resealed, skipped, failures };
}
