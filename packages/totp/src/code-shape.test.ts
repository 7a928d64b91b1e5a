// The code shape: exactly N ASCII digits, nothing that merely looks like digits.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAsciiDigits } from "./code-shape.js";

describe("isAsciiDigits", () => {
  it.each([
    ["123456", 6],
    ["000000", 6],
    ["12345678", 8],
    ["00000000", 8],
  ])("accepts %j for %i digits", (code, digits) => {
    expect(isAsciiDigits(code, digits)).toBe(true);
  });

  it.each([
    ["full-width digits", "１２３４５６", 6],
    ["one full-width digit", "12345６", 6],
    ["Arabic-Indic digits", "٣٣٣٣٣٣", 6],
    ["Devanagari digits", "१२३४५६", 6],
    ["mathematical bold digits", "𝟏𝟐𝟑", 6],
    ["a superscript digit", "12345²", 6],
    ["empty", "", 6],
    ["too short", "12345", 6],
    ["too long", "1234567", 6],
    ["6 digits where 8 are expected", "123456", 8],
    ["a leading space", " 12345", 6],
    ["a trailing newline", "12345\n", 6],
    ["an inner space", "123 456", 6],
    ["a plus sign", "+12345", 6],
    ["a minus sign", "-12345", 6],
    ["a decimal point", "1234.5", 6],
    ["an exponent", "1e5000", 6],
    ["hex", "0x1234", 6],
    ["a NUL", "12345\0", 6],
  ])("rejects %s", (_, code, digits) => {
    expect(isAsciiDigits(code, digits)).toBe(false);
  });

  it("rejects non-strings", () => {
    for (const value of [123456, null, undefined, ["123456"], { length: 6 }]) expect(isAsciiDigits(value, 6)).toBe(false);
  });

  const near = fc.string({
    unit: fc.oneof(
      fc.constantFrom(..."0123456789"),
      fc.constantFrom("０", "９", "٠", "٩", "۵", "߀", "०", "೬", "𝟎", "²", "½", " ", "\t", "\n", "+", "-", ".", "e", "\u200b"),
      fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
    ),
    maxLength: 10,
  });

  it("rejects every string that is not exactly N ASCII digits (property)", () => {
    fc.assert(
      fc.property(near, fc.constantFrom(6, 8), (s, n) => {
        fc.pre(!new RegExp(`^[0-9]{${n}}$`).test(s));
        expect(isAsciiDigits(s, n)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it("accepts every string of exactly N ASCII digits (property)", () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(6, 8)
          .chain((n) => fc.tuple(fc.constant(n), fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: n, maxLength: n }))),
        ([n, s]) => {
          expect(isAsciiDigits(s, n)).toBe(true);
        },
      ),
    );
  });
});
