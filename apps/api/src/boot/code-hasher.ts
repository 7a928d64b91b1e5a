// The key of the keyed hashes that single-use codes are stored as (backup codes). From MFA_CODE_HASH_KEY when set
// (required with DATABASE_URL); on the embedded database without it, a development key (dev-key-file.ts).
// The key is not rotated like the keyring: a new key would void every stored code (users print new ones).
import { randomBytes } from "node:crypto";
import { HmacKeyedHasher } from "@mfa-chain/crypto";
import { devKey, devKeyDescription } from "./dev-key-file.js";

export interface CodeHasherSource {
  readonly hasher: HmacKeyedHasher;
  /** Where the key came from, safe to log (never the key). */
  readonly description: string;
}

export function loadCodeHasher(spec: string | undefined, embeddedDataDir: string | null): CodeHasherSource {
  if (spec) return { hasher: HmacKeyedHasher.fromBase64(spec), description: "MFA_CODE_HASH_KEY" };
  const key = devKey("code-hash-key", embeddedDataDir, () => randomBytes(32).toString("base64"));
  return {
    hasher: HmacKeyedHasher.fromBase64(key.value, key.kind === "file" ? key.file : undefined),
    description: devKeyDescription(key),
  };
}
