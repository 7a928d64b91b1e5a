// @mfa-chain/infra-postgres — PostgreSQL storage: schema and migrations, the repositories and unit of work of the
// application's ports, the audit hash chain and secret re-encryption. Runs on a pg pool or on embedded PGlite.
export * from "./database/schema.js";
export * from "./database/create-database.js";
export * from "./database/pglite-dialect.js";
export * from "./database/unavailable.js";
export * from "./database/api-key-revocations.js";
export { CorruptRowError } from "./database/rows.js";
export * from "./migrate.js";
export { migrations, migrationProvider } from "./migrations/index.js";
export * from "./unit-of-work.js";
export * from "./idempotency/idempotency.store.js";
export * from "./repositories/policy.repository.js";
export * from "./repositories/user.repository.js";
export * from "./repositories/credential.repository.js";
export * from "./repositories/attempt.repository.js";
export * from "./repositories/lockout.repository.js";
export * from "./repositories/step.repository.js";
export * from "./repositories/audit.repository.js";
export * from "./repositories/tenant.repository.js";
export * from "./repositories/vault.repository.js";
export * from "./repositories/enforcement.repository.js";
export * from "./repositories/challenge.repository.js";
export * from "./audit/audit-chain.js";
export * from "./secrets/rotate-secrets.js";
export * from "./secrets/rotate-command.js";
export * from "./audit/audit-chain-verifier.js";
