// Is the schema ready to be sharded by tenant with Citus? Read from the catalog of a migrated database (so every
// migration, present and future, is checked without being listed here) and judged by the rules Citus enforces when a
// table is distributed (create_distributed_table) or made a reference table (create_reference_table):
//   - a UNIQUE, PRIMARY KEY or EXCLUDE constraint (and a unique index) of a distributed table must include the
//     distribution column, with equality for EXCLUDE (citusdata/citus#4656, ErrorIfUnsupportedConstraint);
//   - a foreign key between distributed tables must include the distribution column at the same position on both
//     sides, and may not SET NULL/SET DEFAULT it on delete nor SET NULL/SET DEFAULT/CASCADE it on update; a distributed
//     table may reference a reference table on any column; a reference table may reference reference tables only
//     (citusdata/citus#4159, ErrorIfUnsupportedForeignConstraintExists);
//   - triggers on distributed and reference tables are refused unless citus.enable_unsafe_triggers is on, and then
//     the trigger function must touch only its own row (citusdata/citus#906, PR #5705);
//   - identity columns are distributed only as bigint (Citus 11.2+), and the table can then no longer be altered by
//     alter_distributed_table or undistribute_table (CHANGELOG, #6738).
// The only hand-written list is DECLARATIONS: reference tables, coordinator-local tables, and each identity column or
// trigger with the reason it is acceptable. Everything else is derived.
import type pg from "pg";

export const DISTRIBUTION_COLUMN = "tenant_id";

export interface CitusDeclarations {
  /** Tables replicated to every node instead of sharded (create_reference_table), with the reason. */
  readonly referenceTables: Readonly<Record<string, string>>;
  /** Tables that stay on the coordinator only and never take part in a foreign key (Kysely's bookkeeping). */
  readonly localTables: Readonly<Record<string, string>>;
  /** "table.column" → why an identity (or sequence-backed) column is acceptable on a sharded table. */
  readonly identityColumns: Readonly<Record<string, string>>;
  /** "table.trigger" → why a trigger is acceptable on a sharded or reference table. */
  readonly triggers: Readonly<Record<string, string>>;
}

export const DECLARATIONS: CitusDeclarations = {
  referenceTables: {
    tenants: "one small row per tenant; every sharded table may reference it, and it must be readable on every node",
    api_keys:
      "looked up by key hash before the tenant is known (the key is what names the tenant), so the lookup cannot be " +
      "routed to a shard; a few rows per tenant, written rarely (create-key, revoke), read on every node locally",
  },
  localTables: {
    kysely_migration: "the migrator's record of applied migrations, on the coordinator (migrations run there)",
    kysely_migration_lock: "the migrator's lock row, on the coordinator",
  },
  identityColumns: {
    "audit_events.seq":
      "bigint identity: Citus 11.2+ distributes it (each worker draws from its own range; Citus 13.0.2+ for GENERATED " +
      "ALWAYS inserts, #7920). seq orders a tenant's unsealed events and pages the audit list; the chain order is " +
      "audit_seals.chain_index, set when sealing, so values drawn on different nodes need not follow commit order (the " +
      "sealer's cursor rule does not hold there as it stands: docs/deploy.md, The path to Citus)",
    "notification_outbox.id":
      "bigint identity: only orders the pending notifications a drainer takes next (oldest first, roughly) and names a " +
      "row within its tenant; values drawn on different nodes need not follow commit order",
  },
  triggers: {
    "audit_events.audit_events_append_only":
      "row trigger that only raises on UPDATE and DELETE (no query): safe on every shard with citus.enable_unsafe_triggers = on",
    "audit_events.audit_events_no_truncate":
      "statement trigger that only raises on TRUNCATE (no query): safe on the shell table and every shard with " +
      "citus.enable_unsafe_triggers = on",
    "audit_seals.audit_seals_append_only":
      "row trigger that only raises on UPDATE and DELETE (no query): safe on every shard with citus.enable_unsafe_triggers = on",
    "audit_seals.audit_seals_no_truncate":
      "statement trigger that only raises on TRUNCATE (no query): safe on the shell table and every shard with " +
      "citus.enable_unsafe_triggers = on",
  },
};

export type Rule =
  | "undeclared-reference"
  | "tenant-column"
  | "primary-key"
  | "unique-without-tenant"
  | "exclusion-without-tenant"
  | "foreign-key"
  | "name"
  | "identity"
  | "trigger"
  | "stale-declaration";

export interface Problem {
  readonly table: string;
  /** The constraint, index, column or trigger concerned (the table itself when empty). */
  readonly object: string;
  readonly rule: Rule;
  readonly message: string;
}

export interface CatalogColumn {
  readonly attnum: number;
  readonly name: string;
  readonly type: string;
  readonly notNull: boolean;
  /** pg_attribute.attidentity: "" (none), "a" (ALWAYS) or "d" (BY DEFAULT). */
  readonly identity: string;
  readonly default: string | null;
}

export interface CatalogConstraint {
  readonly name: string;
  /** p, u, x, f, c (and t for constraint triggers). */
  readonly type: string;
  readonly columns: readonly number[];
  readonly referencedTable: string | null;
  readonly referencedColumns: readonly number[];
  /** FK actions: a (no action), r (restrict), c (cascade), n (set null), d (set default). */
  readonly onUpdate: string;
  readonly onDelete: string;
  /** EXCLUDE: the operator of each column, in column order. */
  readonly exclusionOperators: readonly string[];
}

export interface CatalogIndex {
  readonly name: string;
  readonly unique: boolean;
  /** The key columns (attnums; 0 for an expression), without INCLUDE columns. */
  readonly keyColumns: readonly number[];
  /** Whether a PRIMARY KEY, UNIQUE or EXCLUDE constraint of the table owns it (checked as that constraint). */
  readonly backsConstraint: boolean;
  readonly definition: string;
}

export interface CatalogTable {
  /** schema.name, or the bare name in the public schema. */
  readonly name: string;
  readonly columns: readonly CatalogColumn[];
  readonly constraints: readonly CatalogConstraint[];
  readonly indexes: readonly CatalogIndex[];
  readonly triggers: readonly { readonly name: string; readonly definition: string }[];
}

const qualified = (schema: string, name: string) => (schema === "public" ? name : `${schema}.${name}`);

/** Every user table of the database (partitions are judged through their parent), as the rules need it. */
export async function readCatalog(client: pg.ClientBase): Promise<CatalogTable[]> {
  const { rows: tables } = await client.query<{ oid: number; schema: string; name: string }>(`
    select c.oid::int as oid, n.nspname as schema, c.relname as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and not c.relispartition
      and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp)'
    order by n.nspname, c.relname`);
  const oids = tables.map((t) => t.oid);
  const names = new Map(tables.map((t) => [t.oid, qualified(t.schema, t.name)]));
  const { rows: columns } = await client.query<CatalogColumn & { table_oid: number; not_null: boolean }>(
    `select a.attrelid::int as table_oid, a.attnum::int as attnum, a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
       a.attnotnull as not_null, a.attidentity::text as identity, pg_get_expr(d.adbin, d.adrelid) as default
     from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where a.attrelid = any($1::oid[]) and a.attnum > 0 and not a.attisdropped order by a.attrelid, a.attnum`,
    [oids],
  );
  const { rows: constraints } = await client.query<{
    table_oid: number;
    name: string;
    type: string;
    columns: number[] | null;
    ref_oid: number;
    ref_schema: string | null;
    ref_name: string | null;
    ref_columns: number[] | null;
    on_update: string;
    on_delete: string;
    operators: string[] | null;
  }>(
    `select con.conrelid::int as table_oid, con.conname as name, con.contype::text as type, con.conkey::int[] as columns,
       con.confrelid::int as ref_oid, rn.nspname as ref_schema, rc.relname as ref_name, con.confkey::int[] as ref_columns,
       con.confupdtype::text as on_update, con.confdeltype::text as on_delete,
       (select array_agg(op.oprname order by k.i) from unnest(con.conexclop) with ordinality as k(op, i)
          join pg_operator op on op.oid = k.op) as operators
     from pg_constraint con
     left join pg_class rc on rc.oid = con.confrelid left join pg_namespace rn on rn.oid = rc.relnamespace
     where con.conrelid = any($1::oid[]) order by con.conrelid, con.conname`,
    [oids],
  );
  const { rows: indexes } = await client.query<{
    table_oid: number;
    name: string;
    unique: boolean;
    key_columns: number[];
    backs_constraint: boolean;
    definition: string;
  }>(
    `select i.indrelid::int as table_oid, ic.relname as name, i.indisunique as unique,
       (i.indkey::int2[])[0:i.indnkeyatts - 1]::int[] as key_columns,
       exists (select 1 from pg_constraint c where c.conindid = i.indexrelid and c.conrelid = i.indrelid and c.contype in ('p', 'u', 'x'))
         as backs_constraint,
       pg_get_indexdef(i.indexrelid) as definition
     from pg_index i join pg_class ic on ic.oid = i.indexrelid
     where i.indrelid = any($1::oid[]) order by i.indrelid, ic.relname`,
    [oids],
  );
  const { rows: triggers } = await client.query<{ table_oid: number; name: string; definition: string }>(
    `select t.tgrelid::int as table_oid, t.tgname as name, pg_get_triggerdef(t.oid) as definition
     from pg_trigger t where t.tgrelid = any($1::oid[]) and not t.tgisinternal order by t.tgrelid, t.tgname`,
    [oids],
  );
  return tables.map((t) => ({
    name: qualified(t.schema, t.name),
    columns: columns
      .filter((c) => c.table_oid === t.oid)
      .map((c) => ({ attnum: c.attnum, name: c.name, type: c.type, notNull: c.not_null, identity: c.identity, default: c.default })),
    constraints: constraints
      .filter((c) => c.table_oid === t.oid)
      .map((c) => ({
        name: c.name,
        type: c.type,
        columns: c.columns ?? [],
        referencedTable: c.ref_oid === 0 ? null : (names.get(c.ref_oid) ?? qualified(c.ref_schema ?? "?", c.ref_name ?? "?")),
        referencedColumns: c.ref_columns ?? [],
        onUpdate: c.on_update,
        onDelete: c.on_delete,
        exclusionOperators: c.operators ?? [],
      })),
    indexes: indexes
      .filter((i) => i.table_oid === t.oid)
      .map((i) => ({
        name: i.name,
        unique: i.unique,
        keyColumns: i.key_columns,
        backsConstraint: i.backs_constraint,
        definition: i.definition,
      })),
    triggers: triggers.filter((g) => g.table_oid === t.oid).map((g) => ({ name: g.name, definition: g.definition })),
  }));
}

/** Suffix of each kind of constraint, PostgreSQL's own convention; a number after it means a name PostgreSQL made up. */
const CONSTRAINT_SUFFIX: Readonly<Record<string, string>> = { p: "pkey", u: "key", x: "excl", f: "fkey", c: "check" };
/**
 * Citus names each shard's copy `<name>_<shard id>`; past 63 bytes it cuts the name and appends a hash, so shard
 * objects stop being recognisable. 52 bytes leave room for "_" and a 10-digit shard id.
 */
export const MAX_NAME_BYTES = 52;

export type TableKind = "reference" | "local" | "distributed";

export function tableKind(table: string, declarations: CitusDeclarations = DECLARATIONS): TableKind {
  if (Object.hasOwn(declarations.referenceTables, table)) return "reference";
  if (Object.hasOwn(declarations.localTables, table)) return "local";
  return "distributed";
}

/** Every way the schema would stop Citus from distributing it by tenant_id (empty: ready). */
export function checkCitusReadiness(catalog: readonly CatalogTable[], declarations: CitusDeclarations = DECLARATIONS): Problem[] {
  const problems: Problem[] = [];
  const problem = (table: string, object: string, rule: Rule, message: string) => problems.push({ table, object, rule, message });
  const byName = new Map(catalog.map((t) => [t.name, t]));
  const kind = (name: string) => tableKind(name, declarations);
  const declare = `declare it in packages/infra-postgres/test/support/citus-readiness.ts with the reason`;

  for (const table of catalog) {
    const t = table.name;
    const k = kind(t);
    const column = (attnum: number) =>
      table.columns.find((c) => c.attnum === attnum)?.name ?? (attnum === 0 ? "(expression)" : `#${attnum}`);
    const list = (attnums: readonly number[]) => attnums.map(column).join(", ");
    const tenant = table.columns.find((c) => c.name === DISTRIBUTION_COLUMN);

    if (k === "local") {
      for (const c of table.constraints.filter((c) => c.type === "f")) {
        problem(t, c.name, "foreign-key", `${t} is a coordinator-local table: it cannot take part in foreign key ${c.name}`);
      }
      continue;
    }

    // --- the distribution column
    if (k === "distributed") {
      if (!tenant) {
        problem(
          t,
          t,
          "tenant-column",
          `${t} has no ${DISTRIBUTION_COLUMN} column: shard it by tenant (add ${DISTRIBUTION_COLUMN} text not null first in every key), or, if it is not tenant data, make it a reference table — ${declare}`,
        );
      } else {
        // Colocated tables need one distribution column type; every insert names its tenant (no default to fall back on).
        if (tenant.type !== "text")
          problem(
            t,
            DISTRIBUTION_COLUMN,
            "tenant-column",
            `${t}.${DISTRIBUTION_COLUMN} is ${tenant.type}: colocated tables need one type, text`,
          );
        if (!tenant.notNull)
          problem(t, DISTRIBUTION_COLUMN, "tenant-column", `${t}.${DISTRIBUTION_COLUMN} may be NULL: a row without a tenant has no shard`);
        if (tenant.default !== null || tenant.identity !== "") {
          problem(
            t,
            DISTRIBUTION_COLUMN,
            "tenant-column",
            `${t}.${DISTRIBUTION_COLUMN} has a default (${tenant.default ?? "identity"}): every insert must name its tenant`,
          );
        }
      }
    }

    // --- keys
    if (!table.constraints.some((c) => c.type === "p")) {
      problem(
        t,
        t,
        "primary-key",
        `${t} has no primary key: Citus moves shards by logical replication, which needs one (replica identity)`,
      );
    }
    if (k === "distributed" && tenant) {
      for (const c of table.constraints) {
        if ((c.type === "p" || c.type === "u") && !c.columns.includes(tenant.attnum)) {
          problem(
            t,
            c.name,
            "unique-without-tenant",
            `${c.type === "p" ? "primary key" : "unique constraint"} ${c.name} on ${t} (${list(c.columns)}) does not include ${DISTRIBUTION_COLUMN}: Citus refuses it on a distributed table (citusdata/citus#4656); make it (${DISTRIBUTION_COLUMN}, ${list(c.columns)}), or, if ${t} is not tenant data, ${declare}`,
          );
        }
        if (c.type === "x") {
          const i = c.columns.indexOf(tenant.attnum);
          if (i < 0 || c.exclusionOperators[i] !== "=") {
            problem(
              t,
              c.name,
              "exclusion-without-tenant",
              `exclusion constraint ${c.name} on ${t} does not compare ${DISTRIBUTION_COLUMN} with =: Citus refuses it on a distributed table (citusdata/citus#4656)`,
            );
          }
        }
      }
      for (const i of table.indexes) {
        if (i.unique && !i.backsConstraint && !i.keyColumns.includes(tenant.attnum)) {
          problem(
            t,
            i.name,
            "unique-without-tenant",
            `unique index ${i.name} on ${t} (${list(i.keyColumns)}) does not include ${DISTRIBUTION_COLUMN} as a key column: Citus refuses it on a distributed table (citusdata/citus#4656) — ${i.definition}`,
          );
        }
      }
    }

    // --- foreign keys
    for (const c of table.constraints.filter((c) => c.type === "f")) {
      const target = c.referencedTable ?? "?";
      const targetKind = kind(target);
      const targetTable = byName.get(target);
      if (targetKind === "local" || !targetTable) {
        problem(
          t,
          c.name,
          "foreign-key",
          `foreign key ${c.name} of ${t} references ${target}, which is neither sharded nor a reference table`,
        );
        continue;
      }
      if (k === "reference") {
        if (targetKind !== "reference") {
          problem(
            t,
            c.name,
            "foreign-key",
            `foreign key ${c.name} goes from reference table ${t} to distributed table ${target}: Citus supports foreign keys from reference tables to reference tables only`,
          );
        }
        continue;
      }
      const from = tenant ? c.columns.indexOf(tenant.attnum) : -1;
      const targetTenant = targetTable.columns.find((col) => col.name === DISTRIBUTION_COLUMN);
      if (targetKind === "distributed") {
        const to = targetTenant ? c.referencedColumns.indexOf(targetTenant.attnum) : -2;
        if (from < 0 || from !== to) {
          problem(
            t,
            c.name,
            "foreign-key",
            `foreign key ${c.name} from ${t} (${list(c.columns)}) to ${target} does not pair ${DISTRIBUTION_COLUMN} with ${DISTRIBUTION_COLUMN} at the same position: Citus cannot enforce it across shards (citusdata/citus#4159); reference (${DISTRIBUTION_COLUMN}, …) on both sides`,
          );
        }
      }
      if (from >= 0) {
        if (c.onDelete === "n" || c.onDelete === "d") {
          problem(
            t,
            c.name,
            "foreign-key",
            `foreign key ${c.name} of ${t} would set ${DISTRIBUTION_COLUMN} to NULL/DEFAULT on delete: Citus refuses it`,
          );
        }
        if (c.onUpdate === "n" || c.onUpdate === "d" || c.onUpdate === "c") {
          problem(
            t,
            c.name,
            "foreign-key",
            `foreign key ${c.name} of ${t} would change ${DISTRIBUTION_COLUMN} on update (SET NULL/SET DEFAULT/CASCADE): Citus refuses it`,
          );
        }
      }
    }

    // --- names
    const bare = t.includes(".") ? t.slice(t.indexOf(".") + 1) : t;
    const named = (object: string, what: string, suffixes: readonly string[]) => {
      const ok = suffixes.some((s) => object === `${bare}_${s}` || (s !== "pkey" && new RegExp(`^${bare}_[a-z0-9_]+_${s}$`).test(object)));
      if (!ok) {
        problem(
          t,
          object,
          "name",
          `${what} ${object} of ${t} is not named ${bare}_<what>_${suffixes.join("|")}: give it an explicit name (a trailing number is a name PostgreSQL made up when the default was taken)`,
        );
      } else if (Buffer.byteLength(object) > MAX_NAME_BYTES) {
        problem(
          t,
          object,
          "name",
          `${what} ${object} of ${t} is longer than ${MAX_NAME_BYTES} bytes: Citus would cut its shard copies' names (name_<shard id>)`,
        );
      }
    };
    for (const c of table.constraints) {
      const suffix = CONSTRAINT_SUFFIX[c.type];
      if (suffix) named(c.name, "constraint", [suffix]);
    }
    for (const i of table.indexes) if (!i.backsConstraint) named(i.name, "index", i.unique ? ["key"] : ["idx"]);

    // --- identity columns, sequence defaults and triggers (sharded and reference tables)
    for (const c of table.columns) {
      const sequenced = c.identity !== "" || /\bnextval\(/i.test(c.default ?? "");
      if (!sequenced || c.name === DISTRIBUTION_COLUMN) continue;
      const key = `${t}.${c.name}`;
      if (!Object.hasOwn(declarations.identityColumns, key)) {
        problem(
          t,
          c.name,
          "identity",
          `${key} is an identity or sequence column: values drawn on different Citus nodes come from different ranges and do not follow commit order; use ids made by the application, or ${declare}`,
        );
      } else if (c.type !== "bigint") {
        problem(t, c.name, "identity", `${key} is a ${c.type} identity: Citus distributes bigint identity columns only`);
      }
    }
    for (const g of table.triggers) {
      if (!Object.hasOwn(declarations.triggers, `${t}.${g.name}`)) {
        problem(
          t,
          g.name,
          "trigger",
          `trigger ${g.name} on ${t}: Citus refuses triggers on distributed and reference tables unless citus.enable_unsafe_triggers is on, and then the trigger may only touch its own row (citusdata/citus#906); ${declare} — ${g.definition}`,
        );
      }
    }
  }

  // --- the hand list must not outlive what it describes
  const stale = (kindName: string, key: string, exists: boolean) => {
    if (!exists)
      problem(
        key.split(".")[0] ?? key,
        key,
        "stale-declaration",
        `${kindName} ${key} is declared in citus-readiness.ts but does not exist: remove the declaration`,
      );
  };
  for (const name of Object.keys(declarations.referenceTables)) stale("reference table", name, byName.has(name));
  for (const key of Object.keys(declarations.identityColumns)) {
    const [table, column] = key.split(".") as [string, string];
    stale("identity column", key, byName.get(table)?.columns.some((c) => c.name === column) ?? false);
  }
  for (const key of Object.keys(declarations.triggers)) {
    const [table, trigger] = key.split(".") as [string, string];
    stale("trigger", key, byName.get(table)?.triggers.some((g) => g.name === trigger) ?? false);
  }
  return problems;
}

// ------------------------------------------------------------------------------------------- sql/distribute.sql
/** One call the distribution script made, in call order. */
export interface DistributionCall {
  readonly table: string;
  readonly method: "reference" | "hash";
  readonly column: string | null;
  readonly colocateWith: string | null;
}

/**
 * Stand-ins for what distribute.sql uses of Citus, for plain PostgreSQL: the two functions (same names, argument
 * names and defaults as Citus's) and pg_dist_partition, where they record each call. Like Citus, they refuse an
 * unknown distribution column, colocation with a table not distributed yet, and a table with triggers unless
 * citus.enable_unsafe_triggers is on. Create them inside a transaction that is rolled back.
 */
export const CITUS_STAND_INS = `
  create table pg_dist_partition (
    logicalrelid regclass primary key, method text not null, column_name text, colocate text, n serial not null);
  create function citus_stand_in_check(t regclass) returns void language plpgsql as $$
  begin
    if exists (select from pg_trigger where tgrelid = t and not tgisinternal)
      and coalesce(current_setting('citus.enable_unsafe_triggers', true), 'off') not in ('on', 'true', '1') then
      raise exception 'triggers are not supported on distributed tables (%)', t;
    end if;
  end $$;
  create function create_reference_table(table_name regclass) returns void language plpgsql as $$
  begin
    perform citus_stand_in_check(table_name);
    insert into pg_dist_partition (logicalrelid, method) values (table_name, 'reference');
  end $$;
  create function create_distributed_table(table_name regclass, distribution_column text, distribution_type text default 'hash',
    colocate_with text default 'default', shard_count int default null) returns void language plpgsql as $$
  begin
    perform citus_stand_in_check(table_name);
    if not exists (select from pg_attribute where attrelid = table_name and attname = distribution_column and not attisdropped) then
      raise exception 'column "%" of relation "%" does not exist', distribution_column, table_name;
    end if;
    if colocate_with not in ('default', 'none')
      and not exists (select from pg_dist_partition where logicalrelid = colocate_with::regclass and method = 'hash') then
      raise exception 'cannot colocate % with %: it is not a distributed table yet', table_name, colocate_with;
    end if;
    insert into pg_dist_partition (logicalrelid, method, column_name, colocate)
      values (table_name, distribution_type, distribution_column, colocate_with);
  end $$;`;

/** The calls recorded by CITUS_STAND_INS so far, in order. */
export async function readDistributionCalls(client: pg.ClientBase): Promise<DistributionCall[]> {
  const { rows } = await client.query<{ table: string; method: "reference" | "hash"; column: string | null; colocate_with: string | null }>(
    `select logicalrelid::text as table, method, column_name as column, colocate as colocate_with from pg_dist_partition order by n`,
  );
  return rows.map((r) => ({ table: r.table, method: r.method, column: r.column, colocateWith: r.colocate_with }));
}

/** The script without psql's meta-commands (\set …), which the server would not understand. */
export const withoutPsqlCommands = (script: string): string =>
  script
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("\\"))
    .join("\n");

/** What distribute.sql got wrong about the migrated schema (empty: every table, the right way, in a valid order). */
export function checkDistributionCalls(
  catalog: readonly CatalogTable[],
  calls: readonly DistributionCall[],
  declarations: CitusDeclarations = DECLARATIONS,
): string[] {
  const wrong: string[] = [];
  const position = new Map<string, number>();
  calls.forEach((c, i) => {
    if (position.has(c.table)) wrong.push(`${c.table} is distributed twice`);
    position.set(c.table, i);
  });
  const line = (t: string) =>
    tableKind(t, declarations) === "reference"
      ? `select create_reference_table('${t}')\n  where not exists (select from pg_dist_partition where logicalrelid = '${t}'::regclass);`
      : `select create_distributed_table('${t}', '${DISTRIBUTION_COLUMN}', colocate_with => '${calls.find((c) => c.method === "hash")?.table ?? "users"}')\n  where not exists (select from pg_dist_partition where logicalrelid = '${t}'::regclass);`;
  const tables = catalog.filter((t) => tableKind(t.name, declarations) !== "local");
  for (const t of tables) {
    if (!position.has(t.name)) wrong.push(`${t.name} is not in sql/distribute.sql: add, after the tables it references,\n${line(t.name)}`);
  }
  for (const c of calls) {
    const t = catalog.find((x) => x.name === c.table);
    if (!t) {
      wrong.push(`sql/distribute.sql distributes ${c.table}, which no migration creates`);
      continue;
    }
    const kind = tableKind(c.table, declarations);
    if (kind === "local") wrong.push(`${c.table} is coordinator-local, but sql/distribute.sql distributes it`);
    if (kind === "reference" && c.method !== "reference")
      wrong.push(`${c.table} is a declared reference table: use create_reference_table('${c.table}')`);
    if (kind === "distributed" && (c.method !== "hash" || c.column !== DISTRIBUTION_COLUMN)) {
      wrong.push(`${c.table} must be distributed by hash of ${DISTRIBUTION_COLUMN}, not ${c.method} of ${c.column ?? "nothing"}`);
    }
    for (const fk of t.constraints.filter((x) => x.type === "f")) {
      const target = fk.referencedTable ?? "?";
      if ((position.get(target) ?? Infinity) > (position.get(c.table) ?? -1)) {
        wrong.push(`${c.table} is distributed before ${target}, which its foreign key ${fk.name} references: move ${target} up`);
      }
    }
  }
  // One colocation group: the first distributed table starts it, every other one joins a table distributed before it.
  const hashed = calls.filter((c) => c.method === "hash");
  hashed.forEach((c, i) => {
    const starts = c.colocateWith === "none" || c.colocateWith === "default";
    if (i === 0 && c.colocateWith !== "none")
      wrong.push(`${c.table}, the first distributed table, should start the colocation group: colocate_with => 'none'`);
    if (i > 0 && (starts || !hashed.slice(0, i).some((earlier) => earlier.table === c.colocateWith))) {
      wrong.push(
        `${c.table} must join the colocation group: colocate_with => '${hashed[0]?.table ?? "users"}' (it has ${c.colocateWith ?? "nothing"})`,
      );
    }
  });
  return wrong;
}
