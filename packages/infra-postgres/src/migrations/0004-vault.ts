// The shared vault (SPEC §4): team TOTP/HOTP seeds of shared accounts, sealed with the keyring (bound to tenant and
// entry); grants of read_code/manage to the tenant's users and groups; groups with their members. tenant_id comes first
// in every key, so the tables shard by tenant with the rest (sql/distribute.sql).
import { sql, type Kysely, type Migration } from "kysely";

const statements = [
  `create table vault_entries (
    tenant_id text not null,
    id text not null,
    name text not null constraint vault_entries_name_check check (name <> ''),
    type text not null constraint vault_entries_type_check check (type in ('totp', 'hotp')),
    issuer text not null,
    account_name text not null,
    algorithm text not null constraint vault_entries_algorithm_check check (algorithm in ('SHA1', 'SHA256', 'SHA512')),
    digits smallint not null constraint vault_entries_digits_check check (digits in (6, 8)),
    period smallint constraint vault_entries_period_check check (period in (30, 60)),
    counter bigint constraint vault_entries_counter_check check (counter >= 0),
    tags jsonb not null default '[]' constraint vault_entries_tags_check check (jsonb_typeof(tags) = 'array'),
    notes text not null default '',
    secret_key_id text not null constraint vault_entries_secret_key_id_check check (secret_key_id <> ''),
    secret_ciphertext bytea not null,
    created_at timestamptz not null,
    constraint vault_entries_pkey primary key (tenant_id, id),
    constraint vault_entries_name_key unique (tenant_id, name),
    constraint vault_entries_kind_check check ((type = 'totp' and period is not null and counter is null) or (type = 'hotp' and period is null and counter is not null))
  )`,
  `create table vault_grants (
    tenant_id text not null,
    entry_id text not null,
    principal_kind text not null constraint vault_grants_principal_kind_check check (principal_kind in ('user', 'group')),
    principal_id text not null constraint vault_grants_principal_id_check check (principal_id <> ''),
    permission text not null constraint vault_grants_permission_check check (permission in ('read_code', 'manage')),
    created_at timestamptz not null,
    constraint vault_grants_pkey primary key (tenant_id, entry_id, principal_kind, principal_id, permission),
    constraint vault_grants_entry_fkey foreign key (tenant_id, entry_id) references vault_entries (tenant_id, id) on delete cascade
  )`,
  `create table vault_group_members (
    tenant_id text not null,
    group_id text not null,
    user_id text not null,
    created_at timestamptz not null,
    constraint vault_group_members_pkey primary key (tenant_id, group_id, user_id)
  )`,
  `create index vault_group_members_user_idx on vault_group_members (tenant_id, user_id)`,
];

export const vault: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
