import { createHmac, randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { CryptoError } from "./crypto.errors.js";
import { HmacKeyedHasher } from "./hmac-keyed-hasher.js";

const key = randomBytes(32);

describe("HmacKeyedHasher", () => {
  const hasher = new HmacKeyedHasher(key);

  it("is HMAC-SHA256 over a JSON array of context and value", () => {
    const expected = createHmac("sha256", key)
      .update(JSON.stringify(["email_code", "t1", "123456"]))
      .digest("hex");
    expect(hasher.hash("123456", ["email_code", "t1"])).toBe(expected);
  });

  it("matches the right value and refuses wrong values, contexts and keys", () => {
    const stored = hasher.hash("123456", ["email_code", "c1"]);
    expect(hasher.matches("123456", ["email_code", "c1"], stored)).toBe(true);
    expect(hasher.matches("123457", ["email_code", "c1"], stored)).toBe(false);
    expect(hasher.matches("123456", ["sms_code", "c1"], stored)).toBe(false);
    expect(hasher.matches("123456", ["email_code", "c2"], stored)).toBe(false);
    expect(new HmacKeyedHasher(randomBytes(32)).matches("123456", ["email_code", "c1"], stored)).toBe(false);
  });

  it("keeps context and value apart (no ambiguity by concatenation)", () => {
    expect(hasher.hash("23", ["1"])).not.toBe(hasher.hash("3", ["12"]));
  });

  it("does not match a malformed stored hash", () => {
    expect(hasher.matches("1", [], "")).toBe(false);
    expect(hasher.matches("1", [], "zz".repeat(32))).toBe(false);
    expect(hasher.matches("1", [], hasher.hash("1").toUpperCase())).toBe(false);
  });

  it("refuses short keys, names the variable, never shows the key", () => {
    expect(() => new HmacKeyedHasher(randomBytes(16))).toThrow(CryptoError);
    expect(() => HmacKeyedHasher.fromBase64(undefined, "X_KEY")).toThrow(/X_KEY is not set/);
    expect(() => HmacKeyedHasher.fromBase64(randomBytes(8).toString("base64"), "X_KEY")).toThrow(/at least 32 bytes, got 8/);
    const fromEnv = HmacKeyedHasher.fromBase64(key.toString("base64"));
    expect(fromEnv.hash("x")).toBe(hasher.hash("x"));
    expect(inspect(hasher, { showHidden: true }) + JSON.stringify({ hasher })).not.toContain(key.toString("hex"));
  });
});
