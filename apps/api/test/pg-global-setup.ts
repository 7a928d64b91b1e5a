// Resolves the real PostgreSQL of this run and migrates the template each e2e test file clones.
import { createDatabase, migrateToLatest } from "@mfa-chain/infra-postgres";
import { createPgGlobalSetup } from "@mfa-chain/pg-harness";

export default createPgGlobalSetup({
  label: "api",
  migrate: async (url) => {
    const database = createDatabase({ url, poolSize: 1 });
    try {
      await migrateToLatest(database.db);
    } finally {
      await database.close();
    }
  },
});
