// The relying party's user ids, recorded per tenant the first time they are seen.
import type { UserRepository } from "@mfa-chain/application";
import type { Instant } from "@mfa-chain/domain";
import type { Db } from "../database/schema.js";

export class PostgresUserRepository implements UserRepository {
  constructor(private readonly db: Db) {}

  async lock(tenantId: string, userId: string, at: Instant): Promise<void> {
    await this.db
      .insertInto("users")
      .values({ tenant_id: tenantId, user_id: userId, created_at: new Date(at) })
      // A no-op update of a known user takes its row lock (and waits for a holder), in the same round trip.
      .onConflict((oc) => oc.columns(["tenant_id", "user_id"]).doUpdateSet({ created_at: (eb) => eb.ref("users.created_at") }))
      .execute();
  }
}
