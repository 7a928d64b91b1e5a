// Resolves the real PostgreSQL of this run and migrates the template each e2e test file clones.
import { migrateDatabaseAt } from "@mfa-chain/infra-postgres";
import { createPgGlobalSetup } from "@mfa-chain/pg-harness";

export default createPgGlobalSetup({ label: "api", migrate: migrateDatabaseAt });
