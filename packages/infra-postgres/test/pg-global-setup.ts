// Resolves the real PostgreSQL of this run and migrates the template every server test file clones.
import { createPgGlobalSetup } from "@mfa-chain/pg-harness";
import { createDatabase } from "../src/database/create-database.js";
import { migrateToLatest } from "../src/migrate.js";

export default createPgGlobalSetup({
  label: "infra_postgres",
  migrate: async (url) => {
    const database = createDatabase({ url, poolSize: 1 });
    try {
      await migrateToLatest(database.db);
    } finally {
      await database.close();
    }
  },
});
