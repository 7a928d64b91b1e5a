// TOTP verification: server-side window, order of steps, replay guard, shape check, refused configurations.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OtpAlgorithm, OtpDigits, OtpMatch, TotpPeriod, TotpVerifyInput } from "./otp.types.js";
import { generateSecret } from "./secret.js";
import { generateTotp, timeStepAt, verifyTotp } from "./totp.js";

const SECRET = new TextEncoder().encode("12345678901234567890"); // RFC 6238 test seed
const OPTIONS = { algorithm: "SHA1", digits: 6, period: 30 } as const;
const NOW = 1_700_000_012_345; // epoch ms, inside step 56_666_667
const STEP = 56_666_667;
const codeAt = (
  step: number,
  secret: Uint8Array = SECRET,
  options: typeof OPTIONS | Parameters<typeof generateTotp>[2] = OPTIONS,
): string => generateTotp(secret, step * options.period * 1000, options);
const input = (code: string, extra: Partial<TotpVerifyInput> = {}): TotpVerifyInput => ({
  secret: SECRET,
  code,
  ...OPTIONS,
  window: 1,
  now: NOW,
  afterTimeStep: null,
  ...extra,
});

/** The specification, written independently of the implementation: first step matching in order current, previous, next. */
function model(
  secret: Uint8Array,
  code: string,
  options: { algorithm: OtpAlgorithm; digits: OtpDigits; period: TotpPeriod },
  now: number,
  window: 0 | 1,
  after: number | null,
): OtpMatch {
  const current = Math.floor(now / 1000 / options.period);
  const order = window === 1 ? [current, current - 1, current + 1] : [current];
  for (const step of order) {
    if (step < 0) continue;
    if (generateTotp(secret, step * options.period * 1000, options) === code) {
      return after !== null && step <= after ? { kind: "replayed", step } : { kind: "match", step };
    }
  }
  return { kind: "no_match" };
}

const paramsArb = fc.record({
  secret: fc.integer({ min: 10, max: 64 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
  algorithm: fc.constantFrom<OtpAlgorithm>("SHA1", "SHA256", "SHA512"),
  digits: fc.constantFrom<OtpDigits>(6, 8),
  period: fc.constantFrom<TotpPeriod>(30, 60),
  window: fc.constantFrom<0 | 1>(0, 1),
  now: fc.integer({ min: 0, max: 4_102_444_800_000 }),
});

describe("timeStepAt", () => {
  it("is floor(seconds / period), exact at boundaries", () => {
    expect(timeStepAt(0, 30)).toBe(0);
    expect(timeStepAt(29_999, 30)).toBe(0);
    expect(timeStepAt(30_000, 30)).toBe(1);
    expect(timeStepAt(59_999, 60)).toBe(0);
    expect(timeStepAt(60_000, 60)).toBe(1);
    expect(timeStepAt(NOW, 30)).toBe(STEP);
    expect(timeStepAt(8_640_000_000_000_000, 30)).toBe(288_000_000_000); // the last instant a Date can hold
  });

  it("refuses negative or non-finite instants and non-positive periods", () => {
    expect(() => timeStepAt(-1, 30)).toThrow(RangeError);
    expect(() => timeStepAt(Number.NaN, 30)).toThrow(RangeError);
    expect(() => timeStepAt(0, 0)).toThrow(RangeError);
    expect(() => timeStepAt(0, 1.5)).toThrow(RangeError);
  });
});

describe("verifyTotp", () => {
  it("accepts the current step, and the previous and next with window 1 only", () => {
    expect(verifyTotp(input(codeAt(STEP)))).toEqual({ kind: "match", step: STEP });
    expect(verifyTotp(input(codeAt(STEP - 1)))).toEqual({ kind: "match", step: STEP - 1 });
    expect(verifyTotp(input(codeAt(STEP + 1)))).toEqual({ kind: "match", step: STEP + 1 });
    expect(verifyTotp(input(codeAt(STEP), { window: 0 }))).toEqual({ kind: "match", step: STEP });
    expect(verifyTotp(input(codeAt(STEP - 1), { window: 0 }))).toEqual({ kind: "no_match" });
    expect(verifyTotp(input(codeAt(STEP + 1), { window: 0 }))).toEqual({ kind: "no_match" });
    expect(verifyTotp(input(codeAt(STEP - 2)))).toEqual({ kind: "no_match" });
    expect(verifyTotp(input(codeAt(STEP + 2)))).toEqual({ kind: "no_match" });
  });

  it("refuses a window other than 0 or 1: the client can never widen it", () => {
    for (const window of [2, -1, 0.5, 100_000, Number.NaN, "1"]) {
      expect(() => verifyTotp(input("000000", { window: window as 0 }))).toThrow(RangeError);
    }
  });

  it("refuses unsupported periods, digits, algorithms, secrets and replay markers", () => {
    expect(() => verifyTotp(input("000000", { period: 45 as TotpPeriod }))).toThrow(RangeError);
    expect(() => verifyTotp(input("0000000", { digits: 7 as OtpDigits }))).toThrow(RangeError);
    expect(() => verifyTotp(input("000000", { algorithm: "MD5" as OtpAlgorithm }))).toThrow(RangeError);
    expect(() => verifyTotp(input("000000", { algorithm: "toString" as OtpAlgorithm }))).toThrow(RangeError);
    expect(() => verifyTotp(input("000000", { secret: new Uint8Array(9) }))).toThrow(RangeError);
    expect(() => verifyTotp(input("000000", { secret: "JBSWY3DPEHPK3PXP" as unknown as Uint8Array }))).toThrow(TypeError);
    expect(() => verifyTotp(input("000000", { afterTimeStep: -1 }))).toThrow(RangeError);
    expect(() => verifyTotp(input("000000", { afterTimeStep: 1.5 }))).toThrow(RangeError);
    expect(() => verifyTotp(input("000000", { now: -1 }))).toThrow(RangeError);
  });

  it("rejects codes of the wrong shape even when their digits are right", () => {
    const code = codeAt(STEP);
    const fullWidth = [...code].map((d) => String.fromCharCode(0xff10 + Number(d))).join("");
    for (const bad of [
      fullWidth,
      ` ${code}`,
      `${code} `,
      `+${code.slice(1)}`,
      code.slice(1),
      `${code}0`,
      "",
      `${code.slice(0, 3)} ${code.slice(3)}`,
    ]) {
      expect(verifyTotp(input(bad))).toEqual({ kind: "no_match" });
    }
  });

  it("returns replayed for a step at or before afterTimeStep, match after it", () => {
    const code = codeAt(STEP);
    expect(verifyTotp(input(code, { afterTimeStep: STEP }))).toEqual({ kind: "replayed", step: STEP });
    expect(verifyTotp(input(code, { afterTimeStep: STEP + 1 }))).toEqual({ kind: "replayed", step: STEP });
    expect(verifyTotp(input(code, { afterTimeStep: STEP - 1 }))).toEqual({ kind: "match", step: STEP });
    // A code of the previous step after the current one was used: older, so a replay too.
    expect(verifyTotp(input(codeAt(STEP - 1), { afterTimeStep: STEP }))).toEqual({ kind: "replayed", step: STEP - 1 });
    // The next step's code (clock ahead) is still fresh.
    expect(verifyTotp(input(codeAt(STEP + 1), { afterTimeStep: STEP }))).toEqual({ kind: "match", step: STEP + 1 });
    // A wrong code stays no_match whatever the marker.
    expect(verifyTotp(input(codeAt(STEP + 5), { afterTimeStep: STEP }))).toEqual({ kind: "no_match" });
  });

  it("one code is accepted once: feeding back the matched step turns every retry into replayed", () => {
    const code = codeAt(STEP);
    const first = verifyTotp(input(code));
    expect(first).toEqual({ kind: "match", step: STEP });
    const after = first.kind === "match" ? first.step : null;
    // Retried in the same step, in the next one (as "previous"), at any instant of the window.
    for (const now of [NOW, NOW + 5_000, (STEP + 1) * 30_000 + 29_999]) {
      expect(verifyTotp(input(code, { afterTimeStep: after, now }))).toEqual({ kind: "replayed", step: STEP });
    }
  });

  it("does not look at step -1 at the epoch", () => {
    expect(verifyTotp(input(codeAt(0), { now: 0 }))).toEqual({ kind: "match", step: 0 });
    expect(verifyTotp(input(codeAt(1), { now: 0 }))).toEqual({ kind: "match", step: 1 });
  });

  it("agrees with the specification model on random secrets, instants and offsets (property)", () => {
    fc.assert(
      fc.property(
        paramsArb,
        fc.integer({ min: -3, max: 3 }),
        fc.option(fc.integer({ min: -3, max: 2 }), { nil: null }),
        (p, offset, afterOffset) => {
          const options = { algorithm: p.algorithm, digits: p.digits, period: p.period };
          const current = timeStepAt(p.now, p.period);
          const step = Math.max(0, current + offset);
          const code = generateTotp(p.secret, step * p.period * 1000, options);
          const after = afterOffset === null ? null : Math.max(0, current + afterOffset);
          const result = verifyTotp({ secret: p.secret, code, ...options, window: p.window, now: p.now, afterTimeStep: after });
          expect(result).toEqual(model(p.secret, code, options, p.now, p.window, after));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("never accepts a step outside ±window (property)", () => {
    fc.assert(
      fc.property(paramsArb, fc.integer({ min: -5, max: 5 }), (p, offset) => {
        const options = { algorithm: p.algorithm, digits: p.digits, period: p.period };
        const current = timeStepAt(p.now, p.period);
        const code = generateTotp(p.secret, Math.max(0, current + offset) * p.period * 1000, options);
        const result = verifyTotp({ secret: p.secret, code, ...options, window: p.window, now: p.now, afterTimeStep: null });
        if (result.kind !== "no_match") {
          expect(Math.abs(result.step - current)).toBeLessThanOrEqual(p.window);
          expect(generateTotp(p.secret, result.step * p.period * 1000, options)).toBe(code);
        }
        if (Math.abs(offset) <= p.window && current + offset >= 0) expect(result.kind).toBe("match");
      }),
      { numRuns: 400 },
    );
  });

  it("never matches a step at or before afterTimeStep (property)", () => {
    fc.assert(
      fc.property(paramsArb, fc.integer({ min: -2, max: 1 }), fc.integer({ min: 0, max: 3 }), (p, afterOffset, back) => {
        const options = { algorithm: p.algorithm, digits: p.digits, period: p.period };
        const current = timeStepAt(p.now, p.period);
        const after = Math.max(0, current + afterOffset);
        const used = Math.max(0, after - back); // any step ≤ afterTimeStep
        const code = generateTotp(p.secret, used * p.period * 1000, options);
        const result = verifyTotp({ secret: p.secret, code, ...options, window: p.window, now: p.now, afterTimeStep: after });
        expect(result.kind === "match" && result.step <= after).toBe(false);
        // A match can only be a genuine later step that happens to share the code.
        if (result.kind === "match") expect(generateTotp(p.secret, result.step * p.period * 1000, options)).toBe(code);
        if (result.kind === "replayed") expect(result.step).toBeLessThanOrEqual(after);
      }),
      { numRuns: 400 },
    );
  });

  it("works for freshly generated secrets with every option", () => {
    for (const algorithm of ["SHA1", "SHA256", "SHA512"] as const) {
      for (const digits of [6, 8] as const) {
        for (const period of [30, 60] as const) {
          const secret = generateSecret();
          const code = generateTotp(secret, NOW, { algorithm, digits, period });
          expect(code).toMatch(new RegExp(`^[0-9]{${digits}}$`));
          const result = verifyTotp({ secret, code, algorithm, digits, period, window: 0, now: NOW, afterTimeStep: null });
          expect(result).toEqual({ kind: "match", step: timeStepAt(NOW, period) });
        }
      }
    }
  });
});
