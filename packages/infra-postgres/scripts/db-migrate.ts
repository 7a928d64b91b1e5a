// pnpm db:migrate — brings the configured database to the latest schema: DATABASE_URL if set, else PGlite in
// MFA_DATA_DIR (default .data/pglite, relative to the directory pnpm was started from). Safe to run again.
import { createDatabase, databaseOptionsFromEnv } from "../src/database/create-database.js";
import { migrateToLatest } from "../src/migrate.js";

const out = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const options = databaseOptionsFromEnv(process.env, process.env.INIT_CWD ?? process.cwd());
  const database = createDatabase(options);
  try {
    out(`db:migrate: ${database.description}`);
    const applied = await migrateToLatest(database.db);
    out(applied.length === 0 ? "db:migrate: already up to date" : `db:migrate: applied ${applied.join(", ")}`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
