// Hot-path queries built once per process. A Kysely builder costs more CPU than the database round trip it makes on
// the verify path (measured in bench/verify): here the builder runs once, with placeholder values, and later calls
// reuse its SQL with their own values. Same SQL, same types, same transaction handling as the builder's.
//
// On PostgreSQL each such query also runs as a named prepared statement (guarded-pool.ts looks its name up here): a
// connection parses and plans it once instead of on every call, which is most of the server's CPU for the verify
// path's long statements (docs/benchmarks.md).
import { CompiledQuery, type Compilable, type QueryResult } from "kysely";
import type { Db } from "./schema.js";

class Placeholder {
  constructor(readonly index: number) {}
}

/** The name each hot-path query's SQL runs under as a prepared statement, one per distinct text in this process. */
const statementNames = new Map<string, string>();

/** The prepared statement name of `sql` when it is one of the hot-path queries built here; undefined otherwise. */
export const preparedStatementName = (sql: string): string | undefined => statementNames.get(sql);

export interface PreparedQuery<A extends readonly unknown[], R> {
  /** Runs the query on `db` (a pool or a transaction) with these values in place of the placeholders. */
  execute(db: Db, ...args: A): Promise<QueryResult<R>>;
}

/**
 * `build` receives placeholders in place of its arguments and must use each only as a value (a where-clause operand,
 * a value set or inserted), never to decide the query's shape.
 */
export function prepared<A extends readonly unknown[], R>(
  arity: A["length"],
  build: (db: Db, ...args: A) => Compilable<R>,
): PreparedQuery<A, R> {
  let template: { sql: string; parameters: readonly unknown[] } | undefined;
  return {
    async execute(db, ...args) {
      if (!template) {
        const placeholders = Array.from({ length: arity }, (_, i) => new Placeholder(i)) as unknown as A;
        const compiled = build(db, ...placeholders).compile();
        const used = new Set(compiled.parameters.filter((p) => p instanceof Placeholder).map((p) => (p as Placeholder).index));
        if (used.size !== arity)
          throw new Error(`prepared query: ${arity - used.size} of its ${arity} arguments do not reach the SQL as values`);
        template = { sql: compiled.sql, parameters: compiled.parameters };
        if (!statementNames.has(compiled.sql)) statementNames.set(compiled.sql, `mfa_${statementNames.size + 1}`);
      }
      // The builder would drop a column set to undefined; here it would become NULL. Refuse it instead.
      if (args.some((a) => a === undefined)) throw new TypeError("prepared query: an argument is undefined");
      const parameters = template.parameters.map((p) => (p instanceof Placeholder ? args[p.index] : p));
      return db.executeQuery<R>(CompiledQuery.raw(template.sql, parameters as unknown[]));
    },
  };
}
