import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { AesGcmKeyring, parseKeyringSpec } from "./aes-gcm-keyring.js";
import { CryptoError } from "./crypto.errors.js";

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
const k1 = randomBytes(32);
const k2 = randomBytes(32);
const binding = { tenantId: "tenant-a", userId: "alice", credentialId: "cred-1" };
const seed = new Uint8Array(randomBytes(20));

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  throw new Error("expected a CryptoError");
};

describe("AesGcmKeyring", () => {
  const keyring = AesGcmKeyring.parse(`k1:${b64(k1)}`);

  it("seals and opens a secret under its binding", () => {
    const sealed = keyring.seal(seed, binding);
    expect(sealed.keyId).toBe("k1");
    expect(sealed.ciphertext.length).toBe(1 + 12 + seed.length + 16);
    expect(keyring.open(sealed, binding)).toEqual(seed);
  });

  it("uses a fresh nonce for every seal", () => {
    const a = keyring.seal(seed, binding);
    const b = keyring.seal(seed, binding);
    expect(Buffer.from(a.ciphertext).equals(Buffer.from(b.ciphertext))).toBe(false);
  });

  it("never stores the plaintext inside the ciphertext", () => {
    const sealed = Buffer.from(keyring.seal(seed, binding).ciphertext);
    expect(sealed.includes(Buffer.from(seed))).toBe(false);
  });

  it("refuses a tampered ciphertext (any flipped bit: nonce, body or tag)", () => {
    const sealed = keyring.seal(seed, binding);
    for (let i = 1; i < sealed.ciphertext.length; i++) {
      const tampered = new Uint8Array(sealed.ciphertext);
      tampered[i] = (tampered[i] as number) ^ 0x01;
      expect(codeOf(() => keyring.open({ keyId: "k1", ciphertext: tampered }, binding))).toBe("authentication_failed");
    }
  });

  it("refuses a ciphertext moved to another tenant, user or credential", () => {
    const sealed = keyring.seal(seed, binding);
    for (const other of [
      { ...binding, tenantId: "tenant-b" },
      { ...binding, userId: "bob" },
      { ...binding, credentialId: "cred-2" },
    ]) {
      expect(codeOf(() => keyring.open(sealed, other))).toBe("authentication_failed");
    }
  });

  it("refuses a field shift that a naive concatenation would not see", () => {
    const sealed = keyring.seal(seed, { tenantId: "t", userId: "ab", credentialId: "c" });
    expect(codeOf(() => keyring.open(sealed, { tenantId: "t", userId: "a", credentialId: "bc" }))).toBe("authentication_failed");
  });

  it("refuses an unknown key id, a relabelled key id, and malformed input", () => {
    const sealed = keyring.seal(seed, binding);
    expect(codeOf(() => keyring.open({ ...sealed, keyId: "k9" }, binding))).toBe("unknown_key");
    const both = AesGcmKeyring.parse(`k2:${b64(k2)},k1:${b64(k1)}`);
    expect(codeOf(() => both.open({ ...sealed, keyId: "k2" }, binding))).toBe("authentication_failed");
    expect(codeOf(() => keyring.open({ keyId: "k1", ciphertext: new Uint8Array(10) }, binding))).toBe("malformed_ciphertext");
    const wrongVersion = new Uint8Array(sealed.ciphertext);
    wrongVersion[0] = 9;
    expect(codeOf(() => keyring.open({ keyId: "k1", ciphertext: wrongVersion }, binding))).toBe("malformed_ciphertext");
  });

  it("rotates: opens with the old key, reseals with the new current key", () => {
    const old = AesGcmKeyring.parse(`k1:${b64(k1)}`);
    const sealed = old.seal(seed, binding);
    const rotated = AesGcmKeyring.parse(`k2:${b64(k2)},k1:${b64(k1)}`);
    expect(rotated.currentKeyId).toBe("k2");
    expect(rotated.keyIds).toEqual(["k2", "k1"]);
    expect(rotated.open(sealed, binding)).toEqual(seed);
    expect(rotated.needsReseal(sealed)).toBe(true);
    const resealed = rotated.reseal(sealed, binding);
    expect(resealed.keyId).toBe("k2");
    expect(rotated.needsReseal(resealed)).toBe(false);
    expect(rotated.reseal(resealed, binding)).toBe(resealed);
    expect(rotated.open(resealed, binding)).toEqual(seed);
    // Once k1 is retired, only the resealed secret still opens.
    const retired = AesGcmKeyring.parse(`k2:${b64(k2)}`);
    expect(retired.open(resealed, binding)).toEqual(seed);
    expect(codeOf(() => retired.open(sealed, binding))).toBe("unknown_key");
  });

  it("shows key ids, never key bytes, in logs and JSON", () => {
    const ring = AesGcmKeyring.parse(`k2:${b64(k2)},k1:${b64(k1)}`);
    const shown = [inspect(ring, { depth: 10, showHidden: true }), JSON.stringify(ring), String(ring)].join("\n");
    expect(shown).toContain("k2");
    for (const key of [k1, k2]) {
      expect(shown).not.toContain(b64(key));
      expect(shown).not.toContain(key.toString("hex"));
    }
  });
});

describe("parseKeyringSpec", () => {
  const errorOf = (spec: string | undefined): CryptoError => {
    try {
      parseKeyringSpec(spec);
    } catch (error) {
      if (error instanceof CryptoError) return error;
      throw error;
    }
    throw new Error("expected a CryptoError");
  };

  it("parses ids and keys in order, the first current, trimming spaces; accepts base64url", () => {
    const keys = parseKeyringSpec(` k2:${b64(k2)} , k1:${Buffer.from(k1).toString("base64url")}`);
    expect(keys.map((k) => k.id)).toEqual(["k2", "k1"]);
    expect(Buffer.from(keys[1]?.key ?? []).equals(k1)).toBe(true);
  });

  it.each([
    [undefined, /not set or empty/],
    ["", /not set or empty/],
    ["   ", /not set or empty/],
    [`k1:${b64(k1)},`, /entry 2 is empty/],
    [b64(k1), /entry 1 has no key id/],
    [`:${b64(k1)}`, /key id must be/],
    [`bad id:${b64(k1)}`, /key id must be/],
    ["k1:", /not base64/],
    ["k1:%%%%", /not base64/],
    [`k1:${b64(randomBytes(16))}`, /must decode to 32 bytes for AES-256, got 16/],
    [`k1:${b64(randomBytes(33))}`, /got 33/],
    [`k1:${b64(k1)},k1:${b64(k2)}`, /duplicate key id "k1"/],
    [`k1:${b64(k1)},k2:${b64(k1)}`, /"k1" and "k2" are the same key/],
  ])("refuses %j with a clear error", (spec, message) => {
    const error = errorOf(spec);
    expect(error.code).toBe("keyring_invalid");
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(b64(k1));
  });

  it("names the variable it read", () => {
    expect(() => parseKeyringSpec("", "MY_KEYS")).toThrow(/MY_KEYS/);
  });
});
