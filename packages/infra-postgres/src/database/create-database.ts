// One code path, two engines: a pg pool when a DATABASE_URL is given, embedded PGlite in a local folder otherwise.
// Same schema, same migrations, same SQL; only the driver differs.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { PGliteDialect } from "./pglite-dialect.js";
import type { Database, Db } from "./schema.js";
import { GuardedPool } from "./guarded-pool.js";
import { INT8_OID, parseInt8 } from "./type-parsers.js";
import {
  watchRevocationsOnPGlite,
  watchRevocationsOnPostgres,
  type PostgresWatchOptions,
  type RevocationHandlers,
  type RevocationWatch,
} from "./api-key-revocations.js";

export interface DatabaseOptions {
  /** A PostgreSQL connection string (PostgreSQL 14+). When set, PGlite is not used. */
  readonly url?: string | undefined;
  /** PGlite's data folder (created if missing); "memory://" or none for a throwaway in-memory database. */
  readonly dataDir?: string | undefined;
  /** Pool size for a PostgreSQL server (default 10). */
  readonly poolSize?: number | undefined;
  /**
   * Called with the error of any pooled connection that fails, idle or checked out (a server restart, a terminated
   * backend, a network cut). The connection is dropped and the pool opens a new one when asked; default: ignored.
   */
  readonly onPoolError?: ((error: Error) => void) | undefined;
  /** Bounds on every wait for a PostgreSQL server; see DEFAULT_TIMEOUTS. */
  readonly timeouts?: Partial<DatabaseTimeouts> | undefined;
}

export interface DatabaseTimeouts {
  /** Opening a connection, and waiting for a free one of the pool (pg-pool uses one bound for both). */
  readonly connectMs: number;
  /**
   * The server's statement_timeout. The client gives up on an answer a second later (a server that stopped answering
   * without refusing, e.g. a network partition) and drops that connection.
   */
  readonly statementMs: number;
  /** A transaction left idle this long is ended by the server, so a stuck client cannot hold row locks. */
  readonly idleInTransactionMs: number;
}

export const DEFAULT_TIMEOUTS: DatabaseTimeouts = { connectMs: 3_000, statementMs: 5_000, idleInTransactionMs: 10_000 };

export interface MfaDatabase {
  readonly db: Db;
  readonly kind: "postgres" | "pglite";
  /** Where it points, without credentials: safe to log. */
  readonly description: string;
  /** Hears API-key revocations committed by any process (api-key-revocations.ts). */
  watchApiKeyRevocations(handlers: RevocationHandlers, options?: PostgresWatchOptions): RevocationWatch;
  close(): Promise<void>;
}

/** Which database the environment asks for: DATABASE_URL, else PGlite in MFA_DATA_DIR (default `.data/pglite`). */
export function databaseOptionsFromEnv(env: Readonly<Record<string, string | undefined>>, baseDir = process.cwd()): DatabaseOptions {
  const url = env.DATABASE_URL?.trim();
  if (url) return { url };
  const dataDir = env.MFA_DATA_DIR?.trim() || ".data/pglite";
  return { dataDir: dataDir.startsWith("memory://") ? dataDir : resolve(baseDir, dataDir) };
}

/** A connection string with any password removed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable connection string)";
  }
}

const pgTypes = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

export function createDatabase(options: DatabaseOptions = {}): MfaDatabase {
  if (options.url) {
    const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      application_name: "mfa-chain",
      types: pgTypes,
      connectionTimeoutMillis: timeouts.connectMs,
      statement_timeout: timeouts.statementMs,
      query_timeout: timeouts.statementMs + 1_000,
      idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
      keepAlive: true,
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new GuardedPool(pool, options.onPoolError) }) });
    const url = options.url;
    return {
      db,
      kind: "postgres",
      description: `PostgreSQL ${redactUrl(url)}`,
      watchApiKeyRevocations: (handlers, watch) =>
        watchRevocationsOnPostgres(url, handlers, { connectTimeoutMs: timeouts.connectMs, ...watch }),
      close: () => db.destroy(),
    };
  }
  const dataDir = options.dataDir ?? "memory://";
  const release = dataDir.startsWith("memory://") ? () => undefined : lockDataDir(dataDir);
  let instance: Promise<PGlite> | undefined;
  const pglite = () => (instance ??= PGlite.create({ dataDir, parsers: { [INT8_OID]: parseInt8 } }));
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: "pglite",
    description: dataDir.startsWith("memory://") ? "PGlite (in memory)" : `PGlite in ${dataDir}`,
    watchApiKeyRevocations: (handlers) => watchRevocationsOnPGlite(pglite, handlers),
    close: async () => {
      try {
        await db.destroy();
      } finally {
        release();
      }
    },
  };
}

export class DataDirInUseError extends Error {
  override readonly name = "DataDirInUseError";
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * PGlite is one process's database: two processes opening one data folder would corrupt it. A lock file beside the
 * folder holds the owner's pid; a lock whose process is gone is taken over. Returns the release function.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = `${dataDir}.lock`;
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(readFileSync(lockFile, "utf8").trim());
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new DataDirInUseError(
          `the embedded database in ${dataDir} is in use by process ${owner}; stop it first (or set DATABASE_URL to share a PostgreSQL server)`,
        );
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new DataDirInUseError(`could not lock the embedded database in ${dataDir}`);
}
