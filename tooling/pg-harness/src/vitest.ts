// Per test file: a database of its own, cloned from the run's migrated template before the file's tests and dropped
// after them. Needs createPgGlobalSetup in the vitest config's test.globalSetup.
import { afterAll, beforeAll, inject } from "vitest";
import type { PgHarnessContext } from "./global-setup.js";
import { HarnessError } from "./harness.errors.js";
import { defaultLog } from "./log.js";
import { createTestDatabase, dropTestDatabase, type TestDatabase } from "./test-database.js";

export interface TestDatabaseHandle {
  /** Connection string of this file's database (valid from beforeAll on). */
  readonly url: string;
  readonly name: string;
  /** Which server it lives on, for the test output. */
  readonly server: string;
  readonly context: PgHarnessContext;
}

export function harnessContext(): PgHarnessContext {
  const context = inject("mfaPgHarness");
  if (!context) {
    throw new HarnessError("no PostgreSQL harness in this run: add createPgGlobalSetup(…) to test.globalSetup in vitest.config.ts");
  }
  return context;
}

/**
 * Registers beforeAll/afterAll hooks that create and drop this file's database. `empty: true` gives an unmigrated
 * database (from template0), e.g. to test the migrations themselves.
 */
export function useTestDatabase(label: string, options: { empty?: boolean } = {}): TestDatabaseHandle {
  let database: TestDatabase | undefined;
  let context: PgHarnessContext | undefined;
  beforeAll(async () => {
    context = harnessContext();
    database = await createTestDatabase(context.adminUrl, options.empty ? null : context.template, label);
    defaultLog(`${label}: database ${database.name} on ${context.server}`);
  });
  afterAll(async () => {
    if (database && context) await dropTestDatabase(context.adminUrl, database.name);
  });
  const ready = (): { database: TestDatabase; context: PgHarnessContext } => {
    if (!database || !context) throw new HarnessError("the test database is created in beforeAll: use it inside hooks and tests");
    return { database, context };
  };
  return {
    get url() {
      return ready().database.url;
    },
    get name() {
      return ready().database.name;
    },
    get server() {
      return ready().context.server;
    },
    get context() {
      return ready().context;
    },
  };
}
