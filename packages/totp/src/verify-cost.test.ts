// How much work a check does: no HMAC for a malformed code, one per step/counter searched, nothing more.
import * as nodeCrypto from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { generateHotp, verifyHotp } from "./hotp.js";
import { generateTotp, verifyTotp } from "./totp.js";

vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof nodeCrypto>();
  // Records the counter of every HMAC message, so the order in which steps are tried can be asserted.
  const createHmac = vi.fn((algorithm: string, key: nodeCrypto.BinaryLike) => {
    const hmac = actual.createHmac(algorithm, key);
    const update = hmac.update.bind(hmac);
    hmac.update = ((data: Buffer) => {
      counters.push(Number(Buffer.from(data).readBigUInt64BE()));
      return update(data);
    }) as typeof hmac.update;
    return hmac;
  });
  return { ...actual, createHmac, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});
const counters: number[] = vi.hoisted(() => []);

const createHmac = vi.mocked(nodeCrypto.createHmac);
const timingSafeEqual = vi.mocked(nodeCrypto.timingSafeEqual);
const SECRET = new TextEncoder().encode("12345678901234567890");
const NOW = 1_700_000_012_345;
const totp = (code: string, window: 0 | 1) =>
  verifyTotp({ secret: SECRET, code, algorithm: "SHA1", digits: 6, period: 30, window, now: NOW, afterTimeStep: null });

beforeEach(() => {
  counters.length = 0;
  createHmac.mockClear();
  timingSafeEqual.mockClear();
});

describe("verification cost", () => {
  it("computes no HMAC for a malformed code", () => {
    for (const bad of ["１２３４５６", "12345", "1234567", "", " 12345", "abcdef"]) {
      expect(totp(bad, 1)).toEqual({ kind: "no_match" });
      expect(verifyHotp({ secret: SECRET, code: bad, algorithm: "SHA1", digits: 6, counter: 0, lookAhead: 10 })).toEqual({
        kind: "no_match",
      });
    }
    expect(createHmac).not.toHaveBeenCalled();
  });

  it("computes one HMAC per step: 3 for a wrong code with window 1, 1 with window 0", () => {
    const wrong = generateTotp(SECRET, NOW + 10 * 30_000, { algorithm: "SHA1", digits: 6, period: 30 });
    createHmac.mockClear(); // generation goes through otplib, not node:crypto; only count verification
    expect(totp(wrong, 1)).toEqual({ kind: "no_match" });
    expect(createHmac).toHaveBeenCalledTimes(3);
    createHmac.mockClear();
    expect(totp(wrong, 0)).toEqual({ kind: "no_match" });
    expect(createHmac).toHaveBeenCalledTimes(1);
  });

  it("tries the steps in the order current, previous, next", () => {
    const step = Math.floor(NOW / 30_000);
    totp("000000", 1);
    expect(counters).toEqual([step, step - 1, step + 1]);
  });

  it("compares with timingSafeEqual on equal-length buffers", () => {
    totp("000000", 1);
    expect(timingSafeEqual).toHaveBeenCalledTimes(3);
    for (const [a, b] of timingSafeEqual.mock.calls) expect((a as Buffer).length).toBe((b as Buffer).length);
  });

  it("searches exactly lookAhead + 1 counters for a wrong HOTP code", () => {
    const wrong = generateHotp(SECRET, 500, { algorithm: "SHA1", digits: 6 });
    createHmac.mockClear();
    expect(verifyHotp({ secret: SECRET, code: wrong, algorithm: "SHA1", digits: 6, counter: 0, lookAhead: 10 })).toEqual({
      kind: "no_match",
    });
    expect(createHmac).toHaveBeenCalledTimes(11);
  });
});
