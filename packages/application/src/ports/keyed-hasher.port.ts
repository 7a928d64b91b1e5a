/** Keyed hashes of single-use codes (backup codes): a stolen table of hashes is useless without the key. */
export interface KeyedHasher {
  /** Lowercase hex, bound to `context` (purpose and record), so a hash made for one never matches another (S30). */
  hash(value: string, context: readonly string[]): string;
  /** Constant-time check of `value` against a stored hash. */
  matches(value: string, context: readonly string[], expectedHex: string): boolean;
}
