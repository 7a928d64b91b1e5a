// Randomness arrives from outside: the domain never reaches for Math.random or node:crypto.
export interface RandomSource {
  /** A uniformly distributed integer in [0, maxExclusive). Must come from a CSPRNG in production. */
  nextInt(maxExclusive: number): number;
}
