#!/usr/bin/env node
// The installed command: a file that exists before the package is built, so that installing the workspace links it
// without a warning; it runs the built CLI and says how to build it when it is missing.
// By URL, not a module specifier: the built file is not there to resolve before the build (nor for the boundaries check).
import(new URL("../dist/cli.js", import.meta.url).href).catch((error) => {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/cli.js")) {
    process.stderr.write("push-device: not built yet; run `pnpm --filter @mfa-chain/push-device build` first\n");
    process.exit(2);
  }
  throw error;
});
