// Idempotency keys: a client's retry of a request whose answer it did not receive (a dropped connection, a 503 after a
// commit) gets the first answer back instead of running again. One row per tenant and key, written in the same
// transaction as the request's own changes, with the answer sealed (it may hold an enrollment's secret).
import { sql, type Kysely, type Migration } from "kysely";

const statements = [
  `create table idempotency_keys (
    tenant_id text not null,
    key text not null constraint idempotency_keys_key_check check (key ~ '^[\\x21-\\x7e]{1,255}$'),
    fingerprint text not null constraint idempotency_keys_fingerprint_check check (fingerprint ~ '^[0-9a-f]{64}$'),
    created_at timestamptz not null,
    response_key_id text not null,
    response_ciphertext bytea not null,
    constraint idempotency_keys_pkey primary key (tenant_id, key)
  )`,
  // The purge of keys past their 24 hours.
  `create index idempotency_keys_created_idx on idempotency_keys (created_at)`,
];

export const idempotencyKeys: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
