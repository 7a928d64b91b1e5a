// Push storage (issue 13): the device in push_devices (its enrollment token's keyed hash until a proof consumed it,
// then its public key), and the newest push challenges of the credential with their answers, which is what a verify
// of the push step decides on. The step's pass or failure is claimed on its one_time_challenges row (a pass: the
// `challenge` claim of out-of-band.ts; a failure answer: `challenge_spent`, which has no expiry): the push tables themselves are written by the device routes (push.repository.ts), each
// answer once. Nothing here is changed by a claim, so the read needs no lock of its own.
import { PUSH_MATERIAL_CHALLENGES } from "@mfa-chain/application";
import { sql } from "kysely";
import { z } from "zod";
import type { StorageKind } from "./kind.js";

const ms = (column: string) => sql`(extract(epoch from ${sql.ref(column)}) * 1000)::bigint`;

export const pushStorage: StorageKind<"push"> = {
  type: "push",
  material: (tenantId, read) =>
    sql<unknown>`(select json_build_object(
      'enrollmentTokenHash', d.enrollment_token_hash,
      'device', case when d.algorithm is null then null else json_build_object('algorithm', d.algorithm, 'publicKey', d.public_key,
        'name', d.device_name, 'pushToken', d.push_token, 'enrolledAt', ${ms("d.enrolled_at")}) end,
      'challenges', (select coalesce(json_agg(json_build_object('id', c.id, 'expiresAt', ${ms("c.expires_at")}, 'outcome', c.outcome,
          'answeredAt', ${ms("c.answered_at")}) order by c.created_at desc, c.id desc), '[]'::json)
        from (select p.id, p.expires_at, p.outcome, p.answered_at, p.created_at from push_challenges p
          where p.tenant_id = ${tenantId} and p.credential_id = d.credential_id
          order by p.created_at desc, p.id desc limit ${sql.lit(PUSH_MATERIAL_CHALLENGES)}) c))
      from push_devices d where d.tenant_id = ${tenantId} and d.credential_id = ${sql.ref(read.column("id"))})`,
  materialSchema: z.object({
    enrollmentTokenHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullable(),
    device: z
      .object({
        algorithm: z.enum(["ES256", "Ed25519"]),
        publicKey: z.string().min(1),
        name: z.string().min(1),
        pushToken: z.string().min(1).nullable(),
        enrolledAt: z.number().int(),
      })
      .nullable(),
    challenges: z.array(
      z.object({
        id: z.string().min(1),
        expiresAt: z.number().int(),
        outcome: z.enum(["approved", "wrong_number", "denied", "reported_fraud"]).nullable(),
        answeredAt: z.number().int().nullable(),
      }),
    ),
  }),
  async insertMaterial(db, c) {
    const d = c.material.device;
    await db
      .insertInto("push_devices")
      .values({
        tenant_id: c.tenantId,
        credential_id: c.id,
        enrollment_token_hash: c.material.enrollmentTokenHash,
        algorithm: d?.algorithm ?? null,
        public_key: d?.publicKey ?? null,
        device_name: d?.name ?? null,
        push_token: d?.pushToken ?? null,
        enrolled_at: d ? new Date(d.enrolledAt) : null,
      })
      .execute();
  },
};
