// The body of a `secrets:rotate` command, for a composition root to call with the keyring it builds from
// MFA_SECRET_KEYS (this package may not construct one: adapters never depend on each other). Prints counts and ids,
// never secret material; exit code 1 when any secret could not be re-sealed.
import type { SecretCipher } from "@mfa-chain/application";
import { createDatabase, databaseOptionsFromEnv } from "../database/create-database.js";
import { rotateSecrets } from "./rotate-secrets.js";

export interface RotateCommandInput {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cipher: SecretCipher;
  /** Where relative MFA_DATA_DIR paths start (default: the working directory). */
  readonly baseDir?: string;
  readonly out?: (line: string) => void;
  readonly batchSize?: number;
}

export async function runSecretsRotation(input: RotateCommandInput): Promise<number> {
  const out = input.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const database = createDatabase(databaseOptionsFromEnv(input.env, input.baseDir));
  try {
    out(`secrets:rotate: ${database.description}; re-sealing every secret not sealed by key "${input.cipher.currentKeyId}"`);
    const report = await rotateSecrets(database.db, input.cipher, {
      ...(input.batchSize === undefined ? {} : { batchSize: input.batchSize }),
      onProgress: (p) =>
        out(`secrets:rotate: examined ${p.examined}, re-sealed ${p.resealed}, changed meanwhile ${p.skipped}, failed ${p.failures.length}`),
    });
    for (const f of report.failures)
      out(
        `secrets:rotate: could not re-seal ${f.source === "vault_entries" ? "vault entry" : "credential"} ${f.credentialId} of tenant ${f.tenantId} (key "${f.keyId}"): ${f.reason}`,
      );
    out(`secrets:rotate: done — re-sealed ${report.resealed}, failed ${report.failures.length}`);
    return report.failures.length === 0 ? 0 : 1;
  } finally {
    await database.close();
  }
}
