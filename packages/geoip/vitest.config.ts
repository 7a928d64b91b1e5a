import { config } from "@mfa-chain/vitest-config";

export default config();
