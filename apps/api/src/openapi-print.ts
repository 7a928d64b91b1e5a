// Prints the API's OpenAPI document (`pnpm --filter @mfa-chain/api run openapi`): what the admin console generates its
// typed client from at build (apps/admin, `api-types`), without importing this app.
import { buildOpenApiDocument } from "./http/openapi.js";

process.stdout.write(`${JSON.stringify(buildOpenApiDocument({ devCodes: false }), null, 2)}\n`);
