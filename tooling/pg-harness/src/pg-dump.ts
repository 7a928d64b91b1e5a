// A plain-text pg_dump of a test database, with a pg_dump at least as new as the server (pg_dump refuses older).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { HarnessError } from "./harness.errors.js";
import { assertTestDatabaseUrl } from "./test-database.js";

function pgDumpBinaries(): { path: string; major: number }[] {
  const root = "/usr/lib/postgresql";
  const found = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, "bin", "pg_dump")))
        .map((v) => ({ path: join(root, v, "bin", "pg_dump"), major: Number(v) }))
    : [];
  if (existsSync("/usr/bin/pg_dump")) found.push({ path: "/usr/bin/pg_dump", major: 0 });
  return found.sort((a, b) => b.major - a.major);
}

export async function pgDump(url: string): Promise<Buffer> {
  assertTestDatabaseUrl(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let serverMajor: number;
  try {
    const { rows } = await client.query<{ server_version_num: string }>("show server_version_num");
    serverMajor = Math.floor(Number(rows[0]?.server_version_num) / 10000);
  } finally {
    await client.end();
  }
  const candidates = process.env.PG_DUMP ? [{ path: process.env.PG_DUMP, major: 0 }] : pgDumpBinaries();
  const binary = candidates.find((c) => c.major === 0 || c.major >= serverMajor);
  if (!binary) {
    throw new HarnessError(
      `no pg_dump for PostgreSQL ${serverMajor} found (Debian: apt-get install postgresql-client-${serverMajor}, or set PG_DUMP)`,
    );
  }
  const result = spawnSync(binary.path, ["--no-owner", "--no-privileges", `--dbname=${url}`], {
    maxBuffer: 512 * 1024 * 1024,
    timeout: 120_000,
  });
  if (result.error || result.status !== 0) {
    throw new HarnessError(
      `pg_dump failed (${result.error?.message ?? `exit ${String(result.status)}`}): ${result.stderr.toString().trim()}`,
    );
  }
  return result.stdout;
}
