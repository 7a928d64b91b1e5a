// Brings a database to the latest schema. Idempotent: a second run applies nothing. Kysely's migrator takes a lock, so
// two processes starting at once do not both migrate.
import { Migrator, type Kysely, type MigrationResult } from "kysely";
import { createDatabase } from "./database/create-database.js";
import { migrationProvider } from "./migrations/index.js";

export class MigrationError extends Error {
  override readonly name = "MigrationError";
  readonly code = "migration_failed";
}

/** Applies every pending migration; returns the names applied (empty when already up to date). */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r: MigrationResult) => r.status === "Error")?.migrationName;
    throw new MigrationError(`migration ${failed ? `"${failed}" ` : ""}failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Migrates the PostgreSQL database at `url` over a connection of its own (e.g. a test template), then closes it. */
export async function migrateDatabaseAt(url: string): Promise<string[]> {
  const database = createDatabase({ url, poolSize: 1 });
  try {
    return await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
}
