// The keyring that seals factor secrets. From MFA_SECRET_KEYS when set (required with DATABASE_URL). On the embedded
// database without it, a development key is generated once and kept next to the data folder (mode 0600, never in the
// repository: `.data/` is ignored), so a restart can still open the secrets it sealed.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { AesGcmKeyring, generateKeyringKey } from "@mfa-chain/crypto";

export interface KeyringSource {
  readonly keyring: AesGcmKeyring;
  /** Where the keys came from, safe to log (never the keys). */
  readonly description: string;
}

export function loadKeyring(spec: string | undefined, embeddedDataDir: string | null): KeyringSource {
  if (spec) return { keyring: AesGcmKeyring.parse(spec), description: "MFA_SECRET_KEYS" };
  if (embeddedDataDir === null || embeddedDataDir.startsWith("memory://")) {
    // An in-memory database lives as long as the process: so may its key.
    return { keyring: AesGcmKeyring.parse(`dev:${generateKeyringKey()}`), description: "a key for this process only" };
  }
  const file = join(dirname(embeddedDataDir), "secret-keys");
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `dev:${generateKeyringKey()}\n`, { mode: 0o600, flag: "wx" });
  }
  chmodSync(file, 0o600);
  return { keyring: AesGcmKeyring.parse(readFileSync(file, "utf8").trim(), file), description: `development key file ${file}` };
}
