// Opening the databases the storage tests run on: a fresh in-memory PGlite, or this file's database on the real server.
import { afterAll, beforeAll } from "vitest";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { createDatabase, type MfaDatabase } from "../../src/database/create-database.js";
import { migrateToLatest } from "../../src/migrate.js";

export interface DatabaseRef {
  /** Valid from beforeAll on. */
  readonly current: MfaDatabase;
}

function ref(get: () => MfaDatabase | undefined): DatabaseRef {
  return {
    get current() {
      const db = get();
      if (!db) throw new Error("the database is opened in beforeAll");
      return db;
    },
  };
}

/** A fresh, migrated in-memory PGlite for this file. */
export function usePGlite(): DatabaseRef {
  let database: MfaDatabase | undefined;
  beforeAll(async () => {
    database = createDatabase({});
    await migrateToLatest(database.db);
    // eslint-disable-next-line no-console
    console.info(`[storage tests] using ${database.description}`);
  });
  afterAll(async () => database?.close());
  return ref(() => database);
}

/** This file's own database on the run's real PostgreSQL server (see @mfa-chain/pg-harness). */
export function useServerDatabase(label: string, options: { poolSize?: number } = {}): DatabaseRef & { readonly url: string } {
  const testDb = useTestDatabase(label);
  let database: MfaDatabase | undefined;
  beforeAll(() => {
    database = createDatabase({ url: testDb.url, poolSize: options.poolSize ?? 10 });
    // eslint-disable-next-line no-console
    console.info(`[storage tests] using ${testDb.server}, database ${testDb.name}`);
  });
  afterAll(async () => database?.close());
  const db = ref(() => database);
  return {
    get current() {
      return db.current;
    },
    get url() {
      return testDb.url;
    },
  };
}
