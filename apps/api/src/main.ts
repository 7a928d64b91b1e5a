#!/usr/bin/env node
// mfa-chain API: `node dist/main.js` (or `pnpm start` at the repository root).
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { loadConfig, ConfigError } from "./config.js";
import { safeError } from "./http/problem.js";
import { startServer } from "./server.js";
import { showDemoOperator } from "./boot/demo-operator.js";
import { limitHeapGrowth } from "./boot/heap.js";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  limitHeapGrowth(config.MFA_HEAP_GROWTH_PERCENT);
  const baseDir = process.env.INIT_CWD ?? process.cwd();
  // The demo is set up once the database was reached: the process serves /healthz and /readyz before that.
  const server = await startServer({
    config,
    baseDir,
    onStarted: (started, url) => {
      const { demo } = started;
      if (demo?.createdAdminKey) showDemoAdminKey(demo.createdAdminKey, config.MFA_DATA_DIR, baseDir, config.DATABASE_URL);
      if (demo) process.stdout.write(`\nDemo page: ${url}/demo/   API docs: ${url}/docs/\n\n`);
      showDemoOperator(started.demoOperator, url, config.MFA_DATA_DIR, baseDir, config.DATABASE_URL);
    },
  });
  const stop = (signal: NodeJS.Signals) => {
    server.logger.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: safeError(error) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

/**
 * The demo tenant's admin key, created at first start, is shown once to whoever started the service: on their
 * terminal, or — when output goes to a log collector — in a file only they can read, never in the log stream (S10).
 */
function showDemoAdminKey(key: string, dataDir: string, baseDir: string, databaseUrl: string | undefined): void {
  if (process.stdout.isTTY) {
    process.stdout.write(`\nCreated the demo tenant "demo". Its admin API key (shown this once, keep it):\n\n  ${key}\n`);
    return;
  }
  if (dataDir.startsWith("memory://")) {
    process.stdout.write(`\nCreated the demo tenant "demo" (its admin key is not shown: output is not a terminal).\n`);
    return;
  }
  // One file per database, so a demo on PostgreSQL never overwrites the embedded database's key (or another's).
  const database =
    databaseUrl === undefined
      ? null
      : decodeURIComponent(new URL(databaseUrl).pathname.slice(1)).replace(/[^A-Za-z0-9_.-]/g, "_") || "postgres";
  const file = join(dirname(resolve(baseDir, dataDir)), database === null ? "demo-admin-key" : `demo-admin-key.${database}`);
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  process.stdout.write(`\nCreated the demo tenant "demo". Its admin API key is in ${file} (readable by this user only).\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`mfa-chain API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
