// The audit hash chain moves out of the event rows into a table of its own (issue 18). Sealing used to update every
// event once (chain_index, prev_hash, hash): a second, non-HOT write of each event with its index entries, its CHECKs
// and its append-only trigger, and a partial index (`hash is null`) that every verify's insert maintained only so the
// sealer could find its work. Now an event is written once and never changed; its seal is one narrow row inserted into
// audit_seals, and the sealer finds unsealed events from a per-tenant cursor (audit-chain.ts).
//
// The seals made so far are copied over, so every chain goes on from where it was. The event table's three seal columns
// stay (null for every new event) so that replicas on the old code keep inserting events until they are replaced; a
// later migration drops them. An old replica's sealer is refused from now on (audit_events takes no UPDATE at all) and
// logs the refusal until it is replaced: an event is sealed in audit_seals only.
import { sql, type Kysely, type Migration } from "kysely";

const statements = [
  // The index drops below lock audit_events: rather than queue every verify's insert behind a long reader, fail (the
  // migration job stops with the error and can be run again).
  `set local lock_timeout = '10s'`,
  `create table audit_seals (
    tenant_id text not null,
    chain_index bigint not null constraint audit_seals_chain_index_check check (chain_index > 0),
    seq bigint not null,
    prev_hash text not null constraint audit_seals_prev_hash_check check (prev_hash ~ '^[0-9a-f]{64}$'),
    hash text not null constraint audit_seals_hash_check check (hash ~ '^[0-9a-f]{64}$'),
    primary key (tenant_id, chain_index),
    constraint audit_seals_seq_key unique (tenant_id, seq)
  )`,
  // Where each tenant's sealer goes on from: every event of the tenant with seq <= through_seq is sealed. pending_seq
  // and pending_vxids are the next step: once none of those transactions runs any more, every event with
  // seq <= pending_seq is visible (audit-chain.ts explains why).
  `create table audit_seal_cursors (
    tenant_id text primary key,
    through_seq bigint not null default 0 constraint audit_seal_cursors_through_check check (through_seq >= 0),
    pending_seq bigint,
    pending_vxids text[]
  )`,
  `insert into audit_seals (tenant_id, chain_index, seq, prev_hash, hash)
    select tenant_id, chain_index, seq, prev_hash, hash from audit_events where chain_index is not null`,
  `create function audit_seals_append_only() returns trigger language plpgsql as $$
  begin
    raise exception 'audit_seals is append-only: % refused', tg_op using errcode = 'restrict_violation';
  end
  $$`,
  `create trigger audit_seals_append_only before update or delete on audit_seals
    for each row execute function audit_seals_append_only()`,
  `create trigger audit_seals_no_truncate before truncate on audit_seals
    for each statement execute function audit_seals_append_only()`,
  // Events are written once: no UPDATE any more, not even the sealing one.
  `create or replace function audit_events_append_only() returns trigger language plpgsql as $$
  begin
    raise exception 'audit_events is append-only: % refused (events are sealed in audit_seals)', tg_op
      using errcode = 'restrict_violation';
  end
  $$`,
  `drop index audit_events_unsealed_idx`,
  `drop index audit_events_chain_index_key`,
  // Its columns are never set any more; PostgreSQL would still compile and check it at every insert.
  `alter table audit_events drop constraint audit_events_seal_check`,
];

export const auditSeals: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
