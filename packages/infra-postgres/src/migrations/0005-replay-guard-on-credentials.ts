// The OTP replay guard (last time step, HOTP counter) back on the credentials row, beside the status that every claim
// checks: the verify path locks that row anyway, so a claim updates one row it already holds, and the locking read
// sees the newest guard without locking a second row (docs/benchmarks.md). otp_secrets keeps the sealed secret, which
// changes only when secrets:rotate re-seals it. Existing values move over unchanged.
import { sql, type Kysely, type Migration } from "kysely";

const statements = [
  `alter table credentials
     add column last_time_step bigint constraint credentials_last_time_step_check check (last_time_step >= 0),
     add column counter bigint not null default 0 constraint credentials_counter_check check (counter >= 0)`,
  `update credentials c set last_time_step = o.last_time_step, counter = o.counter
     from otp_secrets o where o.tenant_id = c.tenant_id and o.credential_id = c.id`,
  `alter table otp_secrets drop column last_time_step, drop column counter`,
];

export const replayGuardOnCredentials: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};
