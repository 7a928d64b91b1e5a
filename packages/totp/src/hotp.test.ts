// HOTP: bounded look-ahead, resynchronisation by two consecutive codes, refused configurations.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateHotp, MAX_HOTP_LOOK_AHEAD, resyncHotp, verifyHotp } from "./hotp.js";
import type { HotpVerifyInput, OtpAlgorithm, OtpDigits } from "./otp.types.js";

const SECRET = new TextEncoder().encode("12345678901234567890"); // RFC 4226 test secret
const OPTIONS = { algorithm: "SHA1", digits: 6 } as const;
const codeAt = (counter: number, secret: Uint8Array = SECRET): string => generateHotp(secret, counter, OPTIONS);
const input = (code: string, extra: Partial<HotpVerifyInput> = {}): HotpVerifyInput => ({
  secret: SECRET,
  code,
  ...OPTIONS,
  counter: 100,
  lookAhead: 10,
  ...extra,
});

describe("verifyHotp", () => {
  it("matches counter … counter+lookAhead and nothing past it", () => {
    expect(verifyHotp(input(codeAt(100)))).toEqual({ kind: "match", step: 100 });
    expect(verifyHotp(input(codeAt(105)))).toEqual({ kind: "match", step: 105 });
    expect(verifyHotp(input(codeAt(110)))).toEqual({ kind: "match", step: 110 });
    expect(verifyHotp(input(codeAt(111)))).toEqual({ kind: "no_match" });
    expect(verifyHotp(input(codeAt(99)))).toEqual({ kind: "no_match" }); // already used
    expect(verifyHotp(input(codeAt(100), { lookAhead: 0 }))).toEqual({ kind: "match", step: 100 });
    expect(verifyHotp(input(codeAt(101), { lookAhead: 0 }))).toEqual({ kind: "no_match" });
  });

  it("storing step + 1 makes the accepted code unusable", () => {
    const code = codeAt(104);
    const first = verifyHotp(input(code));
    expect(first).toEqual({ kind: "match", step: 104 });
    if (first.kind !== "match") return;
    expect(verifyHotp(input(code, { counter: first.step + 1 }))).toEqual({ kind: "no_match" });
  });

  it("bounds the look-ahead and the counter", () => {
    expect(() => verifyHotp(input("000000", { lookAhead: MAX_HOTP_LOOK_AHEAD + 1 }))).toThrow(RangeError);
    expect(() => verifyHotp(input("000000", { lookAhead: -1 }))).toThrow(RangeError);
    expect(() => verifyHotp(input("000000", { lookAhead: 1.5 }))).toThrow(RangeError);
    expect(() => verifyHotp(input("000000", { counter: -1 }))).toThrow(RangeError);
    expect(() => verifyHotp(input("000000", { counter: 0.5 }))).toThrow(RangeError);
    expect(() => verifyHotp(input("000000", { counter: Number.MAX_SAFE_INTEGER }))).toThrow(RangeError);
    expect(verifyHotp(input(codeAt(MAX_HOTP_LOOK_AHEAD), { counter: 0, lookAhead: MAX_HOTP_LOOK_AHEAD }))).toEqual({
      kind: "match",
      step: MAX_HOTP_LOOK_AHEAD,
    });
  });

  it("handles counters above 2^32 (RFC 4226: an 8-byte counter)", () => {
    const counter = 2 ** 40 + 7;
    expect(verifyHotp(input(codeAt(counter), { counter: counter - 3 }))).toEqual({ kind: "match", step: counter });
    expect(codeAt(counter)).not.toBe(codeAt(7)); // the high word is part of the message
  });

  it("rejects malformed codes", () => {
    const code = codeAt(100);
    const fullWidth = [...code].map((d) => String.fromCharCode(0xff10 + Number(d))).join("");
    for (const bad of [fullWidth, ` ${code}`, code.slice(1), `${code}1`, ""]) expect(verifyHotp(input(bad))).toEqual({ kind: "no_match" });
  });

  it("agrees with a plain search over generated codes (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 64 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
        fc.constantFrom<OtpAlgorithm>("SHA1", "SHA256", "SHA512"),
        fc.constantFrom<OtpDigits>(6, 8),
        fc.nat({ max: 2 ** 40 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: -2, max: 23 }),
        (secret, algorithm, digits, counter, lookAhead, offset) => {
          const options = { algorithm, digits };
          const code = generateHotp(secret, Math.max(0, counter + offset), options);
          let expected: number | null = null;
          for (let c = counter; c <= counter + lookAhead && expected === null; c++)
            if (generateHotp(secret, c, options) === code) expected = c;
          const result = verifyHotp({ secret, code, ...options, counter, lookAhead });
          expect(result).toEqual(expected === null ? { kind: "no_match" } : { kind: "match", step: expected });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("resyncHotp", () => {
  const resync = (codes: [string, string], extra: { counter?: number; window?: number } = {}) =>
    resyncHotp({
      secret: SECRET,
      codes,
      ...OPTIONS,
      counter: extra.counter ?? 100,
      ...(extra.window === undefined ? {} : { window: extra.window }),
    });

  it("finds two consecutive codes and returns the counter after both", () => {
    expect(resync([codeAt(600), codeAt(601)])).toEqual({ firstCounter: 600, nextCounter: 602 });
    expect(resync([codeAt(100), codeAt(101)])).toEqual({ firstCounter: 100, nextCounter: 102 });
    // RFC 4226 Appendix D codes for counters 3 and 4.
    expect(resyncHotp({ secret: SECRET, codes: ["969429", "338314"], ...OPTIONS, counter: 0 })).toEqual({
      firstCounter: 3,
      nextCounter: 5,
    });
  });

  it("searches 1000 counters by default: counter+1000 is found, counter+1001 is not", () => {
    expect(resync([codeAt(1100), codeAt(1101)])).toEqual({ firstCounter: 1100, nextCounter: 1102 });
    expect(resync([codeAt(1101), codeAt(1102)])).toBeNull();
    expect(resync([codeAt(150), codeAt(151)], { window: 49 })).toBeNull();
    expect(resync([codeAt(150), codeAt(151)], { window: 50 })).toEqual({ firstCounter: 150, nextCounter: 152 });
  });

  it("rejects codes that are not consecutive, reversed, repeated or behind the counter", () => {
    expect(resync([codeAt(600), codeAt(602)])).toBeNull();
    expect(resync([codeAt(601), codeAt(600)])).toBeNull();
    expect(resync([codeAt(600), codeAt(600)])).toBeNull();
    expect(resync([codeAt(98), codeAt(99)])).toBeNull();
    expect(resync([codeAt(600), "12345"])).toBeNull();
    expect(resync(["１２３４５６", codeAt(601)])).toBeNull();
  });

  it("the accepted codes cannot be replayed after storing nextCounter", () => {
    const codes: [string, string] = [codeAt(700), codeAt(701)];
    const result = resync(codes);
    expect(result).not.toBeNull();
    for (const code of codes)
      expect(verifyHotp(input(code, { counter: result?.nextCounter ?? 0, lookAhead: 10 }))).toEqual({ kind: "no_match" });
    expect(verifyHotp(input(codeAt(702), { counter: result?.nextCounter ?? 0 }))).toEqual({ kind: "match", step: 702 });
  });

  it("bounds the window", () => {
    expect(() => resync(["000000", "000000"], { window: 10_001 })).toThrow(RangeError);
    expect(() => resync(["000000", "000000"], { window: -1 })).toThrow(RangeError);
  });
});
