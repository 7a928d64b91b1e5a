// Deterministic random sources for tests: the domain's RandomSource port, reproducible from a seed.
import type { RandomSource } from "../index.js";

const TWO_32 = 2 ** 32;

function checkBound(maxExclusive: number): void {
  if (!Number.isSafeInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > TWO_32) {
    throw new RangeError(`nextInt: maxExclusive must be an integer in [1, 2^32], got ${maxExclusive}`);
  }
}

/**
 * mulberry32 over a 32-bit state. `nextInt` rejects the top partial block of the 2³² outputs, so every value in
 * [0, maxExclusive) is exactly equally likely (no modulo bias) — uniformity tests measure the shuffle, not the source.
 * Not cryptographic: tests only.
 */
export class SeededRandom implements RandomSource {
  private state: number;
  /** How many 32-bit words have been drawn so far (rejections included). */
  draws = 0;

  constructor(readonly seed: number = 0x5eed) {
    this.state = seed >>> 0;
  }

  /** The next raw 32-bit unsigned word. */
  nextUint32(): number {
    this.draws++;
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  nextInt(maxExclusive: number): number {
    checkBound(maxExclusive);
    // Largest multiple of maxExclusive that fits in 2^32: words at or above it would favour small results.
    const limit = TWO_32 - (TWO_32 % maxExclusive);
    for (;;) {
      const word = this.nextUint32();
      if (word < limit) return word % maxExclusive;
    }
  }
}

/**
 * Replays the given values in order (each must be in range for its call), then fails loudly: for tests that need one
 * exact draw, e.g. "the chain redrawn after a reset differs".
 */
export class ScriptedRandom implements RandomSource {
  private index = 0;
  constructor(private readonly values: readonly number[]) {}

  nextInt(maxExclusive: number): number {
    checkBound(maxExclusive);
    const value = this.values[this.index];
    if (value === undefined) throw new Error(`ScriptedRandom: script exhausted after ${this.index} draws`);
    if (!Number.isInteger(value) || value < 0 || value >= maxExclusive) {
      throw new RangeError(`ScriptedRandom: draw ${this.index} is ${value}, outside [0, ${maxExclusive})`);
    }
    this.index++;
    return value;
  }

  /** How many scripted values have been used. */
  get used(): number {
    return this.index;
  }
}

/** A source that must never be asked: proves a code path needs no randomness (e.g. a fixed chain's reset). */
export const noRandomness: RandomSource = {
  nextInt(maxExclusive: number): number {
    throw new Error(`unexpected call to RandomSource.nextInt(${maxExclusive})`);
  },
};
