// Notifications and recovery (issues 11 and 14): per-tenant settings (notifications on or off, the recovery delay, and a
// lowered delay pending until the old one has passed: pending_recovery_delay_at, by the database's clock), the
// notification outbox (queued in the transaction of the action it tells of, drained after commit; the destinations are
// not in it: `recipients` names the user's factors active at the queueing, whose sealed destinations are opened at the
// send; a recovery's cancel token is sealed until then and erased after), and admin recoveries (only the cancel token's keyed hash; one open recovery per user). tenant_id comes
// first in every key; per-user rows go with their user (on delete cascade). Additive only.
import { sql, type Kysely, type Migration } from "kysely";

const statements = [
  `create table tenant_settings (
    tenant_id text not null,
    notifications_enabled boolean not null,
    recovery_delay_seconds integer not null
      constraint tenant_settings_recovery_delay_check check (recovery_delay_seconds between 0 and 2592000),
    pending_recovery_delay_seconds integer
      constraint tenant_settings_pending_delay_check check (pending_recovery_delay_seconds between 0 and 2592000),
    pending_recovery_delay_at timestamptz,
    updated_at timestamptz not null,
    constraint tenant_settings_pending_check check ((pending_recovery_delay_seconds is null) = (pending_recovery_delay_at is null)),
    constraint tenant_settings_pkey primary key (tenant_id),
    constraint tenant_settings_tenant_fkey foreign key (tenant_id) references tenants (id) on delete cascade
  )`,
  `create table notification_outbox (
    tenant_id text not null,
    id bigint generated always as identity,
    user_id text not null,
    event text not null constraint notification_outbox_event_check
      check (event in ('factor_added', 'factor_removed', 'backup_code_used', 'locked_out', 'recovery_requested', 'factors_reset', 'fraud_reported')),
    factor_label text,
    recipients text[],
    secret_key_id text,
    secret_ciphertext bytea,
    due_at timestamptz,
    created_at timestamptz not null,
    processed_at timestamptz,
    constraint notification_outbox_pkey primary key (tenant_id, id),
    constraint notification_outbox_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, user_id) on delete cascade,
    constraint notification_outbox_secret_check check ((secret_key_id is null) = (secret_ciphertext is null))
  )`,
  `create index notification_outbox_pending_idx on notification_outbox (id) where processed_at is null`,
  `create table recoveries (
    tenant_id text not null,
    id text not null,
    user_id text not null,
    state text not null constraint recoveries_state_check check (state in ('requested', 'cancelled', 'ready', 'completed', 'expired')),
    requested_by text not null,
    verification text not null constraint recoveries_verification_check check (verification <> ''),
    reference text not null constraint recoveries_reference_check check (reference <> ''),
    cancel_token_hash text not null constraint recoveries_cancel_token_hash_check check (cancel_token_hash ~ '^[0-9a-f]{64}$'),
    requested_at timestamptz not null,
    due_at timestamptz not null,
    expires_at timestamptz not null,
    updated_at timestamptz not null,
    constraint recoveries_pkey primary key (tenant_id, id),
    constraint recoveries_cancel_token_hash_key unique (tenant_id, cancel_token_hash),
    constraint recoveries_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, user_id) on delete cascade,
    constraint recoveries_order_check check (due_at >= requested_at and expires_at >= due_at)
  )`,
  `create unique index recoveries_open_key on recoveries (tenant_id, user_id) where state in ('requested', 'ready')`,
];

export const recovery: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
