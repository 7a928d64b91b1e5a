// Migrations: they build the schema on an empty database, do nothing when run again (also from two processes at
// once), and give PGlite and the PostgreSQL server the same schema.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import type { SealedSecret } from "@mfa-chain/application";
import { sampleEvent, T0 } from "@mfa-chain/testing/contracts";
import { Migrator, sql, type Kysely } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { chainHash, GENESIS_HASH, sealAllAuditChains, verifyAuditChain } from "../src/audit/audit-chain.js";
import { createDatabase, type MfaDatabase } from "../src/database/create-database.js";
import { migrateToLatest } from "../src/migrate.js";
import { migrationProvider, migrations } from "../src/migrations/index.js";
import { PostgresAuditReader } from "../src/repositories/audit.repository.js";
import { PostgresUnitOfWork } from "../src/unit-of-work.js";
import { TestKeyring } from "./support/test-keyring.js";

const empty = useTestDatabase("migrations_empty", { empty: true });
const opened: MfaDatabase[] = [];
const open = (options: Parameters<typeof createDatabase>[0]) => {
  const database = createDatabase(options);
  opened.push(database);
  return database;
};
afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
});

const TABLES = [
  "api_keys",
  "attempts",
  "audit_events",
  "audit_seal_cursors",
  "audit_seals",
  "backup_codes",
  "challenge_sends",
  "credentials",
  "delivery_destinations",
  "enforcement_rules",
  "grace_deadlines",
  "idempotency_keys",
  "lockouts",
  "notification_outbox",
  "one_time_challenges",
  "operator_sessions",
  "operators",
  "otp_secrets",
  "policies",
  "push_challenges",
  "push_deny_clears",
  "push_devices",
  "push_poll_nonces",
  "recoveries",
  "remembered_devices",
  "seen_locations",
  "tenant_settings",
  "tenants",
  "user_enforcement",
  "users",
  "vault_entries",
  "vault_grants",
  "vault_group_members",
  "webauthn_credentials",
  "webauthn_relying_parties",
];

async function tables<DB>(db: Kysely<DB>): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = 'public' and table_name not like 'kysely%' order by 1`.execute(
    db,
  );
  return rows.map((r) => r.table_name);
}

/** "((a > 0))" → "a > 0": PostgreSQL 15 wraps check clauses in one more pair of parentheses than 17 does. */
function unwrap(clause: string | null): string | null {
  let text = clause;
  while (text !== null && text.startsWith("(") && text.endsWith(")")) {
    let depth = 0;
    let wrapsAll = true;
    for (let i = 0; i < text.length - 1; i++) {
      depth += text[i] === "(" ? 1 : text[i] === ")" ? -1 : 0;
      if (depth === 0) {
        wrapsAll = false;
        break;
      }
    }
    if (!wrapsAll) break;
    text = text.slice(1, -1);
  }
  return text;
}

/** The schema as information_schema and pg_indexes describe it, without server-specific object ids. */
async function describeSchema<DB>(db: Kysely<DB>) {
  const columns = await sql`
    select table_name, column_name, ordinal_position, data_type, udt_name, is_nullable, column_default, is_identity, identity_generation
    from information_schema.columns where table_schema = 'public' order by table_name, ordinal_position`.execute(db);
  const constraints = await sql<{ constraint_name: string; check_clause: string | null }>`
    select tc.table_name, tc.constraint_name, tc.constraint_type, cc.check_clause,
      (select string_agg(k.column_name, ',' order by k.ordinal_position) from information_schema.key_column_usage k
        where k.constraint_schema = tc.constraint_schema and k.constraint_name = tc.constraint_name) as columns
    from information_schema.table_constraints tc
    left join information_schema.check_constraints cc on cc.constraint_schema = tc.constraint_schema and cc.constraint_name = tc.constraint_name
    where tc.table_schema = 'public' order by tc.table_name, tc.constraint_name`.execute(db);
  const indexes = await sql`select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by 1, 2`.execute(db);
  const triggers = await sql`
    select event_object_table, trigger_name, event_manipulation, action_timing, action_orientation, action_statement
    from information_schema.triggers where trigger_schema = 'public' order by 1, 2, 3`.execute(db);
  return {
    columns: columns.rows,
    // NOT NULL appears as a CHECK named after object ids (e.g. 2200_16390_1_not_null): nullability is compared above.
    constraints: constraints.rows
      .filter((c) => !/^\d+_\d+_\d+_not_null$/.test(c.constraint_name))
      .map((c) => ({ ...c, check_clause: unwrap(c.check_clause) })),
    indexes: indexes.rows,
    triggers: triggers.rows,
  };
}

describe("migrations", () => {
  it("build every table on an empty PostgreSQL database and are a no-op when run again", async () => {
    const database = open({ url: empty.url, poolSize: 2 });
    expect(await tables(database.db)).toEqual([]);
    expect(await migrateToLatest(database.db)).toEqual(Object.keys(migrations));
    expect(await tables(database.db)).toEqual(TABLES);
    const before = await describeSchema(database.db);
    expect(await migrateToLatest(database.db)).toEqual([]);
    expect(await describeSchema(database.db)).toEqual(before);
    const { rows } = await sql<{ n: string | number }>`select count(*) as n from kysely_migration`.execute(database.db);
    expect(Number(rows[0]?.n)).toBe(Object.keys(migrations).length);
  });

  it("applied from two processes at once, run once", async () => {
    const fresh = await import("@mfa-chain/pg-harness").then(async (h) => {
      const { harnessContext } = await import("@mfa-chain/pg-harness/vitest");
      const context = harnessContext();
      return { h, context, db: await h.createTestDatabase(context.adminUrl, null, "migrations_race") };
    });
    try {
      const [a, b] = [open({ url: fresh.db.url, poolSize: 2 }), open({ url: fresh.db.url, poolSize: 2 })];
      const results = await Promise.all([migrateToLatest(a.db), migrateToLatest(b.db)]);
      expect(results.map((r) => r.length).sort()).toEqual([0, Object.keys(migrations).length]);
      await Promise.all([a.close(), b.close()]);
    } finally {
      await fresh.h.dropTestDatabase(fresh.context.adminUrl, fresh.db.name);
    }
  });

  it("build the same schema on PGlite as on the PostgreSQL server", async () => {
    const lite = open({});
    expect(await migrateToLatest(lite.db)).toEqual(Object.keys(migrations));
    expect(await migrateToLatest(lite.db)).toEqual([]);
    const server = open({ url: empty.url, poolSize: 2 });
    await migrateToLatest(server.db);
    const [liteSchema, serverSchema] = [await describeSchema(lite.db), await describeSchema(server.db)];
    expect(liteSchema.columns.length).toBeGreaterThan(60);
    expect(liteSchema.indexes.length).toBeGreaterThanOrEqual(15);
    expect(liteSchema).toEqual(serverSchema);
  });
});

// 0003 moves OTP secrets and their replay guards out of `credentials` (into otp_secrets): a factor enrolled before it
// keeps working after it, with the same secret and the same guard, on both drivers.
describe("migrations 0003 (credential material) and 0005 (the replay guard back on the credential)", () => {
  const BEFORE = "0002-idempotency-keys";

  async function enrolledBefore0003(database: MfaDatabase, keyring: TestKeyring, seed: Uint8Array) {
    const migrator = new Migrator({ db: database.db, provider: migrationProvider });
    const { error } = await migrator.migrateTo(BEFORE);
    if (error) throw error;
    const sealed = keyring.seal(seed, { tenantId: "mig", userId: "alice", credentialId: "c1" });
    await sql`insert into tenants (id, name) values ('mig', 'Migration')`.execute(database.db);
    await sql`insert into users (tenant_id, user_id, created_at) values ('mig', 'alice', now())`.execute(database.db);
    await sql`insert into credentials (tenant_id, id, user_id, factor_id, label, status, type, params, secret_key_id, secret_ciphertext,
        last_time_step, counter, created_at, confirmed_at)
      values ('mig', 'c1', 'alice', 'token_1', 'Phone', 'active', 'totp', ${JSON.stringify({ type: "totp", algorithm: "SHA1", digits: 6, period: 30 })}::jsonb,
        ${sealed.keyId}, ${Buffer.from(sealed.ciphertext)}, 1000, 0, now(), now())`.execute(database.db);
  }

  for (const driver of ["PostgreSQL", "PGlite"] as const) {
    it(`keeps an OTP factor enrolled before it: same secret, same replay guard (${driver})`, async () => {
      const fresh = driver === "PostgreSQL" ? await freshServerDatabase("migrations_0003") : null;
      try {
        const database = open(fresh ? { url: fresh.db.url, poolSize: 2 } : {});
        const keyring = TestKeyring.withKeys("k1");
        const seed = Uint8Array.from({ length: 20 }, (_, i) => i * 7 + 1);
        await enrolledBefore0003(database, keyring, seed);
        expect(await migrateToLatest(database.db)).toEqual([
          "0003-credential-material",
          "0004-vault",
          "0005-replay-guard-on-credentials",
          "0006-out-of-band-codes",
          "0007-enforcement",
          "0008-webauthn",
          "0009-push",
          "0010-recovery",
          "0011-operators",
          "0012-console-directory",
          "0013-audit-chain-index-sealed-only",
          "0014-audit-seals",
        ]);

        const uow = new PostgresUnitOfWork(database.db);
        const read = await uow.run((r) => r.credentials.findActiveByFactor("mig", "alice", "token_1"));
        expect(read?.params).toEqual({ type: "totp", algorithm: "SHA1", digits: 6, period: 30 });
        const material = read?.material as { secret: SealedSecret; lastTimeStep: number | null };
        expect(material.lastTimeStep).toBe(1000);
        // The authenticator's secret opens as before, under the same binding.
        expect(keyring.open(material.secret, { tenantId: "mig", userId: "alice", credentialId: "c1" })).toEqual(seed);
        // The guard holds: the step used before the migration is refused, the next one is accepted once.
        const claim = (step: number) =>
          uow.run((r) => r.credentials.claim("mig", { kind: "time_step", credentialId: "c1", step }, Date.now()));
        expect(await claim(1000)).toBe(false);
        expect(await claim(1001)).toBe(true);
        expect(await claim(1001)).toBe(false);
        const { rows } = await sql<{ column_name: string }>`
          select column_name from information_schema.columns where table_name = 'credentials' and column_name like '%secret%'`.execute(
          database.db,
        );
        expect(rows).toEqual([]);
      } finally {
        if (fresh) await fresh.h.dropTestDatabase(fresh.context.adminUrl, fresh.db.name);
      }
    });
  }
});

async function freshServerDatabase(name: string) {
  const h = await import("@mfa-chain/pg-harness");
  const { harnessContext } = await import("@mfa-chain/pg-harness/vitest");
  const context = harnessContext();
  return { h, context, db: await h.createTestDatabase(context.adminUrl, null, name) };
}

// 0014 moves the audit chain's seals out of the event rows (into audit_seals): a chain sealed before it verifies after
// it, with the same head, and goes on from there; an event sealed before is not sealed again.
describe("migration 0014 (audit seals in a table of their own)", () => {
  it("keeps a chain sealed before it, and extends it", async () => {
    const fresh = await freshServerDatabase("migrations_0014");
    try {
      const database = open({ url: fresh.db.url, poolSize: 2 });
      const { error } = await new Migrator({ db: database.db, provider: migrationProvider }).migrateTo(
        "0013-audit-chain-index-sealed-only",
      );
      if (error) throw error;
      const t = "mig-audit";
      const append = (from: number, count: number) =>
        new PostgresUnitOfWork(database.db).run(async (r) => {
          for (let i = from; i < from + count; i++) await r.audit.append(sampleEvent(t, { at: T0 + i * 1000, data: { i } }));
        });
      await append(0, 3);
      // Sealed as the code before 0014 sealed: each event's own columns, set once, in seq order.
      const events = await new PostgresAuditReader(database.db).list({ tenantId: t, limit: 10 });
      let prev = GENESIS_HASH;
      for (const [i, event] of [...events].reverse().entries()) {
        const hash = chainHash(prev, event);
        await sql`update audit_events set chain_index = ${i + 1}, prev_hash = ${prev}, hash = ${hash}
          where tenant_id = ${t} and seq = ${event.seq}`.execute(database.db);
        prev = hash;
      }
      await append(3, 1); // not sealed before the migration
      expect(await migrateToLatest(database.db)).toEqual(["0014-audit-seals"]);
      expect(await verifyAuditChain(database.db, t)).toEqual({ ok: true, checked: 3, unsealed: 1, head: prev });
      // The background job picks the tenant, which has no cursor yet, and moves the cursor to its newest event in two
      // rounds; after that it finds no work.
      expect(await sealAllAuditChains(database.db)).toEqual({ sealed: 1 });
      expect(await sealAllAuditChains(database.db)).toEqual({ sealed: 0 });
      const newest = (await new PostgresAuditReader(database.db).list({ tenantId: t, limit: 1 }))[0]?.seq;
      const cursor = await database.db.selectFrom("audit_seal_cursors").selectAll().where("tenant_id", "=", t).executeTakeFirst();
      expect(cursor).toMatchObject({ through_seq: newest, pending_seq: null });
      expect(await verifyAuditChain(database.db, t)).toMatchObject({ ok: true, checked: 4, unsealed: 0 });
      // From now on an event is never changed, sealing included.
      await expect(sql`update audit_events set hash = null where tenant_id = ${t}`.execute(database.db)).rejects.toThrow(
        /append-only: UPDATE refused/,
      );
    } finally {
      await fresh.h.dropTestDatabase(fresh.context.adminUrl, fresh.db.name);
    }
  });
});
