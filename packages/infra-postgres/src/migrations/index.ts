// Migrations live in code, listed here by name (sorted order is applied order): no folder scanning, so they work bundled.
import type { Migration, MigrationProvider } from "kysely";
import { initialSchema } from "./0001-initial-schema.js";
import { idempotencyKeys } from "./0002-idempotency-keys.js";
import { credentialMaterial } from "./0003-credential-material.js";
import { vault } from "./0004-vault.js";
import { replayGuardOnCredentials } from "./0005-replay-guard-on-credentials.js";
import { outOfBandCodes } from "./0006-out-of-band-codes.js";
import { enforcement } from "./0007-enforcement.js";
import { webauthn } from "./0008-webauthn.js";
import { push } from "./0009-push.js";
import { recovery } from "./0010-recovery.js";
import { operators } from "./0011-operators.js";
import { consoleDirectory } from "./0012-console-directory.js";
import { auditChainIndexSealedOnly } from "./0013-audit-chain-index-sealed-only.js";
import { auditSeals } from "./0014-audit-seals.js";

export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  "0001-initial-schema": initialSchema,
  "0002-idempotency-keys": idempotencyKeys,
  "0003-credential-material": credentialMaterial,
  "0004-vault": vault,
  "0005-replay-guard-on-credentials": replayGuardOnCredentials,
  "0006-out-of-band-codes": outOfBandCodes,
  "0007-enforcement": enforcement,
  "0008-webauthn": webauthn,
  "0009-push": push,
  "0010-recovery": recovery,
  "0011-operators": operators,
  "0012-console-directory": consoleDirectory,
  "0013-audit-chain-index-sealed-only": auditChainIndexSealedOnly,
  "0014-audit-seals": auditSeals,
});

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...migrations }),
};
