// Uniform integers from the operating system's CSPRNG, for chain draws and anything else the domain randomises.
import { randomInt } from "node:crypto";
import type { RandomSource } from "@mfa-chain/domain";

/** crypto.randomInt's own limit: the range must be below 2^48. */
const MAX_RANGE = 2 ** 48 - 1;

export class CryptoRandomSource implements RandomSource {
  nextInt(maxExclusive: number): number {
    if (!Number.isSafeInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > MAX_RANGE) {
      throw new RangeError(`nextInt: maxExclusive must be an integer in [1, 2^48 - 1], got ${maxExclusive}`);
    }
    // randomInt rejects samples above the largest multiple of the range itself, so there is no modulo bias.
    return maxExclusive === 1 ? 0 : randomInt(maxExclusive);
  }
}
