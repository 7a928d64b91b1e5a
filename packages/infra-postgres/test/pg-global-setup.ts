// Resolves the real PostgreSQL of this run and migrates the template every server test file clones.
import { createPgGlobalSetup } from "@mfa-chain/pg-harness";
import { migrateDatabaseAt } from "../src/migrate.js";

export default createPgGlobalSetup({ label: "infra_postgres", migrate: migrateDatabaseAt });
