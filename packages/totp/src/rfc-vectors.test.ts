// The published test vectors: RFC 4226 Appendix D (HOTP) and RFC 6238 Appendix B (TOTP, SHA1/SHA256/SHA512).
import { describe, expect, it } from "vitest";
import { generateHotp, verifyHotp } from "./hotp.js";
import type { OtpAlgorithm } from "./otp.types.js";
import { generateTotp, timeStepAt, verifyTotp } from "./totp.js";

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

// RFC 4226 Appendix D: secret "12345678901234567890", counters 0…9.
const HOTP_SECRET = ascii("12345678901234567890");
const HOTP_CODES = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];

// RFC 6238 Appendix B: the seed has the length of the hash output (20/32/64 bytes), codes have 8 digits, X = 30.
const TOTP_SEEDS: Record<OtpAlgorithm, Uint8Array> = {
  SHA1: ascii("12345678901234567890"),
  SHA256: ascii("12345678901234567890123456789012"),
  SHA512: ascii("1234567890123456789012345678901234567890123456789012345678901234"),
};
const TOTP_TABLE: ReadonlyArray<readonly [seconds: number, step: number, codes: Record<OtpAlgorithm, string>]> = [
  [59, 0x1, { SHA1: "94287082", SHA256: "46119246", SHA512: "90693936" }],
  [1111111109, 0x23523ec, { SHA1: "07081804", SHA256: "68084774", SHA512: "25091201" }],
  [1111111111, 0x23523ed, { SHA1: "14050471", SHA256: "67062674", SHA512: "99943326" }],
  [1234567890, 0x273ef07, { SHA1: "89005924", SHA256: "91819424", SHA512: "93441116" }],
  [2000000000, 0x3f940aa, { SHA1: "69279037", SHA256: "90698825", SHA512: "38618901" }],
  [20000000000, 0x27bc86aa, { SHA1: "65353130", SHA256: "77737706", SHA512: "47863826" }],
];

describe("RFC 4226 Appendix D (HOTP, SHA1, 6 digits)", () => {
  it.each(HOTP_CODES.map((code, counter) => [counter, code] as const))("counter %i → %s", (counter, code) => {
    expect(generateHotp(HOTP_SECRET, counter, { algorithm: "SHA1", digits: 6 })).toBe(code);
    expect(verifyHotp({ secret: HOTP_SECRET, code, algorithm: "SHA1", digits: 6, counter, lookAhead: 0 })).toEqual({
      kind: "match",
      step: counter,
    });
    // Searching from counter 0 finds each code at its own counter, not earlier.
    expect(verifyHotp({ secret: HOTP_SECRET, code, algorithm: "SHA1", digits: 6, counter: 0, lookAhead: 9 })).toEqual({
      kind: "match",
      step: counter,
    });
  });
});

describe("RFC 6238 Appendix B (TOTP, 8 digits, 30 s)", () => {
  const rows = TOTP_TABLE.flatMap(([seconds, step, codes]) =>
    (Object.keys(codes) as OtpAlgorithm[]).map((algorithm) => [seconds, algorithm, step, codes[algorithm]] as const),
  );

  it.each(rows)("T=%i %s: step %i → %s", (seconds, algorithm, step, code) => {
    const secret = TOTP_SEEDS[algorithm];
    const now = seconds * 1000;
    expect(timeStepAt(now, 30)).toBe(step);
    expect(generateTotp(secret, now, { algorithm, digits: 8, period: 30 })).toBe(code);
    const input = { secret, code, algorithm, digits: 8, period: 30, now, afterTimeStep: null } as const;
    expect(verifyTotp({ ...input, window: 0 })).toEqual({ kind: "match", step });
    expect(verifyTotp({ ...input, window: 1 })).toEqual({ kind: "match", step });
    // One period later the code is the previous step: accepted only with window 1.
    expect(verifyTotp({ ...input, window: 1, now: now + 30_000 })).toEqual({ kind: "match", step });
    expect(verifyTotp({ ...input, window: 0, now: now + 30_000 })).toEqual({ kind: "no_match" });
    expect(verifyTotp({ ...input, window: 1, afterTimeStep: step })).toEqual({ kind: "replayed", step });
  });

  it("seeds have the RFC's per-algorithm lengths", () => {
    expect([TOTP_SEEDS.SHA1.length, TOTP_SEEDS.SHA256.length, TOTP_SEEDS.SHA512.length]).toEqual([20, 32, 64]);
  });
});
