// WebAuthn (issue 12). webauthn_credentials holds a registered authenticator's credential: its id (unique in the
// tenant: a second registration of one authenticator is refused, S24), its COSE public key, the sign counter (moved
// only by compare-and-set, S23), transports, AAGUID and the backup flags; the row is written when the registration is
// confirmed. webauthn_relying_parties holds each tenant's RP id, name and allowed origins. Challenges live in
// one_time_challenges under the purposes webauthn_create and webauthn_get (S21, S30). Only adds: replicas on the old
// code keep running between the migration job and the roll-out.
import { sql, type Kysely, type Migration } from "kysely";

const statements = [
  `alter table credentials drop constraint credentials_type_check`,
  `alter table credentials add constraint credentials_type_check check (type in ('totp', 'hotp', 'backup_code', 'email', 'sms', 'webauthn'))`,
  `create table webauthn_credentials (
    tenant_id text not null,
    credential_id text not null,
    webauthn_id text not null constraint webauthn_credentials_webauthn_id_check check (webauthn_id ~ '^[A-Za-z0-9_-]+$' and length(webauthn_id) <= 1366),
    public_key bytea not null constraint webauthn_credentials_public_key_check check (octet_length(public_key) between 1 and 2048),
    algorithm text not null constraint webauthn_credentials_algorithm_check check (algorithm in ('ES256', 'EdDSA', 'RS256')),
    sign_count bigint not null constraint webauthn_credentials_sign_count_check check (sign_count between 0 and 4294967295),
    transports text[] not null,
    aaguid text not null constraint webauthn_credentials_aaguid_check check (aaguid ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
    attestation_format text not null constraint webauthn_credentials_attestation_format_check check (length(attestation_format) between 1 and 32),
    backup_eligible boolean not null,
    backed_up boolean not null,
    constraint webauthn_credentials_backup_check check (backup_eligible or not backed_up),
    constraint webauthn_credentials_pkey primary key (tenant_id, credential_id),
    constraint webauthn_credentials_webauthn_id_key unique (tenant_id, webauthn_id),
    constraint webauthn_credentials_credential_fkey foreign key (tenant_id, credential_id) references credentials (tenant_id, id) on delete cascade
  )`,
  `create table webauthn_relying_parties (
    tenant_id text not null,
    rp_id text not null constraint webauthn_relying_parties_rp_id_check check (rp_id <> '' and length(rp_id) <= 253),
    name text not null constraint webauthn_relying_parties_name_check check (name <> '' and length(name) <= 100),
    origins text[] not null constraint webauthn_relying_parties_origins_check check (cardinality(origins) between 1 and 20),
    updated_at timestamptz not null,
    constraint webauthn_relying_parties_pkey primary key (tenant_id)
  )`,
];

export const webauthn: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
