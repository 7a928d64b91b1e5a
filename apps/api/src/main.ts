#!/usr/bin/env node
// mfa-chain API: `node dist/main.js` (or `pnpm start` at the repository root).
import { loadConfig, ConfigError } from "./config.js";
import { startServer } from "./server.js";

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
  const server = await startServer({ config, baseDir: process.env.INIT_CWD ?? process.cwd() });
  if (server.demo?.createdAdminKey) {
    // Printed once, to the terminal of whoever started the service: the key is stored only as a hash.
    process.stdout.write(`\nCreated the demo tenant "demo". Its admin API key (shown this once, keep it):\n\n  ${server.demo.createdAdminKey}\n`);
  }
  if (server.demo) process.stdout.write(`\nDemo page: ${server.url}/demo/   API docs: ${server.url}/docs/\n\n`);
  const stop = (signal: NodeJS.Signals) => {
    server.logger.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`mfa-chain API failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
