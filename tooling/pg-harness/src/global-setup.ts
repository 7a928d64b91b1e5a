// Vitest globalSetup: resolve a server once per run, migrate one template once per run, hand both to the test files
// (`inject("mfaPgHarness")`), and clean up at the end.
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { defaultLog, type HarnessLog } from "./log.js";
import { resolvePostgresServer } from "./resolve-server.js";
import { dropStaleTestDatabases, dropTemplate, ensureTemplate, TEST_DATABASE_PREFIX } from "./test-database.js";

export interface PgHarnessContext {
  readonly adminUrl: string;
  readonly template: string;
  readonly kind: "env" | "testcontainers" | "local-cluster";
  readonly server: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    mfaPgHarness: PgHarnessContext;
  }
}

export interface PgGlobalSetupOptions {
  /** Names the template, e.g. the package under test. */
  readonly label: string;
  /** Brings an empty database (given by URL) to the latest schema. */
  readonly migrate: (url: string) => Promise<unknown>;
  readonly log?: HarnessLog;
}

export function createPgGlobalSetup(options: PgGlobalSetupOptions) {
  const log = options.log ?? defaultLog;
  return async function setup(project: TestProject): Promise<() => Promise<void>> {
    const server = await resolvePostgresServer({ log });
    try {
      const stale = await dropStaleTestDatabases(server.adminUrl);
      if (stale.length > 0) log(`dropped ${stale.length} stale test database(s) of earlier runs`);
      const label = options.label
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "_")
        .slice(0, 20);
      const template = `${TEST_DATABASE_PREFIX}${Math.floor(Date.now() / 1000)}_tmpl_${label}_${randomBytes(3).toString("hex")}`;
      const started = Date.now();
      await ensureTemplate(server.adminUrl, template, options.migrate);
      log(`migrated template ${template} in ${Date.now() - started} ms`);
      project.provide("mfaPgHarness", { adminUrl: server.adminUrl, template, kind: server.kind, server: server.description });
      return async () => {
        try {
          await dropTemplate(server.adminUrl, template);
        } finally {
          await server.stop();
        }
      };
    } catch (error) {
      await server.stop();
      throw error;
    }
  };
}
