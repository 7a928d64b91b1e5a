// Email and SMS storage: the destination sealed in delivery_destinations (never in clear), with its masked form and
// keyed hash. Their codes live in one_time_challenges, namespaced by purpose (S30) and bound to the credential and the
// attempt's step; a success consumes the challenge and a failure spends a try, each by one conditional update that
// holds the credential's row lock first, as the verify path's read takes it (S14, S15).
import type { StoredCredentialOf } from "@mfa-chain/application";
import { OOB_MAX_TRIES } from "@mfa-chain/domain";
import { sql } from "kysely";
import { z } from "zod";
import type { Db } from "../database/schema.js";
import { unusedChallenge } from "./one-time-challenge.js";
import { credentialHeld, type MaterialRead, type StorageClaim, type StorageKind } from "./kind.js";
import { sealedSecretSchema } from "./otp.js";

/** The destination's row as json. It changes only when re-sealed under another key of the keyring: no lock needed. */
const oobMaterial = (tenantId: string, read: MaterialRead) =>
  sql<unknown>`(select json_build_object('keyId', d.destination_key_id, 'ciphertext', encode(d.destination_ciphertext, 'hex'),
    'masked', d.masked, 'destinationKey', d.destination_hash)
    from delivery_destinations d where d.tenant_id = ${tenantId} and d.credential_id = ${sql.ref(read.column("id"))})`;

const oobMaterialSchema = z
  .object({
    keyId: z.string().min(1),
    ciphertext: z.string(),
    masked: z.string().min(1),
    destinationKey: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .transform((m, ctx) => {
    const secret = sealedSecretSchema.safeParse({ keyId: m.keyId, ciphertext: m.ciphertext });
    if (!secret.success) {
      ctx.addIssue({ code: "custom", message: "the sealed destination is not hex" });
      return z.NEVER;
    }
    return { destination: secret.data, masked: m.masked, destinationKey: m.destinationKey };
  });

async function insertDestination(db: Db, c: StoredCredentialOf<"email"> | StoredCredentialOf<"sms">): Promise<void> {
  const m = c.material;
  await db
    .insertInto("delivery_destinations")
    .values({
      tenant_id: c.tenantId,
      credential_id: c.id,
      destination_key_id: m.destination.keyId,
      destination_ciphertext: Buffer.from(m.destination.ciphertext),
      masked: m.masked,
      destination_hash: m.destinationKey,
    })
    .execute();
}

export const emailStorage: StorageKind<"email"> = {
  type: "email",
  material: oobMaterial,
  materialSchema: oobMaterialSchema,
  insertMaterial: insertDestination,
};

export const smsStorage: StorageKind<"sms"> = {
  type: "sms",
  material: oobMaterial,
  materialSchema: oobMaterialSchema,
  insertMaterial: insertDestination,
};

/** The sent code consumed: once, unexpired, under its tries, of this hash; on a live credential (locked first). */
export const challengeClaim: StorageClaim<"challenge"> = {
  arity: 5,
  args: (claim, at) => [claim.credentialId, claim.purpose, claim.challengeId, claim.codeHash, at],
  statement: (qc, tenantId, [credentialId, purpose, challengeId, codeHash, at]) =>
    unusedChallenge(qc, tenantId, credentialId as string, purpose as string, challengeId as string)
      .set((eb) => ({ consumed_at: at as Date, tries: eb("one_time_challenges.tries", "+", 1) }))
      .where("one_time_challenges.code_hash", "=", codeHash as string)
      .where("one_time_challenges.tries", "<", OOB_MAX_TRIES)
      .where("one_time_challenges.expires_at", ">", at as Date)
      .where(credentialHeld(tenantId, credentialId as string))
      .returning("one_time_challenges.credential_id as credential_id") as never,
};

/** One try of the sent code spent by a wrong one: while unused and under its tries (a pending credential's too). */
export const challengeTryClaim: StorageClaim<"challenge_try"> = {
  arity: 3,
  args: (claim) => [claim.credentialId, claim.purpose, claim.challengeId],
  statement: (qc, tenantId, [credentialId, purpose, challengeId]) =>
    unusedChallenge(qc, tenantId, credentialId as string, purpose as string, challengeId as string)
      .set((eb) => ({ tries: eb("one_time_challenges.tries", "+", 1) }))
      .where("one_time_challenges.tries", "<", OOB_MAX_TRIES)
      .where(credentialHeld(tenantId, credentialId as string, ["active", "pending"]))
      .returning("one_time_challenges.credential_id as credential_id") as never,
};
