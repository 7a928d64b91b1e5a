// When the database, not the request, is the problem: a refused or lost connection, a server shutting down, a pool
// that cannot hand out a connection in time, a statement that ran out of time. Callers answer these "try again later"
// (HTTP 503), never "bug" (500). The driver's errors are translated here and nowhere else.

/** Why the database could not serve: a short, stable name for logs and metrics. */
export type UnavailableReason =
  | "connection_refused"
  | "connection_lost"
  | "connect_timeout"
  | "pool_timeout"
  | "statement_timeout"
  | "server_shutting_down"
  | "too_many_connections"
  | "authentication_failed"
  | "database_missing";

export class DatabaseUnavailableError extends Error {
  override readonly name = "DatabaseUnavailableError";
  constructor(
    readonly reason: UnavailableReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** SQLSTATE codes that say the server cannot serve now (PostgreSQL, Appendix A). */
const SQLSTATE: Readonly<Record<string, UnavailableReason>> = {
  "57P01": "server_shutting_down", // admin_shutdown (also pg_terminate_backend)
  "57P02": "server_shutting_down", // crash_shutdown
  "57P03": "server_shutting_down", // cannot_connect_now (starting up, recovering)
  "57014": "statement_timeout", // query_canceled: statement_timeout or a cancel request
  "25P03": "statement_timeout", // idle_in_transaction_session_timeout
  "53300": "too_many_connections",
  "28000": "authentication_failed",
  "28P01": "authentication_failed",
  "3D000": "database_missing",
};

/** Socket errors of the connection itself. */
const ERRNO: Readonly<Record<string, UnavailableReason>> = {
  ECONNREFUSED: "connection_refused",
  ENOTFOUND: "connection_refused",
  EAI_AGAIN: "connection_refused",
  EHOSTUNREACH: "connection_refused",
  ENETUNREACH: "connection_refused",
  ECONNRESET: "connection_lost",
  ECONNABORTED: "connection_lost",
  EPIPE: "connection_lost",
  ETIMEDOUT: "connect_timeout",
};

/** node-postgres and pg-pool report these without a code; their messages are stable across versions. */
const MESSAGES: ReadonlyArray<readonly [RegExp, UnavailableReason]> = [
  [/^timeout exceeded when trying to connect/i, "pool_timeout"],
  [/^Connection terminated due to connection timeout/i, "connect_timeout"],
  [/^Connection terminated/i, "connection_lost"],
  [/^Query read timeout/i, "statement_timeout"],
  [/not queryable/i, "connection_lost"],
  [/^Cannot use a pool after calling end/i, "connection_lost"],
];

/**
 * The error as a DatabaseUnavailableError when it means the database cannot serve now; null when it is anything else
 * (a constraint violation, a bug). Looks through `cause` chains, as Kysely and pg-pool may wrap.
 */
export function asDatabaseUnavailable(error: unknown): DatabaseUnavailableError | null {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DatabaseUnavailableError) return e;
    const code = (e as { code?: unknown }).code;
    const reason =
      (typeof code === "string" ? (SQLSTATE[code] ?? (code.startsWith("08") ? "connection_lost" : ERRNO[code])) : undefined) ??
      MESSAGES.find(([pattern]) => pattern.test(e.message))?.[1];
    if (reason) return new DatabaseUnavailableError(reason, `database unavailable (${reason}): ${e.message}`, { cause: e });
  }
  // AggregateError: a host name resolving to several addresses, each refused.
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = asDatabaseUnavailable(inner);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Whether the connection that raised this error must not be reused: it failed at the transport or protocol level
 * (or timed out client-side with the server still busy on it). SQL errors (a constraint, a statement timeout the
 * server reported itself) leave a connection that is fine.
 */
export function breaksConnection(error: unknown): boolean {
  if (!(error instanceof Error)) return true;
  const code = (error as { code?: unknown }).code;
  // A SQLSTATE: five characters, no class of which starts with E (unlike errno names such as EPIPE).
  if (typeof code === "string" && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code)) {
    return code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03";
  }
  return true;
}
