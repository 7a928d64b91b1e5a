// S11: code comparison is constant-time. The comparison itself is node:crypto's timingSafeEqual over two buffers of
// the code's length, for every candidate step, whether the code is right, wrong in its first digit or in its last.
import * as nodeCrypto from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";

vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof nodeCrypto>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const { generateTotp, verifyTotp } = await import("./totp.js");
const spy = vi.mocked(nodeCrypto.timingSafeEqual);

const secret = new Uint8Array(20).map((_, i) => i + 1);
const now = Date.UTC(2026, 0, 1, 12, 0, 10);
const options = { algorithm: "SHA1", digits: 6, period: 30 } as const;

afterEach(() => spy.mockClear());

describe("S11 constant-time comparison", () => {
  it("S11 compares every candidate with timingSafeEqual over equal-length buffers, for right and wrong codes alike", () => {
    const right = generateTotp(secret, now, options);
    const wrongFirst = `${(Number(right[0]) + 1) % 10}${right.slice(1)}`;
    const wrongLast = `${right.slice(0, 5)}${(Number(right[5]) + 1) % 10}`;
    const calls: number[] = [];
    for (const code of [right, wrongFirst, wrongLast]) {
      spy.mockClear();
      verifyTotp({ secret, code, ...options, window: 1, now, afterTimeStep: null });
      for (const [a, b] of spy.mock.calls) {
        expect((a as Buffer).length).toBe(6);
        expect((b as Buffer).length).toBe(6);
      }
      calls.push(spy.mock.calls.length);
    }
    // A right code stops at its match (the answer reveals that anyway); a wrong one is compared with all three steps,
    // wherever its wrong digit is.
    expect(calls[0]).toBeGreaterThanOrEqual(1);
    expect(calls[1]).toBe(3);
    expect(calls[2]).toBe(3);
  });
});
