// A development key for the embedded database, when its environment variable is not set: generated once and kept next
// to the data folder (mode 0600, never in the repository: `.data/` is ignored), so that a restart can still open what
// it sealed or match what it hashed. An in-memory database lives as long as the process, and so may its key.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export type DevKey =
  { readonly kind: "process"; readonly value: string } | { readonly kind: "file"; readonly value: string; readonly file: string };

/**
 * The development key called `name` for the embedded database in `embeddedDataDir` (a file beside it), or one for this
 * process only when the database is in memory or not embedded; `generate()` makes a new key's text.
 */
export function devKey(name: string, embeddedDataDir: string | null, generate: () => string): DevKey {
  if (embeddedDataDir === null || embeddedDataDir.startsWith("memory://")) return { kind: "process", value: generate() };
  const file = join(dirname(embeddedDataDir), name);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${generate()}\n`, { mode: 0o600, flag: "wx" });
  }
  chmodSync(file, 0o600);
  return { kind: "file", value: readFileSync(file, "utf8").trim(), file };
}

/** Where a development key came from, safe to log (never the key). */
export const devKeyDescription = (key: DevKey): string =>
  key.kind === "file" ? `development key file ${key.file}` : "a key for this process only";
