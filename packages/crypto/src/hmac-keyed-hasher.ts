// Keyed hashes of short-lived codes (out-of-band codes, later): HMAC-SHA256 over an unambiguous encoding of a context
// and the value, compared in constant time. A stolen table of hashes is useless without the key.
import { createHmac, timingSafeEqual } from "node:crypto";
import { inspect } from "node:util";
import { CryptoError } from "./crypto.errors.js";

const MIN_KEY_BYTES = 32;
const HEX_64 = /^[0-9a-f]{64}$/;

export class HmacKeyedHasher {
  readonly #key: Buffer;

  /** @param key at least 32 bytes; copied. */
  constructor(key: Uint8Array) {
    if (key.length < MIN_KEY_BYTES) {
      throw new CryptoError("hasher_key_invalid", `an HMAC key must be at least ${MIN_KEY_BYTES} bytes, got ${key.length}`);
    }
    this.#key = Buffer.from(key);
  }

  /** From base64 configuration, e.g. `MFA_CODE_HASH_KEY`. The error names the variable, never its value. */
  static fromBase64(encoded: string | undefined, source = "MFA_CODE_HASH_KEY"): HmacKeyedHasher {
    if (encoded === undefined || encoded.trim() === "") {
      throw new CryptoError(
        "hasher_key_invalid",
        `${source} is not set or empty: expected a base64 key of at least ${MIN_KEY_BYTES} bytes`,
      );
    }
    const key = Buffer.from(encoded.trim(), "base64");
    try {
      return new HmacKeyedHasher(key);
    } catch (cause) {
      throw new CryptoError("hasher_key_invalid", `${source}: the key must decode to at least ${MIN_KEY_BYTES} bytes, got ${key.length}`, {
        cause,
      });
    } finally {
      key.fill(0);
    }
  }

  /**
   * Lowercase hex HMAC-SHA256 of `value` under `context` (e.g. `["email_code", tenantId, challengeId]`), so a hash made
   * for one purpose or record never matches another.
   */
  hash(value: string, context: readonly string[] = []): string {
    return this.digest(value, context).toString("hex");
  }

  /** Constant-time check of `value` against a stored hash; a malformed stored hash simply does not match. */
  matches(value: string, context: readonly string[], expectedHex: string): boolean {
    const actual = this.digest(value, context);
    const expected = HEX_64.test(expectedHex) ? Buffer.from(expectedHex, "hex") : Buffer.alloc(actual.length);
    const same = timingSafeEqual(actual, expected);
    return same && HEX_64.test(expectedHex);
  }

  private digest(value: string, context: readonly string[]): Buffer {
    return createHmac("sha256", this.#key)
      .update(JSON.stringify([...context, value]), "utf8")
      .digest();
  }

  toJSON(): string {
    return "HmacKeyedHasher";
  }

  [inspect.custom](): string {
    return "HmacKeyedHasher";
  }
}
