// Email and SMS codes (issue 11). Each factor's destination (an address, an E.164 number) is kept sealed like a secret
// in delivery_destinations, with its masked form for display and a keyed hash that send limits count by — never in
// clear. one_time_challenges (0001, unused until now) keeps each sent code's keyed hash, now bound to the credential and
// to the attempt's step it was sent for; challenge_sends logs every accepted send for the limits (S16). Only adds:
// replicas on the old code keep running between the migration job and the roll-out.
import { sql, type Kysely, type Migration } from "kysely";

const statements = [
  `alter table credentials drop constraint credentials_type_check`,
  `alter table credentials add constraint credentials_type_check check (type in ('totp', 'hotp', 'backup_code', 'email', 'sms'))`,
  `create table delivery_destinations (
    tenant_id text not null,
    credential_id text not null,
    destination_key_id text not null constraint delivery_destinations_key_id_check check (destination_key_id <> ''),
    destination_ciphertext bytea not null,
    masked text not null constraint delivery_destinations_masked_check check (masked <> '' and length(masked) <= 300),
    destination_hash text not null constraint delivery_destinations_hash_check check (destination_hash ~ '^[0-9a-f]{64}$'),
    constraint delivery_destinations_pkey primary key (tenant_id, credential_id),
    constraint delivery_destinations_credential_fkey foreign key (tenant_id, credential_id) references credentials (tenant_id, id) on delete cascade
  )`,
  `alter table one_time_challenges
     add column credential_id text,
     add column step integer constraint one_time_challenges_step_check check (step >= 0)`,
  `create index one_time_challenges_attempt_idx on one_time_challenges (tenant_id, attempt_id, step)`,
  `create table challenge_sends (
    tenant_id text not null,
    id text not null,
    user_id text not null,
    destination_hash text not null constraint challenge_sends_destination_hash_check check (destination_hash ~ '^[0-9a-f]{64}$'),
    sent_at timestamptz not null,
    constraint challenge_sends_pkey primary key (tenant_id, id)
  )`,
  `create index challenge_sends_user_idx on challenge_sends (tenant_id, user_id, sent_at)`,
  `create index challenge_sends_destination_idx on challenge_sends (tenant_id, destination_hash, sent_at)`,
  `create index challenge_sends_tenant_idx on challenge_sends (tenant_id, sent_at)`,
];

export const outOfBandCodes: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
