// TOTP and HOTP keep their sealed secret in a row of otp_secrets and their replay guard (last time step, counter) on the
// credential's own row (migration 0005), which moves by one conditional update, so of parallel submissions of one code
// exactly one wins (S2, S5).
import type { StoredCredentialOf } from "@mfa-chain/application";
import { sql, type QueryCreator } from "kysely";
import { z } from "zod";
import type { Database, Db } from "../database/schema.js";
import type { MaterialRead, StorageClaim } from "./kind.js";

/**
 * The secret (its otp_secrets row) and the replay guard (the credential's own columns) of a credential, as json. The
 * secret changes only when re-sealed under another key of the keyring, which still opens the one read here: it needs no
 * lock; the guard is as fresh as the credential's row.
 */
export const otpMaterial = (tenantId: string, read: MaterialRead) =>
  sql<unknown>`(select json_build_object('keyId', o.secret_key_id, 'ciphertext', encode(o.secret_ciphertext, 'hex'),
    'lastTimeStep', ${sql.ref(read.column("last_time_step"))}, 'counter', ${sql.ref(read.column("counter"))})
    from otp_secrets o where o.tenant_id = ${tenantId} and o.credential_id = ${sql.ref(read.column("id"))})`;

const hex = z
  .string()
  .regex(/^(?:[0-9a-f]{2})+$/)
  .transform((h) => new Uint8Array(Buffer.from(h, "hex")));
export const sealedSecretSchema = z.object({ keyId: z.string().min(1), ciphertext: hex });
const guard = z.number().int().nonnegative();

export const totpMaterialSchema = z
  .object({ keyId: z.string().min(1), ciphertext: hex, lastTimeStep: guard.nullable() })
  .transform((m) => ({ secret: { keyId: m.keyId, ciphertext: m.ciphertext }, lastTimeStep: m.lastTimeStep }));
export const hotpMaterialSchema = z
  .object({ keyId: z.string().min(1), ciphertext: hex, counter: guard })
  .transform((m) => ({ secret: { keyId: m.keyId, ciphertext: m.ciphertext }, counter: m.counter }));

export async function insertOtpSecret(db: Db, c: StoredCredentialOf<"totp"> | StoredCredentialOf<"hotp">): Promise<void> {
  const m = c.material;
  await db
    .insertInto("otp_secrets")
    .values({
      tenant_id: c.tenantId,
      credential_id: c.id,
      secret_key_id: m.secret.keyId,
      secret_ciphertext: Buffer.from(m.secret.ciphertext),
    })
    .execute();
  // The replay guard lives on the credential's own row (migration 0005).
  await db
    .updateTable("credentials")
    .set({ last_time_step: "lastTimeStep" in m ? m.lastTimeStep : null, counter: "counter" in m ? m.counter : 0 })
    .where("tenant_id", "=", c.tenantId)
    .where("id", "=", c.id)
    .execute();
}

/** A claim holds only on an active credential of the tenant, of the kind the claim is for; it moves its guard. */
const otpUpdate = (qc: QueryCreator<Database>, tenantId: string, credentialId: string, type: "totp" | "hotp") =>
  qc
    .updateTable("credentials")
    .where("credentials.tenant_id", "=", tenantId)
    .where("credentials.id", "=", credentialId)
    .where("credentials.status", "=", "active")
    .where("credentials.type", "=", type);

/** A TOTP time step: forward only (S2). */
export const timeStepClaim: StorageClaim<"time_step"> = {
  arity: 2,
  args(claim) {
    if (!Number.isSafeInteger(claim.step) || claim.step < 0)
      throw new RangeError(`a time step is a non-negative integer, got ${claim.step}`);
    return [claim.credentialId, claim.step];
  },
  statement: (qc, tenantId, [credentialId, step]) =>
    otpUpdate(qc, tenantId, credentialId as string, "totp")
      .set({ last_time_step: step as number })
      .where((eb) => eb.or([eb("credentials.last_time_step", "is", null), eb("credentials.last_time_step", "<", step as number)]))
      .returning("credentials.id as credential_id"),
};

/** A HOTP counter's move past a matched counter: compare-and-set (S5). */
export const counterClaim: StorageClaim<"counter"> = {
  arity: 3,
  args(claim) {
    if (!Number.isSafeInteger(claim.next) || !Number.isSafeInteger(claim.expected) || claim.next <= claim.expected) {
      throw new RangeError(`a HOTP counter only moves forward: from ${claim.expected} to ${claim.next} is not allowed`);
    }
    return [claim.credentialId, claim.expected, claim.next];
  },
  statement: (qc, tenantId, [credentialId, expected, next]) =>
    otpUpdate(qc, tenantId, credentialId as string, "hotp")
      .set({ counter: next as number })
      .where("credentials.counter", "=", expected as number)
      .returning("credentials.id as credential_id"),
};
