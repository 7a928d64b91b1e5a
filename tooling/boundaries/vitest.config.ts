import { config } from "@mfa-chain/vitest-config";

// The planted-import cases each run the real check in a child process on a temp copy of the repo.
export default config({ test: { testTimeout: 60_000 } });
