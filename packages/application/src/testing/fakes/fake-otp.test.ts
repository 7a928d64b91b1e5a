import { describe, expect, it } from "vitest";
import { TEST_EPOCH } from "@mfa-chain/domain/testing";
import { codeNotIn, FakeOtp, fakeOtpCode } from "./fake-otp.js";

const SECRET = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
const base = { secret: SECRET, algorithm: "SHA1", digits: 6, period: 30 } as const;

describe("FakeOtp", () => {
  it("derives stable codes of the right length that change with step, secret, digits and algorithm", () => {
    const otp = new FakeOtp();
    const c = otp.codeOfStep(SECRET, 1000);
    expect(c).toMatch(/^[0-9]{6}$/);
    expect(otp.codeOfStep(SECRET, 1000)).toBe(c);
    expect(otp.codeOfStep(SECRET, 1001)).not.toBe(c);
    expect(
      otp.codeOfStep(
        Uint8Array.from(SECRET, (b) => b ^ 1),
        1000,
      ),
    ).not.toBe(c);
    expect(otp.codeOfStep(SECRET, 1000, { algorithm: "SHA256" })).not.toBe(c);
    expect(otp.codeOfStep(SECRET, 1000, { digits: 8 })).toMatch(/^[0-9]{8}$/);
    // Hex-encoded secrets give the same codes as the bytes.
    expect(otp.codeOfStep(otp.encodeSecret(SECRET), 1000)).toBe(c);
  });

  it("spreads codes over steps (few collisions among 2000 consecutive steps)", () => {
    const codes = new Set(Array.from({ length: 2000 }, (_, s) => fakeOtpCode(SECRET, s)));
    expect(codes.size).toBeGreaterThan(1990);
  });

  it("verifyTotp honours window 0/±1 and reports steps at or before afterTimeStep as replayed", () => {
    const otp = new FakeOtp();
    const now = TEST_EPOCH;
    const t = otp.timeStep(now);
    const at = (step: number) => otp.codeOfStep(SECRET, step);
    const v = (code: string, window: 0 | 1, afterTimeStep: number | null = null) =>
      otp.verifyTotp({ ...base, code, window, now, afterTimeStep });
    expect(v(at(t), 0)).toEqual({ kind: "match", step: t });
    expect(v(at(t - 1), 0)).toEqual({ kind: "no_match" });
    expect(v(at(t - 1), 1)).toEqual({ kind: "match", step: t - 1 });
    expect(v(at(t + 1), 1)).toEqual({ kind: "match", step: t + 1 });
    expect(v(at(t - 2), 1)).toEqual({ kind: "no_match" });
    expect(v(at(t), 1, t)).toEqual({ kind: "replayed", step: t });
    expect(v(at(t + 1), 1, t)).toEqual({ kind: "match", step: t + 1 });
    expect(v(otp.wrongCodeAt(SECRET, now), 1)).toEqual({ kind: "no_match" });
    expect(() => otp.verifyTotp({ ...base, code: at(t), window: 2 as 1, now, afterTimeStep: null })).toThrow(RangeError);
  });

  it("verifyTotp refuses anything but exactly `digits` ASCII digits", () => {
    const otp = new FakeOtp();
    const code = otp.codeAt(SECRET, TEST_EPOCH);
    const fullWidth = [...code].map((d) => String.fromCharCode(0xff10 + Number(d))).join("");
    for (const bad of [fullWidth, ` ${code}`, `${code}0`, code.slice(1), ""]) {
      expect(otp.verifyTotp({ ...base, code: bad, window: 1, now: TEST_EPOCH, afterTimeStep: null })).toEqual({ kind: "no_match" });
    }
  });

  it("verifyHotp searches counter … counter + lookAhead and returns the matched counter", () => {
    const otp = new FakeOtp();
    const v = (c: number, counter: number, lookAhead: number) =>
      otp.verifyHotp({ secret: SECRET, code: otp.hotpCode(SECRET, c), algorithm: "SHA1", digits: 6, counter, lookAhead });
    expect(v(5, 5, 0)).toEqual({ kind: "match", step: 5 });
    expect(v(15, 5, 10)).toEqual({ kind: "match", step: 15 });
    expect(v(16, 5, 10)).toEqual({ kind: "no_match" });
    expect(v(4, 5, 10)).toEqual({ kind: "no_match" });
    expect(() => v(5, 5, -1)).toThrow(RangeError);
  });

  it("records every call with a copy of the secret, and its assertion helpers can fail", () => {
    const otp = new FakeOtp();
    otp.assertNoVerification();
    const secret = new Uint8Array(SECRET);
    otp.verifyHotp({ secret, code: "123456", algorithm: "SHA1", digits: 6, counter: 0, lookAhead: 1 });
    secret.fill(0);
    expect(otp.verifications).toHaveLength(1);
    expect(otp.verifications[0]?.secretHex).toBe(otp.encodeSecret(SECRET));
    expect(() => otp.assertNoVerification()).toThrow(/expected no code check/);
    expect(() => otp.assertNoVerification("123456")).toThrow();
    otp.assertNoVerification("654321");
    otp.assertVerificationCount(1);
    expect(() => otp.assertVerificationCount(0)).toThrow();
    otp.clearCalls();
    otp.assertNoVerification();
  });

  it("hands out reproducible 20-byte secrets and round-trips them through encodeSecret/decodeSecret", () => {
    const a = new FakeOtp(7);
    const b = new FakeOtp(7);
    const s1 = a.generateSecret();
    expect(s1).toHaveLength(20);
    expect(b.generateSecret()).toEqual(s1);
    expect(a.generateSecret()).not.toEqual(s1);
    expect(FakeOtp.decodeSecret(a.encodeSecret(s1))).toEqual(s1);
    expect(a.generatedSecrets).toHaveLength(2);
  });

  it("builds a key URI with the issuer and account name, and fixed QR images", async () => {
    const otp = new FakeOtp();
    const uri = otp.keyUri({
      type: "totp",
      secret: SECRET,
      issuer: "Acme",
      accountName: "alice (Token 1)",
      algorithm: "SHA1",
      digits: 6,
      period: 30,
    });
    expect(decodeURIComponent(uri)).toContain("Acme:alice (Token 1)");
    expect(uri).toContain(`secret=${otp.encodeSecret(SECRET)}`);
    const qr = await otp.qrCode(uri);
    expect(qr.png).toMatch(/^data:image\/png;base64,/);
    expect(qr.svg).toContain("<svg");
  });

  it("codeNotIn avoids every listed code", () => {
    const avoid = Array.from({ length: 50 }, (_, i) => String((123_457 * (i + 1)) % 1_000_000).padStart(6, "0"));
    expect(avoid).not.toContain(codeNotIn(avoid));
  });
});
