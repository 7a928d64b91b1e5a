// Enforcement and remembered devices (SPEC §4, issue 14): the tenant's rules (versioned), users' groups and
// service-account flag, grace deadlines fixed at first sight, the locations a user was seen at, and remembered devices
// (only the keyed hash of the current token). tenant_id comes first in every key; every per-user table references
// users and goes with it (on delete cascade), so the tables shard by tenant with the rest (sql/distribute.sql).
// Additive only: replicas on the old code keep running between the migration job and the roll-out.
import { sql, type Kysely, type Migration } from "kysely";

const statements = [
  `create table enforcement_rules (
    tenant_id text not null,
    version integer not null constraint enforcement_rules_version_check check (version > 0),
    definition jsonb not null constraint enforcement_rules_definition_check check (jsonb_typeof(definition) = 'object'),
    created_at timestamptz not null,
    constraint enforcement_rules_pkey primary key (tenant_id, version)
  )`,
  `create table user_enforcement (
    tenant_id text not null,
    user_id text not null,
    groups jsonb not null default '[]' constraint user_enforcement_groups_check check (jsonb_typeof(groups) = 'array'),
    service_account boolean not null default false,
    updated_at timestamptz not null,
    constraint user_enforcement_pkey primary key (tenant_id, user_id),
    constraint user_enforcement_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, user_id) on delete cascade
  )`,
  `create table grace_deadlines (
    tenant_id text not null,
    user_id text not null,
    first_seen_at timestamptz not null,
    ends_at timestamptz not null,
    constraint grace_deadlines_pkey primary key (tenant_id, user_id),
    constraint grace_deadlines_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, user_id) on delete cascade,
    constraint grace_deadlines_order_check check (ends_at >= first_seen_at)
  )`,
  `create table seen_locations (
    tenant_id text not null,
    user_id text not null,
    location_key text not null constraint seen_locations_location_key_check check (location_key <> ''),
    last_seen_at timestamptz not null,
    constraint seen_locations_pkey primary key (tenant_id, user_id, location_key),
    constraint seen_locations_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, user_id) on delete cascade
  )`,
  `create table remembered_devices (
    tenant_id text not null,
    id text not null,
    user_id text not null,
    token_hash text not null constraint remembered_devices_token_hash_check check (token_hash ~ '^[0-9a-f]{64}$'),
    attempt_id text not null,
    label text not null default '',
    created_at timestamptz not null,
    last_used_at timestamptz,
    expires_at timestamptz not null,
    revoked_at timestamptz,
    constraint remembered_devices_pkey primary key (tenant_id, id),
    constraint remembered_devices_token_hash_key unique (tenant_id, token_hash),
    constraint remembered_devices_attempt_key unique (tenant_id, attempt_id),
    constraint remembered_devices_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, user_id) on delete cascade
  )`,
  `create index remembered_devices_user_idx on remembered_devices (tenant_id, user_id)`,
];

export const enforcement: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
