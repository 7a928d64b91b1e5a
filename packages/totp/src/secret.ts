// OTP secrets: generation from the CSPRNG, and base32 (RFC 4648) as authenticator apps expect it.
import { randomFillSync } from "node:crypto";
import { ScureBase32Plugin } from "otplib";
import { Base32Error } from "./otp.errors.js";

/** 160 bits, the length RFC 4226 §4 recommends and authenticator apps expect. */
export const SECRET_BYTES = 20;
/**
 * The shortest secret accepted anywhere in this package: 80 bits. RFC 4226 asks for 128, and every secret this package
 * generates has 160, but seeds imported from other services are often 80 bits (16 base32 characters).
 */
export const MIN_SECRET_BYTES = 10;
/** The longest secret accepted: 64 bytes (the RFC 6238 SHA512 seed; otplib's limit too). */
export const MAX_SECRET_BYTES = 64;

const base32 = new ScureBase32Plugin();

/** A fresh 20-byte (160-bit) secret from the operating system's CSPRNG. */
export function generateSecret(): Uint8Array {
  return randomFillSync(new Uint8Array(SECRET_BYTES));
}

/** RFC 4648 base32, upper case, without padding (the form otpauth:// URIs and authenticator apps use). */
export function encodeBase32(bytes: Uint8Array): string {
  return base32.encode(bytes, { padding: false });
}

// Characters left over after the last whole byte, by the length of the last 8-character group.
const VALID_TAIL_LENGTHS = new Set([0, 2, 4, 5, 7]);
const UNUSED_BITS_BY_TAIL = new Map([
  [2, 2],
  [4, 4],
  [5, 1],
  [7, 3],
]);
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * Decodes RFC 4648 base32, strictly: only `A–Z`, `2–7` (either case) and, optionally, correct trailing `=` padding.
 * Spaces, hyphens, `0`, `1`, `8`, `9` and any other character are rejected with a {@link Base32Error}, as are lengths
 * that cannot hold whole bytes. Unused bits in the last character are ignored, as oathtool and authenticator apps do,
 * so seeds of other services whose encoder left them set still decode.
 */
export function decodeBase32(text: string): Uint8Array {
  if (typeof text !== "string" || text.length === 0) throw new Base32Error("empty", "base32 secret: expected a non-empty string");
  const padAt = text.indexOf("=");
  const body = padAt === -1 ? text : text.slice(0, padAt);
  const padding = padAt === -1 ? "" : text.slice(padAt);
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 50 && c <= 55);
    if (!ok) {
      throw new Base32Error(
        "invalid_character",
        `base32 secret: invalid character ${JSON.stringify(body[i])} at position ${i}; expected only A-Z and 2-7`,
      );
    }
  }
  if (body.length === 0) throw new Base32Error("empty", "base32 secret: no data before the padding");
  const tail = body.length % 8;
  if (!VALID_TAIL_LENGTHS.has(tail)) {
    throw new Base32Error("invalid_length", `base32 secret: ${body.length} characters cannot encode whole bytes`);
  }
  if (padding !== "" && (!/^=+$/.test(padding) || (body.length + padding.length) % 8 !== 0 || tail === 0)) {
    throw new Base32Error("invalid_padding", "base32 secret: padding must fill the last group of 8 with '='");
  }
  const upper = body.toUpperCase();
  const unused = UNUSED_BITS_BY_TAIL.get(tail) ?? 0;
  // Clear the unused low bits of the last character: the underlying decoder rejects them, real-world seeds have them.
  const canonical =
    unused === 0 ? upper : upper.slice(0, -1) + ALPHABET.charAt(ALPHABET.indexOf(upper.charAt(upper.length - 1)) & ~((1 << unused) - 1));
  try {
    return base32.decode(canonical);
  } catch (cause) {
    throw new Base32Error("invalid_character", "base32 secret: not valid base32", { cause });
  }
}
