// Secrets: CSPRNG generation, and strict RFC 4648 base32.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Base32Error, type Base32ErrorCode } from "./otp.errors.js";
import { decodeBase32, encodeBase32, generateSecret, SECRET_BYTES } from "./secret.js";

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("generateSecret", () => {
  it("returns 20 bytes (160 bits)", () => {
    const secret = generateSecret();
    expect(secret).toBeInstanceOf(Uint8Array);
    expect(secret.length).toBe(20);
    expect(SECRET_BYTES).toBe(20);
  });

  it("returns a different secret on every call, with bytes spread over the whole range", () => {
    const secrets = Array.from({ length: 200 }, () => Buffer.from(generateSecret()).toString("hex"));
    expect(new Set(secrets).size).toBe(200);
    const bytes = Buffer.from(secrets.join(""), "hex");
    expect(new Set(bytes).size).toBeGreaterThan(240); // 4,000 random bytes hit almost every value
  });
});

// RFC 4648 §10 test vectors, without padding (as otpauth:// URIs carry them) and with.
const RFC4648: ReadonlyArray<readonly [string, string, string]> = [
  ["f", "MY", "MY======"],
  ["fo", "MZXQ", "MZXQ===="],
  ["foo", "MZXW6", "MZXW6==="],
  ["foob", "MZXW6YQ", "MZXW6YQ="],
  ["fooba", "MZXW6YTB", "MZXW6YTB"],
  ["foobar", "MZXW6YTBOI", "MZXW6YTBOI======"],
];

describe("base32", () => {
  it.each(RFC4648)("RFC 4648 vector %j", (plain, unpadded, padded) => {
    expect(encodeBase32(ascii(plain))).toBe(unpadded);
    expect(decodeBase32(unpadded)).toEqual(ascii(plain));
    expect(decodeBase32(padded)).toEqual(ascii(plain));
    expect(decodeBase32(unpadded.toLowerCase())).toEqual(ascii(plain));
  });

  it("round-trips any bytes (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), (bytes) => {
        const text = encodeBase32(bytes);
        expect(text).toMatch(/^[A-Z2-7]+$/);
        expect(decodeBase32(text)).toEqual(bytes);
      }),
    );
  });

  it("ignores unused bits in the last character, as oathtool and authenticator apps do", () => {
    // "MZ" sets the two bits after the byte 'f' that "MY" leaves clear.
    expect(decodeBase32("MZ")).toEqual(ascii("f"));
    expect(decodeBase32("ABCDEFGHIJKLMNOPQRSTUVWXYZ")).toEqual(decodeBase32("ABCDEFGHIJKLMNOPQRSTUVWXYY"));
  });

  it.each<[string, string, Base32ErrorCode]>([
    ["an empty string", "", "empty"],
    ["the digit 1", "MZXW6YT1", "invalid_character"],
    ["the digit 0", "MZXW6YT0", "invalid_character"],
    ["the digit 8", "MZXW6YT8", "invalid_character"],
    ["a space", "MZXW 6YTB", "invalid_character"],
    ["a hyphen", "MZXW-6YTB", "invalid_character"],
    ["a trailing newline", "MZXW6YTB\n", "invalid_character"],
    ["a full-width letter", "ＭZXW6YTB", "invalid_character"],
    ["an accented letter", "MZXW6YTÉ", "invalid_character"],
    ["one character", "M", "invalid_length"],
    ["three characters", "MZX", "invalid_length"],
    ["six characters", "MZXW6Y", "invalid_length"],
    ["short padding", "MY=", "invalid_padding"],
    ["padding after a full group", "MZXW6YTB========", "invalid_padding"],
    ["data after padding", "MY==MY==", "invalid_padding"],
    ["only padding", "========", "empty"],
  ])("rejects %s with a Base32Error", (_, text, code) => {
    expect(() => decodeBase32(text)).toThrow(Base32Error);
    expect(() => decodeBase32(text)).toThrow(expect.objectContaining({ code }));
  });

  it("names the offending character and its position", () => {
    expect(() => decodeBase32("MZXW-6YTB")).toThrow(/"-" at position 4/);
  });

  it("throws only Base32Error for any string (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."ABCXYZ234567abz=018 -\u00e9") }), (s) => {
        try {
          decodeBase32(s);
        } catch (error) {
          expect(error).toBeInstanceOf(Base32Error);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
