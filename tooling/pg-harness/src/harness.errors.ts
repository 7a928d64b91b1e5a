// The harness fails loudly: every error says what was tried and how to provide a PostgreSQL server.
export class HarnessError extends Error {
  override readonly name = "PgHarnessError";
}

export const HOW_TO_PROVIDE = [
  "Provide a PostgreSQL server for the tests in one of these ways:",
  "  • set TEST_DATABASE_URL=postgres://user@host:port/postgres (a role that may CREATE DATABASE);",
  "  • run a Docker engine (testcontainers starts postgres:15-alpine);",
  "  • install PostgreSQL's server binaries (Debian: apt-get install postgresql) so a throwaway cluster can be made",
  "    with initdb + pg_ctl (as root, the harness runs them as the `postgres` user).",
].join("\n");
