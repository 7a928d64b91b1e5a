import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCodeShape } from "./code-shape.js";

/** Every Unicode decimal digit (general category Nd) outside ASCII, per the runtime's Unicode tables (~760). */
const UNICODE_DIGITS: string[] = [];
for (let cp = 0x80; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const c = String.fromCodePoint(cp);
  if (/^\p{Nd}$/u.test(c)) UNICODE_DIGITS.push(c);
}

const asciiDigits = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: n, maxLength: n });

describe("isCodeShape (S12)", () => {
  it("S12 accepts exactly `digits` ASCII digits", () => {
    expect(isCodeShape("000000", 6)).toBe(true);
    expect(isCodeShape("123456", 6)).toBe(true);
    expect(isCodeShape("98765432", 8)).toBe(true);
  });

  it.each([
    ["full-width digits", "１２３４５６"],
    ["Arabic-Indic digits", "٠١٢٣٤٥"],
    ["Extended Arabic-Indic digits", "۰۱۲۳۴۵"],
    ["Devanagari digits", "०१२३४५"],
    ["Bengali digits", "০১২৩৪৫"],
    ["mathematical bold digits (surrogate pairs, UTF-16 length 6)", "𝟏𝟐𝟑"],
    ["superscript digits", "¹²³⁴⁵⁶"],
    ["one full-width digit among ASCII", "12345６"],
    ["a leading space", " 12345"],
    ["a trailing space", "12345 "],
    ["an inner space", "123 45"],
    ["a tab", "12345\t"],
    ["a newline", "12345\n"],
    ["a no-break space", "123\u00a045"],
    ["a plus sign", "+12345"],
    ["a minus sign", "-12345"],
    ["a decimal point", "1234.5"],
    ["an exponent", "1e5000"],
    ["hex", "0x1234"],
    ["letters", "abcdef"],
    ["a NUL", "12345\0"],
    ["a zero-width space", "12345\u200b"],
    ["the empty string", ""],
    ["too short", "12345"],
    ["overlong", "1234567"],
    ["far overlong", "1".repeat(10_000)],
  ])("S12 rejects %s", (_what, code) => {
    expect(isCodeShape(code, 6)).toBe(false);
  });

  it("S12 rejects a 6-digit code where 8 are configured, and an 8-digit code where 6 are", () => {
    expect(isCodeShape("123456", 8)).toBe(false);
    expect(isCodeShape("12345678", 6)).toBe(false);
  });

  it.each([
    ["a number", 123456],
    ["a bigint", 123456n],
    ["null", null],
    ["undefined", undefined],
    ["an array of digits", ["1", "2", "3", "4", "5", "6"]],
    ["a boxed string", Object("123456")],
    ["an object with toString", { toString: () => "123456" }],
  ])("S12 rejects a non-string: %s", (_what, code) => {
    expect(isCodeShape(code, 6)).toBe(false);
  });

  it("S12 property: any string is a code exactly when it matches ^[0-9]{digits}$", () => {
    for (const unit of ["grapheme", "binary", "binary-ascii"] as const) {
      fc.assert(
        fc.property(fc.string({ unit, maxLength: 10 }), fc.constantFrom(6, 8), (s, digits) => {
          expect(isCodeShape(s, digits)).toBe(new RegExp(`^[0-9]{${digits}}$`).test(s));
        }),
        { numRuns: 1000 },
      );
    }
  });

  it("S12 property: ASCII digits of the right length pass; swapping any one character for a non-ASCII-digit fails", () => {
    const notAsciiDigit = fc.string({ unit: "binary", minLength: 1, maxLength: 1 }).filter((c) => !/^[0-9]$/.test(c));
    fc.assert(
      fc.property(
        fc.constantFrom(6, 8).chain((d) => fc.tuple(fc.constant(d), asciiDigits(d), fc.nat(d - 1), notAsciiDigit)),
        ([d, code, at, bad]) => {
          expect(isCodeShape(code, d)).toBe(true);
          const broken = code.slice(0, at) + bad + code.slice(at + 1);
          expect(isCodeShape(broken, d)).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("S12 every one of the Unicode decimal digits outside ASCII fails, six in a row", () => {
    expect(UNICODE_DIGITS.length).toBeGreaterThan(600);
    for (const digit of UNICODE_DIGITS) expect(isCodeShape(digit.repeat(6), 6), `U+${digit.codePointAt(0)?.toString(16)}`).toBe(false);
  });

  it("S12 property: a Unicode decimal digit outside ASCII fails among ASCII digits", () => {
    const unicodeDigit = fc.constantFrom(...UNICODE_DIGITS);
    fc.assert(
      fc.property(asciiDigits(6), unicodeDigit, fc.nat(5), (code, digit, at) => {
        const mixed = code.slice(0, at) + digit + code.slice(at + 1);
        expect(isCodeShape(mixed, 6)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
