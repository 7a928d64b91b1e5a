// Each tenant's WebAuthn relying party (0008): one row, replaced as a whole.
import type { RelyingPartyRepository, StoredRelyingParty } from "@mfa-chain/application";
import type { Db } from "../database/schema.js";

export class PostgresRelyingPartyRepository implements RelyingPartyRepository {
  constructor(private readonly db: Db) {}

  async find(tenantId: string): Promise<StoredRelyingParty | null> {
    const row = await this.db
      .selectFrom("webauthn_relying_parties")
      .select(["rp_id", "name", "origins", "updated_at"])
      .where("tenant_id", "=", tenantId)
      .executeTakeFirst();
    return row ? { tenantId, id: row.rp_id, name: row.name, origins: [...row.origins], updatedAt: row.updated_at.getTime() } : null;
  }

  async save(rp: StoredRelyingParty): Promise<void> {
    const values = { rp_id: rp.id, name: rp.name, origins: [...rp.origins], updated_at: new Date(rp.updatedAt) };
    await this.db
      .insertInto("webauthn_relying_parties")
      .values({ tenant_id: rp.tenantId, ...values })
      .onConflict((oc) => oc.constraint("webauthn_relying_parties_pkey").doUpdateSet(values))
      .execute();
  }
}
