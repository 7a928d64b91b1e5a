// The adapter object against the application's ports. The port types below are copied verbatim from
// @mfa-chain/application (this package may not import it): a drift in either breaks `pnpm typecheck`.
import { describe, expect, expectTypeOf, it } from "vitest";
import * as api from "./index.js";
import { NodeOtp, otp } from "./node-otp.js";
import { parseKeyUri } from "./key-uri.js";

type Instant = number;
type OtpAlgorithm = "SHA1" | "SHA256" | "SHA512";
type OtpDigits = 6 | 8;
type TotpPeriod = 30 | 60;
interface TotpVerifyInput {
  readonly secret: Uint8Array;
  readonly code: string;
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  readonly period: TotpPeriod;
  readonly window: 0 | 1;
  readonly now: Instant;
  readonly afterTimeStep: number | null;
}
interface HotpVerifyInput {
  readonly secret: Uint8Array;
  readonly code: string;
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  readonly counter: number;
  readonly lookAhead: number;
}
type OtpMatch =
  { readonly kind: "match"; readonly step: number } | { readonly kind: "replayed"; readonly step: number } | { readonly kind: "no_match" };
interface OtpVerifier {
  verifyTotp(input: TotpVerifyInput): OtpMatch;
  verifyHotp(input: HotpVerifyInput): OtpMatch;
}
interface KeyUriInput {
  readonly type: "totp" | "hotp";
  readonly secret: Uint8Array;
  readonly issuer: string;
  readonly accountName: string;
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  readonly period?: TotpPeriod;
  readonly counter?: number;
}
interface QrImages {
  readonly png: string;
  readonly svg: string;
}
interface OtpProvisioner {
  generateSecret(): Uint8Array;
  encodeSecret(secret: Uint8Array): string;
  keyUri(input: KeyUriInput): string;
  qrCode(uri: string): Promise<QrImages>;
}
interface OtpGenerator {
  generateTotp(secret: Uint8Array, now: Instant, options: { algorithm: OtpAlgorithm; digits: OtpDigits; period: TotpPeriod }): string;
  generateHotp(secret: Uint8Array, counter: number, options: { algorithm: OtpAlgorithm; digits: OtpDigits }): string;
}

describe("NodeOtp", () => {
  it("satisfies the application's ports structurally, both ways for the data types", () => {
    expectTypeOf(otp).toExtend<OtpVerifier & OtpProvisioner & OtpGenerator>();
    expectTypeOf(new NodeOtp()).toExtend<OtpVerifier & OtpProvisioner & OtpGenerator>();
    expectTypeOf<api.TotpVerifyInput>().toEqualTypeOf<TotpVerifyInput>();
    expectTypeOf<api.HotpVerifyInput>().toEqualTypeOf<HotpVerifyInput>();
    expectTypeOf<api.OtpMatch>().toEqualTypeOf<OtpMatch>();
    expectTypeOf<api.KeyUriInput>().toEqualTypeOf<KeyUriInput>();
    expectTypeOf<api.QrImages>().toEqualTypeOf<QrImages>();
    expectTypeOf<api.OtpAlgorithm>().toEqualTypeOf<OtpAlgorithm>();
    expectTypeOf<api.OtpDigits>().toEqualTypeOf<OtpDigits>();
    expectTypeOf<api.TotpPeriod>().toEqualTypeOf<TotpPeriod>();
  });

  it("enrolls and verifies end to end through the port methods, unbound", async () => {
    const { generateSecret, encodeSecret, keyUri, qrCode, verifyTotp, generateTotp } = otp;
    const secret = generateSecret();
    expect(secret.length).toBe(20);
    expect(encodeSecret(secret)).toMatch(/^[A-Z2-7]{32}$/);
    const uri = keyUri({
      type: "totp",
      secret,
      issuer: "mfa-chain",
      accountName: "alice (phone)",
      algorithm: "SHA1",
      digits: 6,
      period: 30,
    });
    expect(parseKeyUri(uri).secret).toEqual(secret);
    const images = await qrCode(uri);
    expect(images.png).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    expect(images.svg).toContain("<svg");
    const now = Date.UTC(2030, 0, 1, 12, 0, 10);
    const code = generateTotp(secret, now, { algorithm: "SHA1", digits: 6, period: 30 });
    const first = verifyTotp({ secret, code, algorithm: "SHA1", digits: 6, period: 30, window: 1, now, afterTimeStep: null });
    expect(first.kind).toBe("match");
    const step = first.kind === "match" ? first.step : null;
    expect(verifyTotp({ secret, code, algorithm: "SHA1", digits: 6, period: 30, window: 1, now, afterTimeStep: step }).kind).toBe(
      "replayed",
    );
  });

  it("verifies HOTP through the port", () => {
    const secret = otp.generateSecret();
    const code = otp.generateHotp(secret, 7, { algorithm: "SHA256", digits: 8 });
    expect(otp.verifyHotp({ secret, code, algorithm: "SHA256", digits: 8, counter: 5, lookAhead: 10 })).toEqual({ kind: "match", step: 7 });
  });

  it("exports the documented public API", () => {
    for (const name of [
      "generateSecret",
      "encodeBase32",
      "decodeBase32",
      "generateHotp",
      "generateTotp",
      "timeStepAt",
      "isAsciiDigits",
      "verifyTotp",
      "verifyHotp",
      "resyncHotp",
      "buildKeyUri",
      "parseKeyUri",
      "qrCode",
      "NodeOtp",
      "otp",
      "OtpError",
      "Base32Error",
      "KeyUriError",
    ]) {
      expect(api, name).toHaveProperty(name);
    }
  });
});
