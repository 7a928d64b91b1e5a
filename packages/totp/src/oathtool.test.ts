// Agreement with an independent implementation: Debian's oathtool (OATH Toolkit). On ≥1,000 random cases, codes
// oathtool generates verify with ours (at the right step/counter), and the codes we generate equal oathtool's.
import { execFile } from "node:child_process";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { generateHotp, verifyHotp } from "./hotp.js";
import type { OtpAlgorithm, OtpDigits, TotpPeriod } from "./otp.types.js";
import { generateTotp, timeStepAt, verifyTotp } from "./totp.js";

const run = promisify(execFile);
const SEED = Number(process.env.OATHTOOL_SEED ?? 20240917);
const CASES = 1200;

type Case =
  | { kind: "totp"; secret: Uint8Array; algorithm: OtpAlgorithm; digits: OtpDigits; period: TotpPeriod; nowMs: number }
  | { kind: "hotp"; secret: Uint8Array; algorithm: "SHA1"; digits: OtpDigits; counter: number };

// Lengths uniform over 10…64 (fc.uint8Array alone favours short arrays).
const secretArb = fc.integer({ min: 10, max: 64 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
const digitsArb = fc.constantFrom<OtpDigits>(6, 8);
const caseArb: fc.Arbitrary<Case> = fc.oneof(
  fc.record({
    kind: fc.constant("totp" as const),
    secret: secretArb,
    algorithm: fc.constantFrom<OtpAlgorithm>("SHA1", "SHA256", "SHA512"),
    digits: digitsArb,
    period: fc.constantFrom<TotpPeriod>(30, 60),
    // Any instant up to the year 2286, millisecond precision.
    nowMs: fc.integer({ min: 0, max: 9_999_999_999_999 }),
  }),
  // oathtool's HOTP mode is SHA1 (RFC 4226); SHA256/512 counters are covered by the TOTP cases (TOTP = HOTP(step)).
  fc.record({
    kind: fc.constant("hotp" as const),
    secret: secretArb,
    algorithm: fc.constant("SHA1" as const),
    digits: digitsArb,
    counter: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.constant(2 ** 53 - 10)),
  }),
);

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** oathtool's codes for three consecutive steps/counters starting at the case's own (`-w 2`). */
async function oathtoolCodes(c: Case): Promise<string[]> {
  const args =
    c.kind === "totp"
      ? [
          `--totp=${c.algorithm}`,
          "-d",
          String(c.digits),
          "-s",
          `${c.period}s`,
          "-N",
          `@${Math.floor(c.nowMs / 1000)}`,
          "-w",
          "2",
          hex(c.secret),
        ]
      : ["--hotp", "-d", String(c.digits), "-c", String(c.counter), "-w", "2", hex(c.secret)];
  const { stdout } = await run("oathtool", args);
  return stdout.trim().split("\n");
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

describe(`oathtool agreement (${CASES} random cases, seed ${SEED})`, () => {
  const cases = fc.sample(caseArb, { seed: SEED, numRuns: CASES });
  let peer: string[][] = [];

  beforeAll(async () => {
    try {
      await run("oathtool", ["--version"]);
    } catch (error) {
      throw new Error(
        "oathtool is required for these tests and was not found: install the Debian package `oathtool` (apt-get install -y oathtool)",
        { cause: error },
      );
    }
    peer = await mapLimited(cases, availableParallelism() * 2, oathtoolCodes);
  }, 60_000);

  it("covers every algorithm, both digit counts, both periods and HOTP", () => {
    const totp = cases.filter((c) => c.kind === "totp");
    expect(new Set(totp.map((c) => c.algorithm))).toEqual(new Set(["SHA1", "SHA256", "SHA512"]));
    expect(new Set(cases.map((c) => c.digits))).toEqual(new Set([6, 8]));
    expect(new Set(totp.map((c) => c.period))).toEqual(new Set([30, 60]));
    expect(cases.filter((c) => c.kind === "hotp").length).toBeGreaterThan(100);
    expect(new Set(cases.map((c) => c.secret.length)).size).toBeGreaterThan(50);
  });

  it("oathtool's codes verify with ours at the right step, and ours equal oathtool's", () => {
    let compared = 0;
    cases.forEach((c, i) => {
      const codes = peer[i] ?? [];
      expect(codes, `case ${i}`).toHaveLength(3);
      const label = `case ${i}: ${JSON.stringify({ ...c, secret: hex(c.secret) })}`;
      if (c.kind === "totp") {
        const step = timeStepAt(c.nowMs, c.period);
        const options = { algorithm: c.algorithm, digits: c.digits, period: c.period };
        codes.forEach((code, k) => {
          // Ours → equals oathtool's, at now, now + 1 period, now + 2 periods.
          expect(generateTotp(c.secret, c.nowMs + k * c.period * 1000, options), label).toBe(code);
        });
        // oathtool's → verifies with ours; from one step later, the three codes are previous, current, next.
        const later = c.nowMs + c.period * 1000;
        codes.forEach((code, k) => {
          const result = verifyTotp({ secret: c.secret, code, ...options, window: 1, now: later, afterTimeStep: null });
          expect(result, label).toEqual({ kind: "match", step: step + k });
        });
        expect(
          verifyTotp({ secret: c.secret, code: codes[0] as string, ...options, window: 0, now: c.nowMs, afterTimeStep: null }),
          label,
        ).toEqual({ kind: "match", step });
      } else {
        const options = { algorithm: c.algorithm, digits: c.digits };
        codes.forEach((code, k) => {
          expect(generateHotp(c.secret, c.counter + k, options), label).toBe(code);
          expect(verifyHotp({ secret: c.secret, code, ...options, counter: c.counter, lookAhead: 2 }), label).toEqual({
            kind: "match",
            step: c.counter + k,
          });
        });
      }
      compared += codes.length;
    });
    expect(compared).toBe(CASES * 3);
  });
});
