// The schema is ready to be sharded by tenant with Citus: judged from the catalog of this file's database, a clone of
// the run's template after every migration (so a later migration is checked without being listed anywhere), by the
// rules in support/citus-readiness.ts. Planted tables show each rule fails when broken; sql/distribute.sql is run
// against stand-ins for Citus's functions and must cover the whole schema. Citus itself is not installed here.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkCitusReadiness,
  checkDistributionCalls,
  CITUS_STAND_INS,
  DECLARATIONS,
  readCatalog,
  readDistributionCalls,
  tableKind,
  withoutPsqlCommands,
  type CitusDeclarations,
  type Problem,
} from "./support/citus-readiness.js";

const database = useTestDatabase("citus_readiness");
const DISTRIBUTE_SQL = join(dirname(fileURLToPath(import.meta.url)), "..", "sql", "distribute.sql");
let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
});

/** Runs `work` in a transaction that is always rolled back: planted tables and stand-ins never outlive the test. */
async function rolledBack<T>(work: () => Promise<T>): Promise<T> {
  await client.query("begin");
  try {
    return await work();
  } finally {
    await client.query("rollback");
  }
}

/** The problems the check finds after `ddl`, split into those about planted tables and the rest. */
async function afterPlanting(
  ddl: string,
  declarations: CitusDeclarations = DECLARATIONS,
): Promise<{ planted: Problem[]; others: Problem[] }> {
  return rolledBack(async () => {
    await client.query(ddl);
    const problems = checkCitusReadiness(await readCatalog(client), declarations);
    return {
      planted: problems.filter((p) => p.table.startsWith("planted")),
      others: problems.filter((p) => !p.table.startsWith("planted")),
    };
  });
}

const summary = (problems: readonly Problem[]) => problems.map((p) => `${p.rule} ${p.table} ${p.object}`);

describe("the migrated schema, as Citus would judge it", () => {
  it("breaks no rule: tenant_id in every key and foreign key, named constraints, only declared identities and triggers", async () => {
    const catalog = await readCatalog(client);
    const of = (kind: string) =>
      catalog
        .filter((t) => tableKind(t.name) === kind)
        .map((t) => t.name)
        .sort();
    // Not vacuous: the schema's tables are all read, and most of them are sharded.
    expect(of("reference")).toEqual(Object.keys(DECLARATIONS.referenceTables).sort());
    expect(of("local")).toEqual(Object.keys(DECLARATIONS.localTables).sort());
    expect(of("distributed").length).toBeGreaterThanOrEqual(7);
    expect(catalog.flatMap((t) => t.constraints).length).toBeGreaterThan(30);
    const problems = checkCitusReadiness(catalog);
    expect(problems.map((p) => p.message)).toEqual([]);
  });

  it("finds a unique constraint without tenant_id (citusdata/citus#4656)", async () => {
    const { planted, others } = await afterPlanting(`
      create table planted_accounts (tenant_id text not null, id text not null, email text not null,
        constraint planted_accounts_pkey primary key (tenant_id, id),
        constraint planted_accounts_email_key unique (email))`);
    expect(others).toEqual([]);
    expect(summary(planted)).toEqual(["unique-without-tenant planted_accounts planted_accounts_email_key"]);
    expect(planted[0]?.message).toMatch(/does not include tenant_id: Citus refuses it .* make it \(tenant_id, email\)/);
  });

  it("finds a primary key and a unique index without tenant_id, and an exclusion constraint without tenant_id =", async () => {
    const { planted } = await afterPlanting(`
      create table planted_rooms (tenant_id text not null, id text not null, during tstzrange not null,
        constraint planted_rooms_pkey primary key (id),
        constraint planted_rooms_during_excl exclude using gist (during with &&));
      create unique index planted_rooms_lower_id_key on planted_rooms (lower(id));
      create unique index planted_rooms_covering_key on planted_rooms (id) include (tenant_id)`);
    expect(summary(planted).sort()).toEqual([
      "exclusion-without-tenant planted_rooms planted_rooms_during_excl",
      "unique-without-tenant planted_rooms planted_rooms_covering_key",
      "unique-without-tenant planted_rooms planted_rooms_lower_id_key",
      "unique-without-tenant planted_rooms planted_rooms_pkey",
    ]);
  });

  it("finds foreign keys that do not pair tenant_id with tenant_id (citusdata/citus#4159), and ones that would change it", async () => {
    const { planted } = await afterPlanting(`
      create table planted_parents (tenant_id text not null, id text not null, constraint planted_parents_pkey primary key (tenant_id, id));
      create table planted_children (tenant_id text not null, id text not null, parent_id text,
        constraint planted_children_pkey primary key (tenant_id, id),
        constraint planted_children_swapped_fkey foreign key (tenant_id, parent_id) references planted_parents (id, tenant_id),
        constraint planted_children_good_fkey foreign key (parent_id, tenant_id) references planted_parents (id, tenant_id),
        constraint planted_children_cascade_fkey foreign key (tenant_id, parent_id) references planted_parents (tenant_id, id)
          on update cascade,
        constraint planted_children_tenant_fkey foreign key (tenant_id) references tenants (id) on delete set null)`);
    expect(summary(planted).sort()).toEqual([
      "foreign-key planted_children planted_children_cascade_fkey",
      "foreign-key planted_children planted_children_swapped_fkey",
      "foreign-key planted_children planted_children_tenant_fkey",
    ]);
  });

  it("finds a reference table that references a sharded table", async () => {
    const declarations = { ...DECLARATIONS, referenceTables: { ...DECLARATIONS.referenceTables, planted_countries: "test" } };
    const { planted } = await afterPlanting(
      `create table planted_countries (code text not null, tenant_id text not null, user_id text not null,
         constraint planted_countries_pkey primary key (code),
         constraint planted_countries_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, user_id))`,
      declarations,
    );
    expect(summary(planted)).toEqual(["foreign-key planted_countries planted_countries_user_fkey"]);
  });

  it("finds a table without tenant_id that is not a declared reference table, and a tenant_id that is nullable, defaulted or not text", async () => {
    const { planted } = await afterPlanting(`
      create table planted_settings (key text not null, constraint planted_settings_pkey primary key (key));
      create table planted_loose (tenant_id text default 'demo', id text not null, constraint planted_loose_pkey primary key (id, tenant_id));
      create table planted_numbered (tenant_id bigint not null, id text not null, constraint planted_numbered_pkey primary key (tenant_id, id))`);
    expect(summary(planted).sort()).toEqual([
      "tenant-column planted_loose tenant_id",
      "tenant-column planted_numbered tenant_id",
      "tenant-column planted_settings planted_settings",
    ]);
    expect(planted.find((p) => p.table === "planted_loose")?.message).toMatch(/has a default/);
  });

  it("finds a table without a primary key", async () => {
    const { planted } = await afterPlanting(`create table planted_log (tenant_id text not null, line text not null)`);
    expect(summary(planted)).toEqual(["primary-key planted_log planted_log"]);
  });

  it("finds constraints and indexes without a deliberate name (PostgreSQL's numbered fallbacks, other patterns, too long)", async () => {
    const { planted } = await afterPlanting(`
      create table planted_names (tenant_id text not null, id text not null, n integer not null,
        constraint planted_names_pkey primary key (tenant_id, id),
        check (n > 0), check (n > 0),
        constraint positive check (n < 100),
        constraint planted_names_a_very_long_name_that_citus_would_cut_check check (n <> 7));
      create index on planted_names (tenant_id, n);
      create index on planted_names (tenant_id, n)`);
    // The first of each pair gets PostgreSQL's default name, which follows the convention; the second a number.
    expect(summary(planted).sort()).toEqual([
      "name planted_names planted_names_a_very_long_name_that_citus_would_cut_check",
      "name planted_names planted_names_n_check1",
      "name planted_names planted_names_tenant_id_n_idx1",
      "name planted_names positive",
    ]);
  });

  it("finds undeclared identity and sequence columns, and a declared identity that is not bigint", async () => {
    const declarations = { ...DECLARATIONS, identityColumns: { ...DECLARATIONS.identityColumns, "planted_events.small": "test" } };
    const { planted } = await afterPlanting(
      `create table planted_events (tenant_id text not null, seq bigint generated always as identity, serial_no serial not null,
         small integer generated by default as identity,
         constraint planted_events_pkey primary key (tenant_id, seq))`,
      declarations,
    );
    expect(summary(planted).sort()).toEqual([
      "identity planted_events seq",
      "identity planted_events serial_no",
      "identity planted_events small",
    ]);
    expect(planted.find((p) => p.object === "small")?.message).toMatch(/bigint identity columns only/);
  });

  it("finds an undeclared trigger (citusdata/citus#906)", async () => {
    const { planted } = await afterPlanting(`
      create table planted_touch (tenant_id text not null, id text not null, at timestamptz,
        constraint planted_touch_pkey primary key (tenant_id, id));
      create function planted_touch() returns trigger language plpgsql as $$ begin new.at := now(); return new; end $$;
      create trigger planted_touch_at before update on planted_touch for each row execute function planted_touch()`);
    expect(summary(planted)).toEqual(["trigger planted_touch planted_touch_at"]);
  });

  it("finds declarations of tables, columns and triggers that no longer exist", async () => {
    const problems = checkCitusReadiness(await readCatalog(client), {
      ...DECLARATIONS,
      referenceTables: { ...DECLARATIONS.referenceTables, planted_gone: "test" },
      identityColumns: { ...DECLARATIONS.identityColumns, "audit_events.gone": "test" },
      triggers: { ...DECLARATIONS.triggers, "users.gone": "test" },
    });
    expect(summary(problems).sort()).toEqual([
      "stale-declaration audit_events audit_events.gone",
      "stale-declaration planted_gone planted_gone",
      "stale-declaration users users.gone",
    ]);
  });
});

describe("sql/distribute.sql (run on stand-ins for Citus's functions, not on Citus)", () => {
  const script = withoutPsqlCommands(readFileSync(DISTRIBUTE_SQL, "utf8"));

  /** Plants `ddl`, then runs the script (twice: a rerun must distribute nothing more) on the stand-ins. */
  const run = (text: string, ddl = "") =>
    rolledBack(async () => {
      if (ddl) await client.query(ddl);
      const catalog = await readCatalog(client);
      await client.query(CITUS_STAND_INS);
      await client.query(text);
      const calls = await readDistributionCalls(client);
      await client.query(text);
      const rerun = await readDistributionCalls(client);
      return { catalog, calls, rerun };
    });

  it("distributes every table of the migrated schema the right way, in an order Citus accepts, and a rerun does nothing", async () => {
    const { catalog, calls, rerun } = await run(script);
    expect(checkDistributionCalls(catalog, calls)).toEqual([]);
    expect(rerun).toEqual(calls);
    expect(calls.filter((c) => c.method === "reference").map((c) => c.table)).toEqual(["tenants", "api_keys"]);
    expect(calls.find((c) => c.method === "hash")).toMatchObject({ table: "users", column: "tenant_id", colocateWith: "none" });
  });

  it("is found wanting when a migration adds a table it does not distribute", async () => {
    const { catalog, calls } = await run(
      script,
      `create table planted_idempotency (tenant_id text not null, key text not null, constraint planted_idempotency_pkey primary key (tenant_id, key))`,
    );
    expect(checkDistributionCalls(catalog, calls)).toEqual([
      expect.stringMatching(
        /^planted_idempotency is not in sql\/distribute\.sql: add, .*\nselect create_distributed_table\('planted_idempotency', 'tenant_id', colocate_with => 'users'\)/,
      ),
    ]);
  });

  it("is found wanting when a table comes before one it references, or is distributed by another column or as a reference", async () => {
    const reordered = script
      .replace(/select create_reference_table\('tenants'\)/, "select create_distributed_table('tenants', 'id', colocate_with => 'none')")
      .replace(
        "select create_distributed_table('credentials', 'tenant_id', colocate_with => 'users')",
        "select create_reference_table('credentials')",
      );
    const { catalog, calls } = await run(
      // tenants now comes after api_keys, which references it: move its line to the end.
      reordered.replace(/(select create_distributed_table\('tenants'[^;]*;)([\s\S]*)$/, "$2\n$1"),
    );
    const wrong = checkDistributionCalls(catalog, calls);
    expect(wrong).toEqual(
      expect.arrayContaining([
        "tenants is a declared reference table: use create_reference_table('tenants')",
        "api_keys is distributed before tenants, which its foreign key api_keys_tenant_id_fkey references: move tenants up",
        "credentials must be distributed by hash of tenant_id, not reference of nothing",
      ]),
    );
  });

  it("is refused, like Citus refuses it, without citus.enable_unsafe_triggers for audit_events", async () => {
    await expect(run(script.replace(/^set citus\.enable_unsafe_triggers = on;$/m, ""))).rejects.toThrow(
      /triggers are not supported on distributed tables \(audit_events\)/,
    );
  });
});
