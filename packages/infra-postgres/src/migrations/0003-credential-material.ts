// Credentials split into their common part and each kind's material, so that a new kind adds a table instead of
// columns every credential carries. TOTP and HOTP keep a sealed secret and their replay guard (last time step,
// counter) in otp_secrets; backup codes are one row per keyed hash. Existing OTP credentials move over unchanged: the
// same secret, the same guard (a test enrolls at 0002, migrates, and verifies with the same authenticator).
import { sql, type Kysely, type Migration } from "kysely";

const statements = [
  `create table otp_secrets (
    tenant_id text not null,
    credential_id text not null,
    secret_key_id text not null constraint otp_secrets_secret_key_id_check check (secret_key_id <> ''),
    secret_ciphertext bytea not null,
    last_time_step bigint constraint otp_secrets_last_time_step_check check (last_time_step >= 0),
    counter bigint not null default 0 constraint otp_secrets_counter_check check (counter >= 0),
    constraint otp_secrets_pkey primary key (tenant_id, credential_id),
    constraint otp_secrets_credential_fkey foreign key (tenant_id, credential_id) references credentials (tenant_id, id) on delete cascade
  )`,
  `insert into otp_secrets (tenant_id, credential_id, secret_key_id, secret_ciphertext, last_time_step, counter)
     select tenant_id, id, secret_key_id, secret_ciphertext, last_time_step, counter from credentials`,
  `alter table credentials
     drop column secret_key_id,
     drop column secret_ciphertext,
     drop column last_time_step,
     drop column counter`,
  `alter table credentials drop constraint credentials_type_check`,
  `alter table credentials add constraint credentials_type_check check (type in ('totp', 'hotp', 'backup_code'))`,
  `create table backup_codes (
    tenant_id text not null,
    credential_id text not null,
    code_hash text not null constraint backup_codes_code_hash_check check (code_hash ~ '^[0-9a-f]{64}$'),
    used_at timestamptz,
    constraint backup_codes_pkey primary key (tenant_id, credential_id, code_hash),
    constraint backup_codes_credential_fkey foreign key (tenant_id, credential_id) references credentials (tenant_id, id) on delete cascade
  )`,
];

export const credentialMaterial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
