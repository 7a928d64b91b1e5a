// @mfa-chain/pg-harness — a real PostgreSQL for tests: resolved (TEST_DATABASE_URL → testcontainers → a local
// cluster → a loud failure), one migrated template per run, one database per test file. Per-file helpers that use
// vitest's hooks are in "@mfa-chain/pg-harness/vitest".
export * from "./harness.errors.js";
export * from "./log.js";
export * from "./docker-probe.js";
export * from "./local-cluster.js";
export * from "./resolve-server.js";
export * from "./test-database.js";
export * from "./pg-dump.js";
export * from "./global-setup.js";
