import { config } from "@mfa-chain/vitest-config";

// HTTP end-to-end tests run the real app on a loopback port against a real PostgreSQL: the run resolves one server
// (TEST_DATABASE_URL → testcontainers → a local cluster), migrates a template, and each test file clones its own.
export default config({
  test: {
    globalSetup: ["./test/pg-global-setup.ts"],
    testTimeout: 60_000,
    fileParallelism: false,
  },
});
