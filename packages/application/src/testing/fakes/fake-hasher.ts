// A keyed hasher for unit tests: deterministic, readable in a failing assertion, and bound to its context like the
// real one (HmacKeyedHasher in @mfa-chain/crypto). Not a hash anyone should rely on: it is reversible by design.
import type { KeyedHasher } from "../../index.js";

export class FakeHasher implements KeyedHasher {
  private count = 0;

  hash(value: string, context: readonly string[]): string {
    this.count++;
    let hex = "";
    for (const ch of `${context.join("|")}|${value}`) hex += (ch.codePointAt(0) ?? 0).toString(16).padStart(6, "0");
    return hex;
  }

  matches(value: string, context: readonly string[], expectedHex: string): boolean {
    return this.hash(value, context) === expectedHex;
  }

  /** How many hashes were made (a check compares every stored hash: one per unused code). */
  get hashes(): number {
    return this.count;
  }
}
