// The unique chain index of audit_events holds sealed events only (issue 18). A verify inserts its events unsealed, with
// no chain_index, and each of them was still an entry of the unique (tenant_id, chain_index) index, which the seal then
// replaced with another: index work on the verify's insert that no query reads. The sealer's head (`chain_index is not
// null order by chain_index desc`) and the chain walk (`chain_index >= …`) ask for sealed events only, which a partial
// index answers. Same name, same uniqueness among sealed events; code of the version before runs unchanged on it.
// The index is built inside the migration's transaction, so audit_events takes no writes while it builds: a few seconds
// per million events (docs/deploy.md, the migration job).
import { sql, type Kysely, type Migration } from "kysely";

const statements = [
  `alter table audit_events drop constraint audit_events_chain_index_key`,
  `create unique index audit_events_chain_index_key on audit_events (tenant_id, chain_index) where chain_index is not null`,
];

export const auditChainIndexSealedOnly: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
