// The challenge store (one_time_challenges, namespaced by purpose: S30) and the log of sends the limits count (S16).
// Codes are stored only as keyed hashes; a resend replaces the code of the same challenge in place (one row, so a
// verify waiting on its lock reads the new code, and the old one no longer matches: S15).
import type { ChallengeRepository, ChallengeSend, SendScope, StoredChallenge } from "@mfa-chain/application";
import type { Instant } from "@mfa-chain/domain";
import type { Db } from "../database/schema.js";
import { toStoredChallenge } from "../database/rows.js";

export class PostgresChallengeRepository implements ChallengeRepository {
  constructor(private readonly db: Db) {}

  async find(tenantId: string, purpose: string, id: string): Promise<StoredChallenge | null> {
    const row = await this.db
      .selectFrom("one_time_challenges")
      .selectAll()
      .where("tenant_id", "=", tenantId)
      .where("purpose", "=", purpose)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toStoredChallenge(row) : null;
  }

  async save(c: StoredChallenge): Promise<void> {
    const values = {
      user_id: c.userId,
      credential_id: c.credentialId,
      attempt_id: c.attemptId,
      step: c.step,
      code_hash: c.codeHash,
      created_at: new Date(c.createdAt),
      expires_at: new Date(c.expiresAt),
      consumed_at: c.consumedAt === null ? null : new Date(c.consumedAt),
      tries: c.tries,
    };
    await this.db
      .insertInto("one_time_challenges")
      .values({ tenant_id: c.tenantId, purpose: c.purpose, id: c.id, ...values })
      .onConflict((oc) => oc.columns(["tenant_id", "purpose", "id"]).doUpdateSet(values))
      .execute();
  }

  async recordSend(send: ChallengeSend): Promise<void> {
    await this.db
      .insertInto("challenge_sends")
      .values({
        tenant_id: send.tenantId,
        id: send.id,
        user_id: send.userId,
        destination_hash: send.destinationKey,
        sent_at: new Date(send.sentAt),
      })
      .execute();
  }

  async sendsSince(tenantId: string, scope: SendScope, since: Instant, limit: number): Promise<Instant[]> {
    if (limit <= 0) return [];
    let q = this.db
      .selectFrom("challenge_sends")
      .select("sent_at")
      .where("tenant_id", "=", tenantId)
      .where("sent_at", ">", new Date(since));
    if ("userId" in scope) q = q.where("user_id", "=", scope.userId);
    else if ("destinationKey" in scope) q = q.where("destination_hash", "=", scope.destinationKey);
    const rows = await q.orderBy("sent_at", "desc").limit(limit).execute();
    return rows.map((r) => r.sent_at.getTime());
  }
}
