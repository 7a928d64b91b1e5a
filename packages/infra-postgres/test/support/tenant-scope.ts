// Is every statement scoped to one tenant? Statements are captured as the repositories run them (Kysely's log sees
// every query a Kysely instance sends: built, prepared and raw SQL alike), then PostgreSQL plans each one with its
// own parameters (EXPLAIN, nothing executed) and every scan of a sharded table in the plan must carry
// `tenant_id = '<constant>'` as one of its AND-ed conditions: what lets Citus route the statement to one shard.
// Judging the plan rather than the SQL text means a builder, a CTE, a subquery or a hand-written statement are held
// to the same rule. Inserts have no scan: they are scoped because tenant_id is NOT NULL without a default on every
// sharded table (the catalog test), so each insert names its tenant.
import { Kysely, PostgresDialect, type LogEvent } from "kysely";
import pg from "pg";
import type { Database, Db } from "../../src/database/schema.js";
import { INT8_OID, parseInt8 } from "../../src/database/type-parsers.js";
import { DECLARATIONS, DISTRIBUTION_COLUMN, tableKind, type CitusDeclarations } from "./citus-readiness.js";

export interface Statement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/** Statements that read every tenant on purpose, each with the reason; matched on their SQL text. */
export interface CrossTenantStatement {
  readonly table: string;
  readonly sql: RegExp;
  readonly reason: string;
}

export const CROSS_TENANT_STATEMENTS: readonly CrossTenantStatement[] = [
  ...(["audit_events", "audit_seals", "audit_seal_cursors"] as const).map((table) => ({
    table,
    sql: /^\s*with recursive t\(id\) as \(\s*select min\(tenant_id\) from audit_events\s/,
    reason:
      "the background sealer (sealAllAuditChains) asks which tenants have unsealed events or a seal cursor that can " +
      "move on (a loose index scan of audit_events' primary key, each tenant checked past its cursor), then seals each " +
      "tenant in statements scoped to it; on Citus a query over every shard",
  })),
  ...(["otp_secrets", "credentials"] as const).map((table) => ({
    table,
    sql: /^select "o"\."tenant_id", "o"\."credential_id" as "id", "c"\."user_id", "o"\."secret_key_id", "o"\."secret_ciphertext" from "otp_secrets" as "o" inner join "credentials" as "c" on "c"\."tenant_id" = "o"\."tenant_id" and "c"\."id" = "o"\."credential_id" where "o"\."secret_key_id" <> \$1( and \("o"\."tenant_id", "o"\."credential_id"\) > \(\$2, \$3\))? order by "o"\."tenant_id", "o"\."credential_id" limit \$\d+$/,
    reason:
      "the operator's secrets:rotate command (rotateSecrets) pages through every tenant's OTP secrets still sealed by an " +
      "old key (joined to their credentials, colocated by tenant_id, for the user the seal is bound to); each re-sealed " +
      "row is written by a statement scoped to its tenant",
  })),
  ...(["delivery_destinations", "credentials"] as const).map((table) => ({
    table,
    sql: /^select "d"\."tenant_id", "d"\."credential_id" as "id", "c"\."user_id", "d"\."destination_key_id", "d"\."destination_ciphertext" from "delivery_destinations" as "d" inner join "credentials" as "c" on "c"\."tenant_id" = "d"\."tenant_id" and "c"\."id" = "d"\."credential_id" where "d"\."destination_key_id" <> \$1( and \("d"\."tenant_id", "d"\."credential_id"\) > \(\$2, \$3\))? order by "d"\."tenant_id", "d"\."credential_id" limit \$\d+$/,
    reason:
      "the operator's secrets:rotate command (rotateSecrets) pages through every tenant's email and SMS destinations " +
      "still sealed by an old key (joined to their credentials, colocated by tenant_id, for the user the seal is bound " +
      "to); each re-sealed row is written by a statement scoped to its tenant",
  })),
  {
    table: "vault_entries",
    sql: /^select "tenant_id", "id", "secret_key_id", "secret_ciphertext" from "vault_entries" where "secret_key_id" <> \$1( and \("tenant_id", "id"\) > \(\$2, \$3\))? order by "tenant_id", "id" limit \$\d+$/,
    reason:
      "the operator's secrets:rotate command (rotateSecrets) pages through every tenant's shared-vault seeds still sealed " +
      "by an old key; each re-sealed row is written by a statement scoped to its tenant",
  },
  {
    table: "notification_outbox",
    sql: /^select tenant_id, id, user_id, event, factor_label, recipients, secret_key_id, secret_ciphertext, due_at, created_at from notification_outbox where processed_at is null order by id limit 1 for update skip locked$/,
    reason:
      "each process's notification drainer (NotificationDispatcher) takes the oldest pending notification of any tenant, " +
      "skipping rows another drainer holds; the row is then written by a statement scoped to its tenant. On Citus a " +
      "multi-shard read over notification_outbox_pending_idx (run per shard there)",
  },
  {
    table: "idempotency_keys",
    sql: /^delete from "idempotency_keys" where "created_at" < \$1$/,
    reason:
      "each process's purge (PostgresIdempotencyStore.purgeExpired, every 10 minutes) of the keys past their 24 hours, " +
      "whatever their tenant; on Citus a multi-shard delete over idempotency_keys_created_idx",
  },
];

/** A Kysely instance on `url` that records every statement it sends (also failed ones). */
export function capturingDatabase(url: string): { readonly db: Db; readonly statements: Statement[]; close(): Promise<void> } {
  const statements: Statement[] = [];
  const pool = new pg.Pool({
    connectionString: url,
    max: 8,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  const log = (event: LogEvent): void => {
    statements.push({ sql: event.query.sql, parameters: event.query.parameters });
  };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
  return { db, statements, close: () => db.destroy() };
}

const TRANSACTION_CONTROL = /^\s*(begin|start transaction|commit|end|rollback|savepoint|release|set|reset|show)\b/i;

export interface ScopeProblem {
  readonly sql: string;
  readonly table: string;
  readonly scan: string;
  readonly message: string;
}

interface PlanNode {
  readonly "Node Type": string;
  readonly "Relation Name"?: string;
  readonly Schema?: string;
  readonly Alias?: string;
  readonly Plans?: readonly PlanNode[];
  readonly [field: string]: unknown;
}

/** "((a = 1) AND ((b = 2) AND (c = 3)))" → ["a = 1", "b = 2", "c = 3"]: the conditions a row must meet, each. */
export function conjuncts(expression: string): string[] {
  const unwrapped = unwrap(expression.trim());
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < unwrapped.length; i++) {
    const ch = unwrapped[i];
    if (ch === "'")
      quoted = !quoted; // a doubled '' toggles twice
    else if (!quoted && ch === "(") depth++;
    else if (!quoted && ch === ")") depth--;
    else if (!quoted && depth === 0 && unwrapped.startsWith(" AND ", i)) {
      parts.push(unwrapped.slice(start, i));
      start = i + " AND ".length;
    }
  }
  parts.push(unwrapped.slice(start));
  return parts.length === 1 ? [unwrap(parts[0] as string)] : parts.flatMap(conjuncts);
}

/** Removes parentheses that enclose the whole expression. */
function unwrap(expression: string): string {
  let text = expression;
  for (;;) {
    if (!text.startsWith("(") || !text.endsWith(")")) return text;
    let depth = 0;
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch === "'") quoted = !quoted;
      else if (!quoted && ch === "(") depth++;
      else if (!quoted && ch === ")") depth--;
      if (depth === 0 && i < text.length - 1) return text; // the first "(" closes before the end
    }
    text = text.slice(1, -1).trim();
  }
}

const CONSTANT = String.raw`'(?:[^']|'')*'::text`;
const COLUMN = String.raw`(?:"?[\w$]+"?\.)?"?${DISTRIBUTION_COLUMN}"?`;
const TENANT_EQUALS = new RegExp(`^(?:${COLUMN} = ${CONSTANT}|${CONSTANT} = ${COLUMN})$`);

/** Whether one of the AND-ed conditions of a scan fixes tenant_id to a constant. */
export const fixesTenant = (conditions: readonly string[]): boolean => conditions.flatMap(conjuncts).some((c) => TENANT_EQUALS.test(c));

/** The scans of tables in a plan, with their conditions (a bitmap heap scan's Recheck Cond repeats its index's). */
function scansOf(node: PlanNode, found: { table: string; scan: string; conditions: string[] }[] = []) {
  const relation = node["Relation Name"];
  if (relation !== undefined && node["Node Type"] !== "ModifyTable") {
    const schema = node.Schema ?? "public";
    const conditions = ["Index Cond", "Recheck Cond", "Filter", "TID Cond"]
      .map((field) => node[field])
      .filter((v): v is string => typeof v === "string");
    found.push({
      table: schema === "public" ? relation : `${schema}.${relation}`,
      scan: `${node["Node Type"]} on ${relation}${node.Alias && node.Alias !== relation ? ` ${node.Alias}` : ""}`,
      conditions,
    });
  }
  for (const child of node.Plans ?? []) scansOf(child, found);
  return found;
}

/**
 * Plans every distinct statement (with the parameters of each of its runs until one plans) and reports each scan
 * of a sharded table that does not fix tenant_id, unless the statement is a declared cross-tenant one.
 */
export async function checkTenantScope(
  client: pg.ClientBase,
  statements: readonly Statement[],
  options: { declarations?: CitusDeclarations; crossTenant?: readonly CrossTenantStatement[] } = {},
): Promise<{ problems: ScopeProblem[]; planned: number; scopedScans: number; crossTenantUsed: Set<CrossTenantStatement> }> {
  const declarations = options.declarations ?? DECLARATIONS;
  const crossTenant = options.crossTenant ?? CROSS_TENANT_STATEMENTS;
  const runs = new Map<string, (readonly unknown[])[]>();
  for (const s of statements) {
    if (TRANSACTION_CONTROL.test(s.sql)) continue;
    const list = runs.get(s.sql) ?? [];
    if (list.length < 5) list.push(s.parameters);
    runs.set(s.sql, list);
  }
  const problems: ScopeProblem[] = [];
  const crossTenantUsed = new Set<CrossTenantStatement>();
  let planned = 0;
  let scopedScans = 0;
  for (const [sql, parameterSets] of runs) {
    let plan: PlanNode | undefined;
    let lastError: unknown;
    for (const parameters of parameterSets) {
      try {
        const { rows } = await client.query<{ "QUERY PLAN": { Plan: PlanNode }[] }>({
          text: `explain (format json, verbose) ${sql}`,
          values: parameters as unknown[],
        });
        plan = rows[0]?.["QUERY PLAN"][0]?.Plan;
        break;
      } catch (error) {
        lastError = error;
      }
    }
    if (!plan) {
      problems.push({
        sql,
        table: "?",
        scan: "?",
        message: `could not be planned, so it was not checked: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
      });
      continue;
    }
    planned += 1;
    for (const scan of scansOf(plan)) {
      // PostgreSQL's own catalogs and views (pg_locks, pg_stat_activity) are every node's own, never sharded.
      if (scan.table.startsWith("pg_catalog.") || tableKind(scan.table, declarations) !== "distributed") continue;
      if (fixesTenant(scan.conditions)) {
        scopedScans += 1;
        continue;
      }
      const allowed = crossTenant.find((c) => c.table === scan.table && c.sql.test(sql));
      if (allowed) {
        crossTenantUsed.add(allowed);
        continue;
      }
      problems.push({
        sql,
        table: scan.table,
        scan: scan.scan,
        message: `${scan.scan} is not filtered by ${DISTRIBUTION_COLUMN} = <value> (conditions: ${scan.conditions.join(" AND ") || "none"}): on Citus this statement would run on every shard`,
      });
    }
  }
  return { problems, planned, scopedScans, crossTenantUsed };
}
