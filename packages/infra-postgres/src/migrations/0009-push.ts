// Push approval with number matching (issue 13, docs/push-protocol.md). push_devices holds each push credential's
// device: the one-time enrollment token's keyed hash until a proof consumes it, then the device's public key (SPKI,
// base64url), name and optional push token. push_challenges holds every push (the number to match, the three choices,
// the expiry) and the device's answer, written once. push_poll_nonces remembers each signed poll's nonce for its ±60 s
// window (a replayed poll is refused), push_deny_clears when an administrator last cleared a user's denies (S16).
// credentials_type_check is re-added with 'webauthn' (0008) and 'push'. Only adds: replicas on the old code keep
// running between the migration job and the roll-out.
import { sql, type Kysely, type Migration } from "kysely";

const statements = [
  `alter table credentials drop constraint credentials_type_check`,
  `alter table credentials add constraint credentials_type_check
     check (type in ('totp', 'hotp', 'backup_code', 'email', 'sms', 'webauthn', 'push'))`,
  `create table push_devices (
    tenant_id text not null,
    credential_id text not null,
    enrollment_token_hash text constraint push_devices_token_hash_check check (enrollment_token_hash ~ '^[0-9a-f]{64}$'),
    algorithm text constraint push_devices_algorithm_check check (algorithm in ('ES256', 'Ed25519')),
    public_key text constraint push_devices_public_key_check check (public_key ~ '^[A-Za-z0-9_-]+$' and char_length(public_key) <= 256),
    device_name text constraint push_devices_name_check check (char_length(device_name) between 1 and 64),
    push_token text constraint push_devices_push_token_check check (char_length(push_token) between 1 and 4096),
    enrolled_at timestamptz,
    constraint push_devices_pkey primary key (tenant_id, credential_id),
    constraint push_devices_credential_fkey foreign key (tenant_id, credential_id) references credentials (tenant_id, id) on delete cascade,
    constraint push_devices_key_check check ((algorithm is null) = (public_key is null) and (algorithm is null) = (enrolled_at is null))
  )`,
  `create table push_challenges (
    tenant_id text not null,
    id text not null,
    user_id text not null,
    credential_id text not null,
    attempt_id text not null,
    step integer not null constraint push_challenges_step_check check (step >= 0),
    number integer not null constraint push_challenges_number_check check (number between 10 and 99),
    choices integer[] not null constraint push_challenges_choices_check check (cardinality(choices) = 3 and number = any (choices)),
    context text,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    answered_at timestamptz,
    decision text constraint push_challenges_decision_check check (decision in ('approve', 'deny')),
    answered_number integer constraint push_challenges_answered_number_check check (answered_number between 10 and 99),
    not_me boolean,
    outcome text constraint push_challenges_outcome_check check (outcome in ('approved', 'wrong_number', 'denied', 'reported_fraud')),
    constraint push_challenges_pkey primary key (tenant_id, id),
    constraint push_challenges_credential_fkey foreign key (tenant_id, credential_id) references credentials (tenant_id, id) on delete cascade,
    constraint push_challenges_attempt_fkey foreign key (tenant_id, attempt_id) references attempts (tenant_id, id) on delete cascade,
    constraint push_challenges_answer_check check ((answered_at is null) = (outcome is null) and (answered_at is null) = (decision is null) and (answered_at is null) = (not_me is null))
  )`,
  `create index push_challenges_user_idx on push_challenges (tenant_id, user_id, created_at)`,
  `create index push_challenges_credential_idx on push_challenges (tenant_id, credential_id, created_at)`,
  `create table push_poll_nonces (
    tenant_id text not null,
    credential_id text not null,
    nonce text not null constraint push_poll_nonces_nonce_check check (nonce ~ '^[A-Za-z0-9_-]{22,128}$'),
    retain_until timestamptz not null,
    constraint push_poll_nonces_pkey primary key (tenant_id, credential_id, nonce),
    constraint push_poll_nonces_credential_fkey foreign key (tenant_id, credential_id) references credentials (tenant_id, id) on delete cascade
  )`,
  `create table push_deny_clears (
    tenant_id text not null,
    user_id text not null,
    cleared_at timestamptz not null,
    constraint push_deny_clears_pkey primary key (tenant_id, user_id),
    constraint push_deny_clears_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, user_id) on delete cascade
  )`,
];

export const push: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
