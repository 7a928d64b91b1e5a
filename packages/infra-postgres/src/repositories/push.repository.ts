// Push devices, challenges, answers and poll nonces (issue 13). The writes that must happen once are single
// conditional statements: a proof consumes the enrollment token only while its hash is unchanged; an answer is written
// only while the challenge is unanswered and alive; a nonce is inserted only if the device never used it (the primary
// key decides, whatever runs in parallel).
import type { PushAnswerRecord, PushDeviceProof, PushDeviceRecord, PushRepository, StoredPushChallenge } from "@mfa-chain/application";
import { PUSH_FATIGUE_WINDOW_MS, type Instant, type PushFatigueState } from "@mfa-chain/domain";
import { sql, type Selectable } from "kysely";
import type { Db, PushChallengesTable } from "../database/schema.js";

const toChallenge = (r: Selectable<PushChallengesTable>): StoredPushChallenge => ({
  tenantId: r.tenant_id,
  id: r.id,
  userId: r.user_id,
  credentialId: r.credential_id,
  attemptId: r.attempt_id,
  step: r.step,
  number: r.number,
  choices: [r.choices[0], r.choices[1], r.choices[2]] as [number, number, number],
  context: r.context,
  createdAt: r.created_at.getTime(),
  expiresAt: r.expires_at.getTime(),
  answer:
    r.answered_at === null || r.outcome === null || r.decision === null || r.not_me === null
      ? null
      : { decision: r.decision, number: r.answered_number, notMe: r.not_me, outcome: r.outcome, answeredAt: r.answered_at.getTime() },
});

export class PostgresPushRepository implements PushRepository {
  constructor(private readonly db: Db) {}

  async findDevice(tenantId: string, credentialId: string): Promise<PushDeviceRecord | null> {
    const r = await this.db
      .selectFrom("credentials as c")
      .innerJoin("push_devices as d", (j) => j.onRef("d.tenant_id", "=", "c.tenant_id").onRef("d.credential_id", "=", "c.id"))
      .select([
        "c.user_id",
        "c.factor_id",
        "c.label",
        "c.status",
        "c.created_at",
        "d.enrollment_token_hash",
        "d.algorithm",
        "d.public_key",
        "d.device_name",
        "d.push_token",
      ])
      .where("c.tenant_id", "=", tenantId)
      .where("c.id", "=", credentialId)
      .where("d.tenant_id", "=", tenantId)
      .executeTakeFirst();
    if (!r) return null;
    return {
      tenantId,
      credentialId,
      userId: r.user_id,
      factorId: r.factor_id,
      label: r.label,
      status: r.status,
      createdAt: r.created_at.getTime(),
      enrollmentTokenHash: r.enrollment_token_hash,
      algorithm: r.algorithm,
      publicKey: r.public_key,
      name: r.device_name,
      pushToken: r.push_token,
    };
  }

  async enrollDevice(tenantId: string, credentialId: string, tokenHash: string, proof: PushDeviceProof): Promise<boolean> {
    const updated = await this.db
      .updateTable("push_devices")
      .set({
        enrollment_token_hash: null,
        algorithm: proof.algorithm,
        public_key: proof.publicKey,
        device_name: proof.name,
        push_token: proof.pushToken,
        enrolled_at: new Date(proof.enrolledAt),
      })
      .where("tenant_id", "=", tenantId)
      .where("credential_id", "=", credentialId)
      .where("enrollment_token_hash", "=", tokenHash)
      .returning("credential_id")
      .executeTakeFirst();
    return updated !== undefined;
  }

  async insertChallenge(c: StoredPushChallenge): Promise<void> {
    await this.db
      .insertInto("push_challenges")
      .values({
        tenant_id: c.tenantId,
        id: c.id,
        user_id: c.userId,
        credential_id: c.credentialId,
        attempt_id: c.attemptId,
        step: c.step,
        number: c.number,
        choices: [...c.choices],
        context: c.context,
        created_at: new Date(c.createdAt),
        expires_at: new Date(c.expiresAt),
        answered_at: c.answer === null ? null : new Date(c.answer.answeredAt),
        decision: c.answer?.decision ?? null,
        answered_number: c.answer?.number ?? null,
        not_me: c.answer?.notMe ?? null,
        outcome: c.answer?.outcome ?? null,
      })
      .execute();
  }

  async findChallenge(tenantId: string, challengeId: string): Promise<StoredPushChallenge | null> {
    const r = await this.db
      .selectFrom("push_challenges")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("id", "=", challengeId)
      .executeTakeFirst();
    return r ? toChallenge(r) : null;
  }

  async pendingChallenges(tenantId: string, credentialId: string, now: Instant): Promise<StoredPushChallenge[]> {
    const rows = await this.db
      .selectFrom("push_challenges")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("credential_id", "=", credentialId)
      .where("answered_at", "is", null)
      .where("expires_at", ">", new Date(now))
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toChallenge);
  }

  async answerChallenge(tenantId: string, challengeId: string, a: PushAnswerRecord): Promise<boolean> {
    const at = new Date(a.answeredAt);
    const updated = await this.db
      .updateTable("push_challenges")
      .set({ answered_at: at, decision: a.decision, answered_number: a.number, not_me: a.notMe, outcome: a.outcome })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", challengeId)
      .where("answered_at", "is", null)
      .where("expires_at", ">", at)
      .returning("id")
      .executeTakeFirst();
    return updated !== undefined;
  }

  async retireStepChallenges(tenantId: string, attemptId: string, step: number, at: Instant): Promise<number> {
    const when = new Date(at);
    const retired = await this.db
      .updateTable("push_challenges")
      .set({ expires_at: when })
      .where("tenant_id", "=", tenantId)
      .where("attempt_id", "=", attemptId)
      .where("step", "=", step)
      .where("answered_at", "is", null)
      .where("expires_at", ">", when)
      .returning("id")
      .execute();
    return retired.length;
  }

  async fatigueState(tenantId: string, userId: string, now: Instant): Promise<PushFatigueState> {
    const at = new Date(now);
    const since = new Date(now - PUSH_FATIGUE_WINDOW_MS);
    const [pending, issued, denies] = await Promise.all([
      this.db
        .selectFrom("push_challenges")
        .select("expires_at")
        .where("tenant_id", "=", tenantId)
        .where("user_id", "=", userId)
        .where("answered_at", "is", null)
        .where("expires_at", ">", at)
        .execute(),
      this.db
        .selectFrom("push_challenges")
        .select("created_at")
        .where("tenant_id", "=", tenantId)
        .where("user_id", "=", userId)
        .where("created_at", ">", since)
        .execute(),
      // Denies since the later of the administrator's last clear and the user's last completed attempt.
      sql<{ n: number | string }>`select count(*) as n from push_challenges p
        where p.tenant_id = ${tenantId} and p.user_id = ${userId} and p.outcome in ('denied', 'reported_fraud')
        and p.answered_at > greatest(
          (select max(cleared_at) from push_deny_clears k where k.tenant_id = ${tenantId} and k.user_id = ${userId}),
          (select max(completed_at) from attempts a where a.tenant_id = ${tenantId} and a.user_id = ${userId} and a.completed_at is not null),
          '-infinity'::timestamptz)`.execute(this.db),
    ]);
    return {
      pendingExpiries: pending.map((r) => r.expires_at.getTime()),
      issuedAt: issued.map((r) => r.created_at.getTime()),
      deniesSinceClear: Number(denies.rows[0]?.n ?? 0),
    };
  }

  async clearDenies(tenantId: string, userId: string, at: Instant): Promise<void> {
    const clearedAt = new Date(at);
    await this.db
      .insertInto("push_deny_clears")
      .values({ tenant_id: tenantId, user_id: userId, cleared_at: clearedAt })
      .onConflict((oc) =>
        oc.columns(["tenant_id", "user_id"]).doUpdateSet({ cleared_at: sql`greatest(push_deny_clears.cleared_at, excluded.cleared_at)` }),
      )
      .execute();
  }

  async rememberNonce(tenantId: string, credentialId: string, nonce: string, retainUntil: Instant, now: Instant): Promise<boolean> {
    await this.db
      .deleteFrom("push_poll_nonces")
      .where("tenant_id", "=", tenantId)
      .where("credential_id", "=", credentialId)
      .where("retain_until", "<", new Date(now))
      .execute();
    const inserted = await this.db
      .insertInto("push_poll_nonces")
      .values({ tenant_id: tenantId, credential_id: credentialId, nonce, retain_until: new Date(retainUntil) })
      .onConflict((oc) => oc.columns(["tenant_id", "credential_id", "nonce"]).doNothing())
      .returning("nonce")
      .executeTakeFirst();
    return inserted !== undefined;
  }
}
