import { describe, expect, it } from "vitest";
import { FakeCipher, FakeCipherError } from "./fake-cipher.js";

const binding = { tenantId: "t1", userId: "u1", credentialId: "c1" };
const plaintext = Uint8Array.from({ length: 20 }, (_, i) => (i * 37) % 256);

describe("FakeCipher", () => {
  it("round-trips, and every stored byte differs from the plaintext", () => {
    const cipher = new FakeCipher();
    const sealed = cipher.seal(plaintext, binding);
    expect(sealed.keyId).toBe("fake-key-1");
    const body = sealed.ciphertext.subarray(sealed.ciphertext.length - plaintext.length);
    body.forEach((b, i) => expect(b).not.toBe(plaintext[i]));
    expect(cipher.open(sealed, binding)).toEqual(plaintext);
  });

  it("refuses another tenant, user or credential (AAD binding), tampering, and unknown keys", () => {
    const cipher = new FakeCipher();
    const sealed = cipher.seal(plaintext, binding);
    for (const other of [
      { ...binding, tenantId: "t2" },
      { ...binding, userId: "u2" },
      { ...binding, credentialId: "c2" },
    ]) {
      expect(() => cipher.open(sealed, other)).toThrow(FakeCipherError);
    }
    const tampered = new Uint8Array(sealed.ciphertext);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    expect(() => cipher.open({ ...sealed, ciphertext: tampered }, binding)).toThrow(FakeCipherError);
    expect(() => cipher.open({ ...sealed, keyId: "nope" }, binding)).toThrow(/unknown key/);
  });

  it("keeps opening old seals after a rotation, and records seals and opens", () => {
    const cipher = new FakeCipher();
    const old = cipher.seal(plaintext, binding);
    cipher.rotate("fake-key-2");
    expect(cipher.seal(plaintext, binding).keyId).toBe("fake-key-2");
    expect(cipher.open(old, binding)).toEqual(plaintext);
    expect(cipher.sealed).toHaveLength(2);
    expect(() => cipher.assertNotOpened()).toThrow();
    cipher.clear();
    cipher.assertNotOpened();
  });
});
