// otpauth:// URIs: round trip, the encoding authenticator apps expect, agreement with the otpauth library's parser,
// and a typed error with a stable code for every malformed URI.
import fc from "fast-check";
import * as OTPAuth from "otpauth";
import { describe, expect, it } from "vitest";
import { buildKeyUri, type KeyUriParams, MAX_KEY_URI_LENGTH, parseKeyUri, type ParsedKeyUri } from "./key-uri.js";
import { KeyUriError, OtpError, type KeyUriErrorCode } from "./otp.errors.js";
import type { OtpAlgorithm, OtpDigits } from "./otp.types.js";
import { decodeBase32, encodeBase32 } from "./secret.js";

const SECRET = decodeBase32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"); // 20 bytes, not a real credential
const B32 = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

function normalized(x: KeyUriParams): ParsedKeyUri {
  const { type, secret, issuer, accountName, algorithm, digits, image } = x;
  const base = { type, secret, issuer, accountName, algorithm, digits, ...(image === undefined ? {} : { image }) };
  return type === "totp" ? { ...base, period: x.period ?? 30 } : { ...base, counter: x.counter ?? 0 };
}

// Names as people type them: spaces, @, colons (account only), any Unicode; never padded with whitespace.
const nameArb = (allowColon: boolean): fc.Arbitrary<string> =>
  fc
    .string({
      unit: fc.oneof(
        fc.constantFrom(" ", "@", ":", "%", "&", "=", "?", "#", "/", "+"),
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
      ),
      minLength: 1,
      maxLength: 30,
    })
    .filter((s) => s.trim() === s && s.length > 0 && (allowColon || !s.includes(":")));

const inputArb: fc.Arbitrary<KeyUriParams> = fc
  .record({
    type: fc.constantFrom("totp" as const, "hotp" as const),
    secret: fc.integer({ min: 10, max: 64 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
    issuer: nameArb(false),
    accountName: nameArb(true),
    algorithm: fc.constantFrom<OtpAlgorithm>("SHA1", "SHA256", "SHA512"),
    digits: fc.constantFrom<OtpDigits>(6, 8),
    period: fc.option(fc.oneof(fc.constantFrom(30, 60), fc.integer({ min: 1, max: 86_400 })), { nil: undefined }),
    counter: fc.option(fc.oneof(fc.constant(0), fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)), { nil: undefined }),
    image: fc.option(fc.webUrl({ withQueryParameters: true, withFragments: true }), { nil: undefined }),
  })
  .map(({ period, counter, image, ...rest }) => ({
    ...rest,
    ...(rest.type === "totp" && period !== undefined ? { period } : {}),
    ...(rest.type === "hotp" && counter !== undefined ? { counter } : {}),
    ...(image === undefined ? {} : { image }),
  }));

describe("buildKeyUri → parseKeyUri", () => {
  it("round-trips every parameter (property)", () => {
    fc.assert(
      fc.property(inputArb, (x) => {
        expect(parseKeyUri(buildKeyUri(x))).toEqual(normalized(x));
      }),
      { numRuns: 500 },
    );
  });

  it("is read the same way by the otpauth library (property)", () => {
    fc.assert(
      fc.property(inputArb, (x) => {
        const peer = OTPAuth.URI.parse(buildKeyUri(x));
        expect(peer.issuer).toBe(x.issuer);
        expect(peer.label).toBe(x.accountName);
        expect(peer.secret.base32).toBe(encodeBase32(x.secret));
        expect(peer.algorithm).toBe(x.algorithm);
        expect(peer.digits).toBe(x.digits);
        if (peer instanceof OTPAuth.TOTP) expect(peer.period).toBe(x.period ?? 30);
        else expect(peer.counter).toBe(x.counter ?? 0);
      }),
      { numRuns: 300 },
    );
  });

  it("percent-encodes the label and puts the issuer in the label prefix and the issuer parameter", () => {
    expect(
      buildKeyUri({ type: "totp", secret: SECRET, issuer: "ACME Co", accountName: "alice@example.com", algorithm: "SHA1", digits: 6 }),
    ).toBe(`otpauth://totp/ACME%20Co:alice%40example.com?secret=${B32}&issuer=ACME%20Co`);
    expect(
      buildKeyUri({
        type: "totp",
        secret: SECRET,
        issuer: "Bänk",
        accountName: "zoë: token 2",
        algorithm: "SHA512",
        digits: 8,
        period: 60,
      }),
    ).toBe(`otpauth://totp/B%C3%A4nk:zo%C3%AB%3A%20token%202?secret=${B32}&issuer=B%C3%A4nk&algorithm=SHA512&digits=8&period=60`);
    expect(
      buildKeyUri({
        type: "hotp",
        secret: SECRET,
        issuer: "X",
        accountName: "y",
        algorithm: "SHA256",
        digits: 6,
        counter: 0,
        image: "https://x.test/a b.png",
      }),
    ).toBe(`otpauth://hotp/X:y?secret=${B32}&issuer=X&algorithm=SHA256&counter=0&image=https%3A%2F%2Fx.test%2Fa%20b.png`);
  });

  it("encodes a colon of the account name (a user id such as tenant:alice), leaving one literal colon: the issuer's", () => {
    const uri = buildKeyUri({
      type: "totp",
      secret: SECRET,
      issuer: "mfa-chain",
      accountName: "acme:alice (phone)",
      algorithm: "SHA1",
      digits: 6,
    });
    expect(uri).toBe(`otpauth://totp/mfa-chain:acme%3Aalice%20(phone)?secret=${B32}&issuer=mfa-chain`);
    const label = /^otpauth:\/\/totp\/([^?]*)\?/.exec(uri)?.[1] ?? "";
    expect(label.split(":")).toEqual(["mfa-chain", "acme%3Aalice%20(phone)"]);
    expect(parseKeyUri(uri)).toMatchObject({ issuer: "mfa-chain", accountName: "acme:alice (phone)" });
    const peer = OTPAuth.URI.parse(uri);
    expect([peer.issuer, peer.label]).toEqual(["mfa-chain", "acme:alice (phone)"]);
  });

  it("writes no literal colon in the account name part of the label (property)", () => {
    fc.assert(
      fc.property(inputArb, (x) => {
        const label = /^otpauth:\/\/[a-z]+\/([^?]*)\?/.exec(buildKeyUri(x))?.[1] ?? "";
        expect(label).toBe(`${encodeURIComponent(x.issuer)}:${encodeURIComponent(x.accountName)}`);
        expect(label.split(":")).toHaveLength(2);
      }),
      { numRuns: 300 },
    );
  });

  it("gives two factors of one user distinct labels", () => {
    const base = { type: "totp", secret: SECRET, issuer: "mfa-chain", algorithm: "SHA1", digits: 6 } as const;
    expect(buildKeyUri({ ...base, accountName: "alice (phone)" })).not.toBe(buildKeyUri({ ...base, accountName: "alice (tablet)" }));
  });

  it.each<[string, Partial<KeyUriParams>, KeyUriErrorCode]>([
    ["an issuer with a colon", { issuer: "A:B" }, "invalid_issuer"],
    ["an empty issuer", { issuer: "" }, "invalid_issuer"],
    ["an issuer padded with spaces", { issuer: " ACME" }, "invalid_issuer"],
    ["an empty account name", { accountName: "" }, "invalid_label"],
    ["a lone surrogate in the account name", { accountName: "x\uD800y" }, "invalid_label"],
    ["a lone surrogate in the issuer", { issuer: "\uDC00" }, "invalid_issuer"],
    ["an account name padded with spaces", { accountName: "alice " }, "invalid_label"],
    ["a 9-byte secret", { secret: new Uint8Array(9) }, "invalid_secret"],
    ["a 65-byte secret", { secret: new Uint8Array(65) }, "invalid_secret"],
    ["an unknown algorithm", { algorithm: "MD5" as OtpAlgorithm }, "invalid_algorithm"],
    ["7 digits", { digits: 7 as OtpDigits }, "invalid_digits"],
    ["a zero period", { period: 0 }, "invalid_period"],
    ["a fractional period", { period: 30.5 }, "invalid_period"],
    ["a counter on TOTP", { counter: 1 }, "unexpected_parameter"],
    ["an image that is not a URL", { image: "logo.png" }, "invalid_image"],
    ["a javascript: image", { image: "javascript:alert(1)" }, "invalid_image"],
    ["an unknown type", { type: "motp" as "totp" }, "unsupported_type"],
  ])("refuses to build with %s", (_, change, code) => {
    const input = {
      type: "totp",
      secret: SECRET,
      issuer: "ACME",
      accountName: "alice",
      algorithm: "SHA1",
      digits: 6,
      ...change,
    } as KeyUriParams;
    expect(() => buildKeyUri(input)).toThrow(expect.objectContaining({ name: "KeyUriError", code }));
  });

  it("refuses a period on HOTP and a negative counter", () => {
    const hotp = { type: "hotp", secret: SECRET, issuer: "ACME", accountName: "alice", algorithm: "SHA1", digits: 6 } as const;
    expect(() => buildKeyUri({ ...hotp, period: 30 })).toThrow(expect.objectContaining({ code: "unexpected_parameter" }));
    expect(() => buildKeyUri({ ...hotp, counter: -1 })).toThrow(expect.objectContaining({ code: "invalid_counter" }));
  });

  it("any input either round-trips or is refused with a KeyUriError (property)", () => {
    const loose = fc.record({
      type: fc.constantFrom("totp", "hotp", "x"),
      secret: fc.uint8Array({ maxLength: 80 }),
      issuer: fc.oneof(fc.string({ unit: "binary", maxLength: 12 }), fc.constantFrom("\uD800", "a:b", " a")),
      accountName: fc.oneof(fc.string({ unit: "binary", maxLength: 12 }), fc.constantFrom("\uDFFF", "a:b", "a ")),
      algorithm: fc.constantFrom("SHA1", "SHA256", "sha1", ""),
      digits: fc.constantFrom(6, 8, 7, 0),
    });
    fc.assert(
      fc.property(loose, (raw) => {
        const x = raw as unknown as KeyUriParams;
        let uri: string;
        try {
          uri = buildKeyUri(x);
        } catch (error) {
          expect(error).toBeInstanceOf(KeyUriError);
          return;
        }
        expect(parseKeyUri(uri)).toEqual(normalized(x));
      }),
      { numRuns: 500 },
    );
  });
});

describe("parseKeyUri", () => {
  it("reads the Key URI Format's own example, with every parameter", () => {
    expect(
      parseKeyUri(
        "otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
      ),
    ).toEqual({
      type: "totp",
      secret: decodeBase32("HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ"),
      issuer: "ACME Co",
      accountName: "john.doe@email.com",
      algorithm: "SHA1",
      digits: 6,
      period: 30,
    });
  });

  it.each<[string, string, Partial<ParsedKeyUri>]>([
    ["no issuer at all", `otpauth://totp/alice%40google.com?secret=${B32}`, { issuer: "", accountName: "alice@google.com" }],
    ["the issuer only in the label", `otpauth://totp/Example:alice?secret=${B32}`, { issuer: "Example", accountName: "alice" }],
    ["the issuer only as a parameter", `otpauth://totp/alice?secret=${B32}&issuer=Example`, { issuer: "Example", accountName: "alice" }],
    [
      "an encoded colon and a space after it",
      `otpauth://totp/Example%3A%20alice?secret=${B32}&issuer=Example`,
      { issuer: "Example", accountName: "alice" },
    ],
    ["a colon inside the account name", `otpauth://totp/Ex:a:b?secret=${B32}`, { issuer: "Ex", accountName: "a:b" }],
    ["a lower-case padded secret", `otpauth://totp/a?secret=jbswy3dpehpk3pxp`, { secret: decodeBase32("JBSWY3DPEHPK3PXP") }],
    [
      "8 digits, SHA256, 60 s",
      `otpauth://totp/a?secret=${B32}&digits=8&algorithm=SHA256&period=60`,
      { digits: 8, algorithm: "SHA256", period: 60 },
    ],
    ["an unusual period", `otpauth://totp/a?secret=${B32}&period=15`, { period: 15 }],
    ["HOTP with a counter", `otpauth://hotp/a?secret=${B32}&counter=9007199254740991`, { type: "hotp", counter: Number.MAX_SAFE_INTEGER }],
    ["an image", `otpauth://totp/a?secret=${B32}&image=https%3A%2F%2Fexample.com%2Flogo.png`, { image: "https://example.com/logo.png" }],
    ["unknown parameters (ignored)", `otpauth://totp/a?secret=${B32}&color=red&&foo`, { accountName: "a" }],
    ["an upper-case scheme", `OTPAUTH://TOTP/a?secret=${B32}`, { type: "totp" }],
  ])("accepts %s", (_, uri, expected) => {
    expect(parseKeyUri(uri)).toMatchObject(expected);
  });

  it("refuses an unknown parameter by name when asked to (a vault import), and still accepts the known ones", () => {
    const refuse = { unknownParameters: "refuse" } as const;
    let caught: unknown;
    try {
      parseKeyUri(`otpauth://totp/a?secret=${B32}&color=red`, refuse);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KeyUriError);
    expect((caught as KeyUriError).code).toBe("unknown_parameter");
    expect((caught as KeyUriError).message).toContain('"color"');
    expect(parseKeyUri(`otpauth://hotp/I:a?secret=${B32}&issuer=I&algorithm=SHA512&digits=8&counter=4`, refuse)).toMatchObject({
      issuer: "I",
      algorithm: "SHA512",
      digits: 8,
      counter: 4,
    });
  });

  it("leaves out period for HOTP and counter for TOTP", () => {
    expect(parseKeyUri(`otpauth://hotp/a?secret=${B32}&counter=3`)).not.toHaveProperty("period");
    expect(parseKeyUri(`otpauth://totp/a?secret=${B32}`)).not.toHaveProperty("counter");
  });

  it.each<[string, string, KeyUriErrorCode]>([
    ["a non-string", 42 as unknown as string, "invalid_uri"],
    ["plain text", "JBSWY3DPEHPK3PXP", "invalid_uri"],
    ["another scheme", `https://totp/a?secret=${B32}`, "invalid_scheme"],
    ["no //", `otpauth:totp/a?secret=${B32}`, "invalid_uri"],
    ["no label path", `otpauth://totp?secret=${B32}`, "invalid_uri"],
    ["a fragment", `otpauth://totp/a?secret=${B32}#x`, "invalid_uri"],
    ["an overlong URI", `otpauth://totp/a?secret=${B32}&x=${"a".repeat(MAX_KEY_URI_LENGTH)}`, "invalid_uri"],
    ["an unknown type", `otpauth://motp/a?secret=${B32}`, "unsupported_type"],
    ["an empty label", `otpauth://totp/?secret=${B32}`, "invalid_label"],
    ["an empty issuer prefix", `otpauth://totp/:alice?secret=${B32}`, "invalid_label"],
    ["an empty account after the prefix", `otpauth://totp/ACME:?secret=${B32}`, "invalid_label"],
    ["bad percent-encoding in the label", `otpauth://totp/a%E0%A4%A?secret=${B32}`, "invalid_encoding"],
    ["bad percent-encoding in a value", `otpauth://totp/a?secret=${B32}&issuer=%ZZ`, "invalid_encoding"],
    ["no secret", "otpauth://totp/a?issuer=ACME", "missing_secret"],
    ["an empty secret", "otpauth://totp/a?secret=", "missing_secret"],
    ["no query", "otpauth://totp/a", "missing_secret"],
    ["a secret with invalid base32", "otpauth://totp/a?secret=JBSWY3DPEHPK3PX1", "invalid_secret"],
    ["a secret with a space", "otpauth://totp/a?secret=JBSWY3DP%20EHPK3PXP", "invalid_secret"],
    ["a 5-byte secret", "otpauth://totp/a?secret=JBSWY3DP", "invalid_secret"],
    ["two secrets", `otpauth://totp/a?secret=${B32}&secret=${B32}`, "duplicate_parameter"],
    ["an unknown algorithm", `otpauth://totp/a?secret=${B32}&algorithm=MD5`, "invalid_algorithm"],
    ["SHA-1 spelled with a hyphen", `otpauth://totp/a?secret=${B32}&algorithm=SHA-1`, "invalid_algorithm"],
    ["7 digits", `otpauth://totp/a?secret=${B32}&digits=7`, "invalid_digits"],
    ["digits 6.0", `otpauth://totp/a?secret=${B32}&digits=6.0`, "invalid_digits"],
    ["a zero period", `otpauth://totp/a?secret=${B32}&period=0`, "invalid_period"],
    ["a negative period", `otpauth://totp/a?secret=${B32}&period=-30`, "invalid_period"],
    ["a fractional period", `otpauth://totp/a?secret=${B32}&period=30.5`, "invalid_period"],
    ["a period in words", `otpauth://totp/a?secret=${B32}&period=thirty`, "invalid_period"],
    ["HOTP without a counter", `otpauth://hotp/a?secret=${B32}`, "missing_counter"],
    ["a negative counter", `otpauth://hotp/a?secret=${B32}&counter=-1`, "invalid_counter"],
    ["a counter beyond 2^53", `otpauth://hotp/a?secret=${B32}&counter=9007199254740992`, "invalid_counter"],
    ["a counter on TOTP", `otpauth://totp/a?secret=${B32}&counter=1`, "unexpected_parameter"],
    ["a period on HOTP", `otpauth://hotp/a?secret=${B32}&counter=1&period=30`, "unexpected_parameter"],
    ["label and issuer disagreeing", `otpauth://totp/Evil:alice?secret=${B32}&issuer=Bank`, "issuer_mismatch"],
    ["an empty issuer parameter", `otpauth://totp/alice?secret=${B32}&issuer=`, "invalid_issuer"],
    ["an image that is not http(s)", `otpauth://totp/a?secret=${B32}&image=javascript%3Aalert(1)`, "invalid_image"],
  ])("refuses %s", (_, uri, code) => {
    let caught: unknown;
    try {
      parseKeyUri(uri);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KeyUriError);
    expect(caught).toBeInstanceOf(OtpError);
    expect((caught as KeyUriError).code).toBe(code);
    expect((caught as KeyUriError).message.length).toBeGreaterThan(5);
  });

  it("keeps the base32 error as the cause of invalid_secret", () => {
    expect(() => parseKeyUri("otpauth://totp/a?secret=AAAA-AAA")).toThrow(
      expect.objectContaining({
        code: "invalid_secret",
        cause: expect.objectContaining({ name: "Base32Error", code: "invalid_character" }),
      }),
    );
  });

  it("never throws anything but a KeyUriError on arbitrary strings (property)", () => {
    const prefixed = fc.oneof(
      fc.string(),
      fc.string().map((s) => `otpauth://${s}`),
      fc.string().map((s) => `otpauth://totp/a?${s}`),
    );
    fc.assert(
      fc.property(prefixed, (s) => {
        try {
          parseKeyUri(s);
        } catch (error) {
          expect(error).toBeInstanceOf(KeyUriError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
