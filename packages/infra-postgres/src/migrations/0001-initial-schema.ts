// The first schema. Every table carries tenant_id first in its primary key and indexes (Citus distribution column);
// timestamps are timestamptz; checks keep the rows in shapes the mappers accept.
import { sql, type Kysely, type Migration } from "kysely";

const statements = [
  `create table tenants (
    id text primary key constraint tenants_id_check check (id <> ''),
    name text not null,
    created_at timestamptz not null default now()
  )`,

  `create table api_keys (
    tenant_id text not null references tenants (id),
    id text not null,
    name text not null,
    key_hash text not null constraint api_keys_key_hash_check check (key_hash ~ '^[0-9a-f]{64}$'),
    role text not null constraint api_keys_role_check check (role in ('admin', 'service')),
    created_at timestamptz not null,
    revoked_at timestamptz,
    primary key (tenant_id, id),
    constraint api_keys_key_hash_key unique (key_hash)
  )`,

  `create table users (
    tenant_id text not null,
    user_id text not null,
    created_at timestamptz not null,
    primary key (tenant_id, user_id)
  )`,

  `create table policies (
    tenant_id text not null,
    policy_id text not null,
    version integer not null constraint policies_version_check check (version > 0),
    definition jsonb not null constraint policies_definition_check check (jsonb_typeof(definition) = 'object'),
    created_at timestamptz not null,
    deleted_at timestamptz,
    primary key (tenant_id, policy_id, version)
  )`,

  `create table credentials (
    tenant_id text not null,
    id text not null,
    user_id text not null,
    factor_id text not null,
    label text not null,
    status text not null constraint credentials_status_check check (status in ('pending', 'active', 'revoked')),
    type text not null constraint credentials_type_check check (type in ('totp', 'hotp')),
    params jsonb not null constraint credentials_params_check check (params ->> 'type' = type),
    secret_key_id text not null constraint credentials_secret_key_id_check check (secret_key_id <> ''),
    secret_ciphertext bytea not null,
    last_time_step bigint constraint credentials_last_time_step_check check (last_time_step >= 0),
    counter bigint not null default 0 constraint credentials_counter_check check (counter >= 0),
    created_at timestamptz not null,
    confirmed_at timestamptz,
    revoked_at timestamptz,
    primary key (tenant_id, id),
    constraint credentials_active_confirmed_check check (status <> 'active' or confirmed_at is not null),
    constraint credentials_revoked_at_check check (status <> 'revoked' or revoked_at is not null)
  )`,
  `create index credentials_user_factor_idx on credentials (tenant_id, user_id, factor_id)`,
  // One active credential per slot: activation revokes the previous one first, inside the same transaction.
  `create unique index credentials_one_active_per_slot_key on credentials (tenant_id, user_id, factor_id) where status = 'active'`,

  `create table attempts (
    tenant_id text not null,
    id text not null,
    user_id text not null,
    policy_id text not null,
    policy_version integer not null,
    chain jsonb not null constraint attempts_chain_check check (jsonb_typeof(chain) = 'array'),
    eligible jsonb not null constraint attempts_eligible_check check (jsonb_typeof(eligible) = 'array'),
    cursor integer not null constraint attempts_cursor_check check (cursor >= 0),
    status text not null constraint attempts_status_check check (status in ('active', 'completed')),
    version integer not null constraint attempts_version_check check (version > 0),
    created_at timestamptz not null,
    expires_at timestamptz not null,
    completed_at timestamptz,
    primary key (tenant_id, id)
  )`,
  `create index attempts_user_idx on attempts (tenant_id, user_id, created_at)`,

  `create table lockouts (
    tenant_id text not null,
    user_id text not null,
    consecutive_failures integer not null default 0 constraint lockouts_failures_check check (consecutive_failures >= 0),
    lock_count integer not null default 0 constraint lockouts_lock_count_check check (lock_count >= 0),
    locked_until timestamptz,
    updated_at timestamptz not null default now(),
    primary key (tenant_id, user_id)
  )`,

  // Single-use codes and challenges, namespaced by purpose (S30): a code of one kind never consumes another kind.
  `create table one_time_challenges (
    tenant_id text not null,
    purpose text not null constraint one_time_challenges_purpose_check check (purpose ~ '^[a-z][a-z0-9_]{0,63}$'),
    id text not null,
    user_id text not null,
    attempt_id text,
    code_hash text not null,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    consumed_at timestamptz,
    tries integer not null default 0 constraint one_time_challenges_tries_check check (tries >= 0),
    primary key (tenant_id, purpose, id)
  )`,
  `create index one_time_challenges_user_idx on one_time_challenges (tenant_id, purpose, user_id)`,

  // Append-only. Events are inserted unsealed; sealAuditChain later sets chain_index, prev_hash and hash once, in
  // sequence order per tenant, so verifies never wait on a shared "last hash" row.
  `create table audit_events (
    tenant_id text not null,
    seq bigint generated always as identity,
    at timestamptz not null,
    type text not null constraint audit_events_type_check check (type ~ '^[a-z_]+\\.[a-z_]+$'),
    actor_kind text not null constraint audit_events_actor_kind_check check (actor_kind in ('api_key', 'system')),
    actor_id text,
    user_id text,
    attempt_id text,
    factor_id text,
    data jsonb not null default '{}' constraint audit_events_data_check check (jsonb_typeof(data) = 'object'),
    chain_index bigint,
    prev_hash text,
    hash text,
    primary key (tenant_id, seq),
    constraint audit_events_actor_check check ((actor_kind = 'system') = (actor_id is null)),
    constraint audit_events_seal_check check (
      (chain_index is null and prev_hash is null and hash is null)
      or (chain_index > 0 and prev_hash ~ '^[0-9a-f]{64}$' and hash ~ '^[0-9a-f]{64}$')
    ),
    constraint audit_events_chain_index_key unique (tenant_id, chain_index)
  )`,
  `create index audit_events_user_idx on audit_events (tenant_id, user_id, seq)`,
  `create index audit_events_unsealed_idx on audit_events (tenant_id, seq) where hash is null`,
  `create function audit_events_append_only() returns trigger language plpgsql as $$
  begin
    if tg_op = 'DELETE' or tg_op = 'TRUNCATE' then
      raise exception 'audit_events is append-only: % refused', tg_op using errcode = 'restrict_violation';
    end if;
    if old.hash is not null then
      raise exception 'audit event % of tenant % is sealed: UPDATE refused', old.seq, old.tenant_id using errcode = 'restrict_violation';
    end if;
    if new.hash is null
      or (new.tenant_id, new.seq, new.at, new.type, new.actor_kind, new.actor_id, new.user_id, new.attempt_id, new.factor_id, new.data)
        is distinct from
        (old.tenant_id, old.seq, old.at, old.type, old.actor_kind, old.actor_id, old.user_id, old.attempt_id, old.factor_id, old.data)
    then
      raise exception 'audit event % of tenant %: only sealing (chain_index, prev_hash, hash) may change it', old.seq, old.tenant_id
        using errcode = 'restrict_violation';
    end if;
    return new;
  end
  $$`,
  `create trigger audit_events_append_only before update or delete on audit_events
    for each row execute function audit_events_append_only()`,
  `create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_events_append_only()`,
];

export const initialSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
