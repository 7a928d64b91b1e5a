import { describe, expect, it } from "vitest";
import { noRandomness, ScriptedRandom, SeededRandom } from "./seeded-random.js";

describe("SeededRandom", () => {
  it("replays the same sequence for the same seed, and another for another seed", () => {
    const draw = (seed: number) => {
      const r = new SeededRandom(seed);
      return Array.from({ length: 20 }, () => r.nextInt(1000));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it("stays in [0, max) for every bound, including 1 and 2^32", () => {
    const r = new SeededRandom(1);
    for (const max of [1, 2, 3, 7, 1000, 2 ** 31 + 1, 2 ** 32]) {
      for (let i = 0; i < 200; i++) {
        const v = r.nextInt(max);
        expect(Number.isInteger(v) && v >= 0 && v < max).toBe(true);
      }
    }
  });

  it("rejects the top partial block instead of folding it (no modulo bias)", () => {
    // With max = 2^31 + 1 only words below 2^31 + 1 are kept: about half the words are drawn again.
    const r = new SeededRandom(3);
    for (let i = 0; i < 1000; i++) r.nextInt(2 ** 31 + 1);
    expect(r.draws).toBeGreaterThan(1700);
    const fair = new SeededRandom(3);
    for (let i = 0; i < 1000; i++) fair.nextInt(2 ** 31);
    expect(fair.draws).toBe(1000);
  });

  it("refuses bounds that are not integers in [1, 2^32]", () => {
    const r = new SeededRandom();
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 32 + 1]) expect(() => r.nextInt(bad)).toThrow(RangeError);
  });
});

describe("ScriptedRandom and noRandomness", () => {
  it("replays its script, checks each value against the bound, and fails when exhausted", () => {
    const r = new ScriptedRandom([2, 0]);
    expect(r.nextInt(3)).toBe(2);
    expect(r.used).toBe(1);
    expect(() => r.nextInt(0)).toThrow(RangeError);
    expect(r.nextInt(1)).toBe(0);
    expect(() => r.nextInt(5)).toThrow(/exhausted after 2 draws/);
    expect(() => new ScriptedRandom([3]).nextInt(3)).toThrow(/outside \[0, 3\)/);
  });

  it("noRandomness throws on any use", () => {
    expect(() => noRandomness.nextInt(2)).toThrow(/unexpected call/);
  });
});
