// The key of the keyed hashes that single-use codes are stored as (backup codes). From MFA_CODE_HASH_KEY when set
// (required with DATABASE_URL). On the embedded database without it, a development key is generated once and kept next
// to the data folder (mode 0600, never in the repository: `.data/` is ignored), so a restart still matches its codes.
// The key is not rotated like the keyring: a new key would void every stored code (users print new ones).
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { HmacKeyedHasher } from "@mfa-chain/crypto";

export interface CodeHasherSource {
  readonly hasher: HmacKeyedHasher;
  /** Where the key came from, safe to log (never the key). */
  readonly description: string;
}

export function loadCodeHasher(spec: string | undefined, embeddedDataDir: string | null): CodeHasherSource {
  if (spec) return { hasher: HmacKeyedHasher.fromBase64(spec), description: "MFA_CODE_HASH_KEY" };
  if (embeddedDataDir === null || embeddedDataDir.startsWith("memory://")) {
    return { hasher: new HmacKeyedHasher(randomBytes(32)), description: "a key for this process only" };
  }
  const file = join(dirname(embeddedDataDir), "code-hash-key");
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  }
  chmodSync(file, 0o600);
  return { hasher: HmacKeyedHasher.fromBase64(readFileSync(file, "utf8"), file), description: `development key file ${file}` };
}
