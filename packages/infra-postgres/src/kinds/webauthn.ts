// WebAuthn storage (issue 12): a registered credential's row in webauthn_credentials, written when its registration is
// confirmed (a credential id registered in the tenant already is refused by the unique constraint, S24); none while
// pending. Its challenges live in one_time_challenges (purposes webauthn_create / webauthn_get). A refusal spends the
// challenge (challenge_spent, S21); a success consumes it and then moves the sign counter by compare-and-set, both in
// the verify's one write statement (webauthn_assertion, S23): of parallel submissions of one assertion one wins.
import type { StoredCredentialOf } from "@mfa-chain/application";
import { sql } from "kysely";
import { z } from "zod";
import { unusedChallenge } from "./one-time-challenge.js";
import { credentialHeld, type StorageClaim, type StorageKind } from "./kind.js";

const hexToBase64Url = (hex: string): string => Buffer.from(hex, "hex").toString("base64url");

const registeredSchema = z
  .object({
    credentialId: z.string().min(1),
    publicKey: z.string().regex(/^(?:[0-9a-f]{2})+$/),
    algorithm: z.enum(["ES256", "EdDSA", "RS256"]),
    signCount: z.number().int().min(0),
    transports: z.array(z.string()),
    aaguid: z.string(),
    attestationFormat: z.string(),
    backupEligible: z.boolean(),
    backedUp: z.boolean(),
  })
  .transform((r) => ({ ...r, publicKey: hexToBase64Url(r.publicKey) }));

export const webauthnStorage: StorageKind<"webauthn"> = {
  type: "webauthn",
  // The registered row, locked when asked (the counter moves by claims: a locking read sees one committed meanwhile).
  material: (tenantId, read) =>
    sql<unknown>`json_build_object('registered', (select json_build_object('credentialId', w.webauthn_id,
      'publicKey', encode(w.public_key, 'hex'), 'algorithm', w.algorithm, 'signCount', w.sign_count, 'transports', w.transports,
      'aaguid', w.aaguid, 'attestationFormat', w.attestation_format, 'backupEligible', w.backup_eligible, 'backedUp', w.backed_up)
      from (select * from webauthn_credentials x where x.tenant_id = ${tenantId} and x.credential_id = ${sql.ref(read.column("id"))}
      ${read.lock ? sql`for update` : sql``}) w))`,
  materialSchema: z.object({ registered: registeredSchema.nullable() }),
  // Nothing is known before the registration is confirmed.
  async insertMaterial(db, c) {
    if (c.material.registered !== null) await webauthnStorage.saveMaterial?.(db, c);
  },
  async saveMaterial(db, c: StoredCredentialOf<"webauthn">) {
    const r = c.material.registered;
    if (r === null) return false;
    const rows = await db
      .insertInto("webauthn_credentials")
      .values({
        tenant_id: c.tenantId,
        credential_id: c.id,
        webauthn_id: r.credentialId,
        public_key: Buffer.from(r.publicKey, "base64url"),
        algorithm: r.algorithm,
        sign_count: r.signCount,
        transports: [...r.transports],
        aaguid: r.aaguid,
        attestation_format: r.attestationFormat,
        backup_eligible: r.backupEligible,
        backed_up: r.backedUp,
      })
      .onConflict((oc) => oc.constraint("webauthn_credentials_webauthn_id_key").doNothing())
      .returning("credential_id")
      .execute();
    return rows.length === 1;
  },
};

/** A WebAuthn challenge used up by a refusal (S21): once, whatever its tries; a pending credential's too. */
export const challengeSpentClaim: StorageClaim<"challenge_spent"> = {
  arity: 4,
  args: (claim, at) => [claim.credentialId, claim.purpose, claim.challengeId, at],
  statement: (qc, tenantId, [credentialId, purpose, challengeId, at]) =>
    unusedChallenge(qc, tenantId, credentialId as string, purpose as string, challengeId as string)
      .set((eb) => ({ consumed_at: at as Date, tries: eb("one_time_challenges.tries", "+", 1) }))
      .where(credentialHeld(tenantId, credentialId as string, ["active", "pending"]))
      .returning("one_time_challenges.credential_id as credential_id") as never,
};

/** An assertion's success: its challenge consumed (unused, unexpired, this value), then the counter compared and set. */
export const webauthnAssertionClaim: StorageClaim<"webauthn_assertion"> = {
  arity: 7,
  args: (claim, at) => {
    for (const n of [claim.expectedSignCount, claim.newSignCount])
      if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff)
        throw new RangeError(`a sign counter is a 32-bit unsigned integer, got ${n}`);
    return [claim.credentialId, claim.purpose, claim.challengeId, claim.codeHash, at, claim.expectedSignCount, claim.newSignCount];
  },
  statement: (qc, tenantId, [credentialId, purpose, challengeId, codeHash, at, expected]) =>
    unusedChallenge(qc, tenantId, credentialId as string, purpose as string, challengeId as string)
      .set((eb) => ({ consumed_at: at as Date, tries: eb("one_time_challenges.tries", "+", 1) }))
      .where("one_time_challenges.code_hash", "=", codeHash as string)
      .where("one_time_challenges.expires_at", ">", at as Date)
      .where(credentialHeld(tenantId, credentialId as string))
      // The counter as read, checked here too: a counter that moved before this statement leaves the challenge alone
      // (then: the compare-and-set itself, under the row's lock).
      .where(
        sql<boolean>`exists (select 1 from webauthn_credentials w where w.tenant_id = ${tenantId}
          and w.credential_id = ${credentialId as string} and w.sign_count = ${expected as number})`,
      )
      .returning("one_time_challenges.credential_id as credential_id") as never,
  then: (qc, tenantId, [credentialId, , , , , expected, next]) =>
    qc
      .updateTable("webauthn_credentials")
      .set({ sign_count: next as number })
      .where("webauthn_credentials.tenant_id", "=", tenantId)
      .where("webauthn_credentials.credential_id", "=", credentialId as string)
      .where("webauthn_credentials.sign_count", "=", expected as number)
      .returning("webauthn_credentials.credential_id as credential_id") as never,
};
