import { config } from "@mfa-chain/vitest-config";

// Every run resolves a real PostgreSQL once (TEST_DATABASE_URL → testcontainers → a throwaway local cluster) and
// migrates one template database from which each *.server.pg.test.ts file clones its own.
export default config({
  test: {
    globalSetup: ["./test/pg-global-setup.ts"],
    testTimeout: 60_000,
  },
});
