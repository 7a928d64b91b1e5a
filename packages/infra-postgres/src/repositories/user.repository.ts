// The relying party's user ids, recorded per tenant the first time they are seen.
import { checkDirectoryPage, type DirectoryPage, type StoredUser, type UserRepository } from "@mfa-chain/application";
import type { Instant } from "@mfa-chain/domain";
import { sql } from "kysely";
import type { Db } from "../database/schema.js";
import { likePrefix } from "./tenant.repository.js";

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

  async list(tenantId: string, page: DirectoryPage): Promise<StoredUser[]> {
    checkDirectoryPage(page);
    // In the "C" collation (index users_user_id_c_idx): the prefix is an index range, ids in byte order.
    let q = this.db
      .selectFrom("users")
      .select(["user_id", "created_at"])
      .where("tenant_id", "=", tenantId)
      .where(sql<boolean>`(user_id collate "C") like ${likePrefix(page.prefix)}`);
    if (page.after !== null) q = q.where(sql<boolean>`(user_id collate "C") > ${page.after}`);
    const rows = await q
      .orderBy(sql`user_id collate "C"`)
      .limit(page.limit)
      .execute();
    return rows.map((r) => ({ userId: r.user_id, createdAt: r.created_at.getTime() }));
  }
}
