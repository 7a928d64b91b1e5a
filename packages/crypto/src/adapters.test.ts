import { describe, expect, it } from "vitest";
import { CryptoRandomSource } from "./crypto-random-source.js";
import { RandomIdGenerator } from "./random-id-generator.js";
import { SystemClock } from "./system-clock.js";

describe("SystemClock", () => {
  it("reads the server time in epoch milliseconds", () => {
    const before = Date.now();
    const now = new SystemClock().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe("CryptoRandomSource", () => {
  const random = new CryptoRandomSource();

  it("draws integers in [0, max)", () => {
    for (const max of [1, 2, 3, 7, 1000, 2 ** 32, 2 ** 48 - 1]) {
      for (let i = 0; i < 50; i++) {
        const n = random.nextInt(max);
        expect(Number.isInteger(n) && n >= 0 && n < max).toBe(true);
      }
    }
  });

  it("covers every value of a small range roughly evenly", () => {
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) {
      const n = random.nextInt(6);
      counts[n] = (counts[n] ?? 0) + 1;
    }
    // Each bucket expects 1000 with a standard deviation of ~29: ±250 is far outside chance.
    for (const c of counts) {
      expect(c).toBeGreaterThan(750);
      expect(c).toBeLessThan(1250);
    }
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 48, Infinity])("refuses max %s", (max) => {
    expect(() => random.nextInt(max)).toThrow(RangeError);
  });
});

describe("RandomIdGenerator", () => {
  it("makes 192-bit base64url ids, all distinct", () => {
    const ids = new RandomIdGenerator();
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = ids.newId();
      expect(id).toMatch(/^[A-Za-z0-9_-]{32}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(1000);
  });

  it("refuses fewer than 128 bits", () => {
    expect(() => new RandomIdGenerator(15)).toThrow(RangeError);
    expect(new RandomIdGenerator(16).newId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
