// The API's front on a bare express app, for the floors that measure the HTTP stack without mfa-chain's code
// (http-floor.mjs, stack-floor.mjs): express 5 with helmet and the JSON body parser, resolved from apps/api so that the
// versions are the API's own.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const need = createRequire(join(dirname(fileURLToPath(import.meta.url)), "../../apps/api/package.json"));

/** A package as the API resolves it (express, helmet, pg). */
export const apiPackage = async (name) => (await import(need.resolve(name))).default;

/** An express app with the API's front middleware and settings, routes to be added. */
export async function apiFrontApp() {
  const express = await apiPackage("express");
  const helmet = await apiPackage("helmet");
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(helmet());
  app.use(express.json({ limit: "16kb" }));
  return app;
}
