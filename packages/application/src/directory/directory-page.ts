// Keyset pages over ids (the console's tenant and user lists): ids starting with a prefix, after the last id seen, in
// the byte order of the ids (PostgreSQL's "C" collation), a bounded number at a time.
import type { DirectoryPage } from "../ports/repositories.port.js";

/** The largest page a directory list may ask for. */
export const DIRECTORY_MAX_LIMIT = 100;

/** Throws on a page no caller should ask for (the use cases check their input first). */
export function checkDirectoryPage(page: DirectoryPage): void {
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > DIRECTORY_MAX_LIMIT) {
    throw new RangeError(`a directory page holds 1–${DIRECTORY_MAX_LIMIT} ids, asked for ${page.limit}`);
  }
}

/** Ids compared by code point (the order of their UTF-8 bytes), as PostgreSQL's "C" collation compares them. */
export function compareIds(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
