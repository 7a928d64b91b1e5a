// Test databases: cloned per test file from a template migrated once per run. A database whose name does not say it
// is a test database is never created, cloned from, or dropped.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { HarnessError } from "./harness.errors.js";

export const TEST_DATABASE_PREFIX = "mfa_test_";
const TEST_DATABASE_NAME = /^mfa_test_[a-z0-9_]{1,54}$/;
/** Test databases older than this (by the time in their name) are left-overs of crashed runs. */
const STALE_AFTER_MS = 12 * 3600 * 1000;

export function assertTestDatabaseName(name: string): void {
  if (!TEST_DATABASE_NAME.test(name)) {
    throw new HarnessError(
      `refusing database "${name}": a test database is named ${TEST_DATABASE_PREFIX}… (lowercase letters, digits and _, at most 63 characters)`,
    );
  }
}

/** The same server and credentials, another database. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Refuses a connection string whose database is not a test database. */
export function assertTestDatabaseUrl(url: string): void {
  assertTestDatabaseName(decodeURIComponent(new URL(url).pathname.replace(/^\//, "")));
}

const ident = (name: string): string => {
  assertTestDatabaseName(name);
  return `"${name}"`;
};

/** `mfa_test_<epoch seconds>_<label>_<random>`: unique, and dated for the stale sweep. */
export function testDatabaseName(label: string): string {
  const clean =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, 24) || "db";
  return `${TEST_DATABASE_PREFIX}${Math.floor(Date.now() / 1000)}_${clean}_${randomBytes(4).toString("hex")}`;
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: "mfa-chain-pg-harness" });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A session advisory lock key from a name (pg_advisory_lock takes a bigint). */
const lockKey = (name: string): string => {
  let h = 0n;
  for (const byte of Buffer.from(`mfa-chain/pg-harness/${name}`)) h = (h * 131n + BigInt(byte)) & 0x7fffffffffffffffn;
  return h.toString();
};

/**
 * Creates and migrates the template once: under an advisory lock, so concurrent test files or runs asking for the
 * same template wait for the first one instead of migrating it twice.
 */
export async function ensureTemplate(adminUrl: string, name: string, migrate: (url: string) => Promise<unknown>): Promise<void> {
  assertTestDatabaseName(name);
  await withAdmin(adminUrl, async (admin) => {
    await admin.query("select pg_advisory_lock($1::bigint)", [lockKey(name)]);
    try {
      const exists = await admin.query("select 1 from pg_database where datname = $1", [name]);
      if (exists.rowCount) return;
      await admin.query(`create database ${ident(name)}`);
      try {
        await migrate(databaseUrl(adminUrl, name));
        await admin.query(`alter database ${ident(name)} is_template true`);
      } catch (error) {
        await admin.query(`drop database if exists ${ident(name)} with (force)`);
        throw error;
      }
    } finally {
      await admin.query("select pg_advisory_unlock($1::bigint)", [lockKey(name)]);
    }
  });
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
}

/** A fresh database cloned from `template` (or an empty one from template0 when `template` is null). */
export async function createTestDatabase(adminUrl: string, template: string | null, label: string): Promise<TestDatabase> {
  const name = testDatabaseName(label);
  const source = template === null ? "template0" : ident(template);
  await withAdmin(adminUrl, async (admin) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`create database ${ident(name)} template ${source}`);
        return;
      } catch (error) {
        // 55006: the template is briefly in use (another clone or a late connection): wait and retry.
        if ((error as { code?: string }).code !== "55006" || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
  return { name, url: databaseUrl(adminUrl, name) };
}

export async function dropTestDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, (admin) => admin.query(`drop database if exists ${ident(name)} with (force)`));
}

/** Drops test databases left by runs that died more than 12 hours ago. */
export async function dropStaleTestDatabases(adminUrl: string, now = Date.now()): Promise<string[]> {
  return withAdmin(adminUrl, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>("select datname from pg_database where datname like 'mfa\\_test\\_%'");
    const stale = rows
      .map((r) => r.datname)
      .filter((name) => {
        const m = /^mfa_test_(\d{10})_/.exec(name);
        return m !== null && now - Number(m[1]) * 1000 > STALE_AFTER_MS;
      });
    for (const name of stale) {
      await admin.query(`alter database ${ident(name)} is_template false`);
      await admin.query(`drop database if exists ${ident(name)} with (force)`);
    }
    return stale;
  });
}

/** Drops a template made by ensureTemplate. */
export async function dropTemplate(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, async (admin) => {
    const exists = await admin.query("select 1 from pg_database where datname = $1", [name]);
    if (!exists.rowCount) return;
    await admin.query(`alter database ${ident(name)} is_template false`);
    await admin.query(`drop database if exists ${ident(name)} with (force)`);
  });
}
