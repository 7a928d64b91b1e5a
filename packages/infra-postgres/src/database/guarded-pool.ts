// The pg pool as Kysely's PostgreSQL dialect sees it, made safe against a database that goes away.
//
// pg-pool listens for errors of idle connections only: while a connection is checked out it removes its listener, and
// Kysely adds none. A backend terminated mid-request (a failover, a restart, pg_terminate_backend, a network reset)
// then raises an 'error' event that nobody handles, and Node ends the process. Here every connection the pool opens
// gets a listener for its whole life; a query that fails at the transport level marks its connection broken, so that
// the rest of its transaction fails at once instead of waiting, and the pool drops it on release and opens a new one
// when asked. Errors that mean "the database cannot serve now" leave as DatabaseUnavailableError.
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from "kysely";
import type pg from "pg";
import { preparedStatementName } from "./prepared.js";
import { asDatabaseUnavailable, breaksConnection, DatabaseUnavailableError } from "./unavailable.js";

export class GuardedPool implements PostgresPool {
  /** One wrapper per pg client, so Kysely keeps recognising a connection it has seen. */
  readonly #clients = new WeakMap<pg.PoolClient, GuardedClient>();

  constructor(
    private readonly pool: pg.Pool,
    onError: ((error: Error) => void) | undefined,
  ) {
    const report = (error: Error) => onError?.(error);
    pool.on("connect", (client) => client.on("error", report));
    // pg-pool re-emits an idle connection's error on the pool (after dropping it); the listener above reported it.
    pool.on("error", () => undefined);
  }

  async connect(): Promise<PostgresPoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw asDatabaseUnavailable(error) ?? error;
    }
    let guarded = this.#clients.get(client);
    if (!guarded) {
      guarded = new GuardedClient(client);
      this.#clients.set(client, guarded);
    }
    guarded.checkedOut();
    return guarded;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

class GuardedClient implements PostgresPoolClient {
  #broken: Error | null = null;

  constructor(private readonly client: pg.PoolClient) {}

  checkedOut(): void {
    this.#broken = null;
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sqlOrCursor !== "string") return this.client.query(sqlOrCursor as never) as PostgresCursor<R>;
    if (this.#broken) {
      // The rest of a transaction on a lost connection (its ROLLBACK included): fail now rather than wait for it.
      return Promise.reject(
        new DatabaseUnavailableError(
          "connection_lost",
          "database unavailable (connection_lost): the connection failed earlier in this unit of work",
          { cause: this.#broken },
        ),
      );
    }
    const name = preparedStatementName(sqlOrCursor);
    const values = parameters as unknown[];
    const sent = name === undefined ? this.client.query(sqlOrCursor, values) : this.client.query({ name, text: sqlOrCursor, values });
    return (sent as unknown as Promise<PostgresQueryResult<R>>).catch((error: unknown) => {
      const unavailable = asDatabaseUnavailable(error);
      if (breaksConnection(error)) {
        this.#broken = error instanceof Error ? error : new Error(String(error));
        // A client-side read timeout leaves the server busy on this connection: close it now.
        if (unavailable) void this.client.end().catch(() => undefined);
      }
      throw unavailable ?? error;
    });
  }

  release(): void {
    // An error given to release makes pg-pool drop the connection instead of keeping it idle.
    this.client.release(this.#broken ?? undefined);
  }
}
