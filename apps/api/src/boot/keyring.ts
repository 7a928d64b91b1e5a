// The keyring that seals factor secrets. From MFA_SECRET_KEYS when set (required with DATABASE_URL); on the embedded
// database without it, a development key (dev-key-file.ts).
import { AesGcmKeyring, generateKeyringKey } from "@mfa-chain/crypto";
import { devKey, devKeyDescription } from "./dev-key-file.js";

export interface KeyringSource {
  readonly keyring: AesGcmKeyring;
  /** Where the keys came from, safe to log (never the keys). */
  readonly description: string;
}

export function loadKeyring(spec: string | undefined, embeddedDataDir: string | null): KeyringSource {
  if (spec) return { keyring: AesGcmKeyring.parse(spec), description: "MFA_SECRET_KEYS" };
  const key = devKey("secret-keys", embeddedDataDir, () => `dev:${generateKeyringKey()}`);
  return { keyring: AesGcmKeyring.parse(key.value, key.kind === "file" ? key.file : undefined), description: devKeyDescription(key) };
}
