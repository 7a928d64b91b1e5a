// MFA_MIGRATE_ON_START with several replicas: processes started at the same moment on an empty database all come up,
// and the migrations run once. The migrator (Kysely's, on PostgreSQL) holds an advisory lock on one connection while
// it reads what is applied and applies the rest in one transaction, so a second process waits for the first and then
// finds nothing to do. The same holds for `mfa migrate` (the deployment's one-shot job) racing a replica.
// So that the race is certain rather than likely, the test holds that same lock (through Kysely's own adapter) while
// the processes start, waits until all of them queue for it, then lets go.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { generateKeyringKey } from "@mfa-chain/crypto";
import { migrations } from "@mfa-chain/infra-postgres";
import { useTestDatabase, type TestDatabaseHandle } from "@mfa-chain/pg-harness/vitest";
import pg from "pg";
import { Kysely, PostgresAdapter, PostgresDialect } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { spawnApi, type ApiProcess } from "./support/processes.js";

const first = useTestDatabase("api_migrate_once", { empty: true });
const second = useTestDatabase("api_migrate_once_cli", { empty: true });
const appDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const started: ApiProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
});

const env = (database: TestDatabaseHandle): Record<string, string> => ({
  DATABASE_URL: database.url,
  MFA_SECRET_KEYS: `k1:${generateKeyringKey()}`,
  MFA_MIGRATE_ON_START: "true",
  MFA_AUDIT_SEAL_SECONDS: "0",
});

/** Starts the processes together; every one that started is stopped after the file, even if another failed. */
async function startTogether(...envs: Record<string, string>[]): Promise<ApiProcess[]> {
  const results = await Promise.allSettled(envs.map((e) => spawnApi(e, 60_000)));
  for (const r of results) if (r.status === "fulfilled") started.push(r.value);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<ApiProcess>).value);
}

/** Polls /readyz until 200: ready means migrated (whether a process migrates before listening or after). */
async function readyWithin(api: ApiProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${api.url}/readyz`);
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${api.url}/readyz not 200 within ${ms} ms (last: ${last})\n${api.output()}`);
}

async function appliedMigrations(database: TestDatabaseHandle): Promise<{ name: string; times: number }[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; times: number }>(
      "select name, count(*)::int as times from kysely_migration group by name order by name",
    );
    return rows;
  } finally {
    await client.end();
  }
}

/** The migrations each process logged as applied by itself (none when it found the schema up to date). */
function loggedApplied(api: ApiProcess): string[][] {
  return api
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .flatMap((line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; migrations?: unknown };
        return entry.msg === "migrations applied" && Array.isArray(entry.migrations) ? [entry.migrations as string[]] : [];
      } catch {
        return [];
      }
    });
}

/** How many sessions wait for an advisory lock in this database (the migrator's, while the test holds it). */
async function waitingForLock(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    "select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())",
  );
  return rows[0]?.n ?? 0;
}

/**
 * Holds the migrator's lock while `start` launches `waiters` migrating processes, until each of them waits for it;
 * then releases it and returns what `start` gave.
 */
async function raceForTheLock<T>(database: TestDatabaseHandle, waiters: number, start: () => Promise<T>): Promise<T> {
  const holder = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }) });
  const observer = new pg.Client({ connectionString: database.url });
  await observer.connect();
  const adapter = new PostgresAdapter();
  const lock = { lockTable: "kysely_migration_lock", lockRowId: "migration_lock" };
  try {
    return await holder.connection().execute(async (connection) => {
      await adapter.acquireMigrationLock(connection, lock);
      let settled = false;
      const starting = start().finally(() => (settled = true));
      starting.catch(() => undefined); // awaited below
      try {
        const deadline = Date.now() + 60_000;
        while ((await waitingForLock(observer)) < waiters) {
          // A process that started without waiting skipped the lock (or crashed): the assertions below say which.
          if (settled || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(await waitingForLock(observer), "processes waiting for the migration lock").toBe(waiters);
      } finally {
        await adapter.releaseMigrationLock(connection, lock);
      }
      return starting;
    });
  } finally {
    await observer.end();
    await holder.destroy();
  }
}

const everyMigrationOnce = () => Object.keys(migrations).map((name) => ({ name, times: 1 }));

describe("migrations on start, with several replicas", () => {
  it("two API processes started at the same moment on an empty database both become ready, and the migrations ran once", async () => {
    expect(Object.keys(migrations).length).toBeGreaterThan(0);
    const processes = await raceForTheLock(first, 2, () => startTogether(env(first), env(first)));
    await Promise.all(processes.map((p) => readyWithin(p, 60_000)));
    expect(await appliedMigrations(first)).toEqual(everyMigrationOnce());
    // Exactly one of them applied them all; the other found the schema up to date.
    const logs = processes.map(loggedApplied);
    expect(logs.map((l) => l.filter((applied) => applied.length > 0).length).sort()).toEqual([0, 1]);
    expect(logs.flat().filter((applied) => applied.length > 0)).toEqual([Object.keys(migrations)]);
    // Both serve: the second did not skip its start, it waited for the lock.
    for (const p of processes) expect((await fetch(`${p.url}/healthz`)).status).toBe(200);
  });

  it("`mfa migrate` (the deployment's one-shot job) racing a replica on an empty database: both succeed, once", async () => {
    const run = () =>
      promisify(execFile)(process.execPath, ["--import", "tsx", "--conditions=@mfa-chain/source", "src/cli.ts", "migrate"], {
        cwd: appDir,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: second.url },
        timeout: 60_000,
      }).then(
        ({ stdout }) => stdout,
        (error: Error & { stdout?: string; stderr?: string }) => `failed: ${error.message}\n${error.stdout ?? ""}${error.stderr ?? ""}`,
      );
    const [cli, [api]] = await raceForTheLock(second, 2, () => Promise.all([run(), startTogether(env(second))]));
    expect(cli).toMatch(/^migrate: .*: up to date$/m);
    await readyWithin(api as ApiProcess, 60_000);
    expect(await appliedMigrations(second)).toEqual(everyMigrationOnce());
  });
});
