// The admin console's directories (issue 15): tenants and a tenant's users listed by id prefix in keyset pages, and a
// factor's last use read from the audit trail. Indexes only, and none on audit_events: a verify's audit insert keeps
// its index upkeep (a factor's last use walks the user's events newest first on audit_events_user_idx instead).
// Ids in the "C" collation, so that `like 'prefix%'` and `>` the last id seen are an index range in byte order.
// Additive only: replicas on the old code keep running between the migration job and the roll-out.
import { sql, type Kysely, type Migration } from "kysely";

const statements = [
  `create index tenants_id_c_idx on tenants (id collate "C")`,
  `create index users_user_id_c_idx on users (tenant_id, user_id collate "C")`,
];

export const consoleDirectory: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
