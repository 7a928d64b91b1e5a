import { aPolicy, anAttempt, noRandomness, ScriptedRandom, SeededRandom, secondsAfter, TEST_EPOCH } from "../testing/index.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Policy } from "../policy/policy.js";
import type { RandomSource } from "../shared/random-source.port.js";
import { advance, currentFactor, drawChain, isExpired, possibleChainCount, reset, shuffledPrefix, startAttempt } from "./attempt.js";

const ids = (...xs: string[]) => new Set(xs);

function drawn(policy: Policy, confirmed: ReadonlySet<string>, random: RandomSource = noRandomness) {
  const r = drawChain(policy, confirmed, random);
  if (!r.ok) throw new Error(`expected a chain, got ${r.error.message}`);
  return r.value;
}

function missing(policy: Policy, confirmed: ReadonlySet<string>, random: RandomSource = noRandomness) {
  const r = drawChain(policy, confirmed, random);
  if (r.ok) throw new Error(`expected factors_not_enrolled, got chain ${r.value.chain.join(",")}`);
  return r.error;
}

/** Pearson's chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
}

/** Upper 0.001 tail of the chi-square distribution with 5 degrees of freedom. */
const CHI2_5DF_P001 = 20.515;

/** Counts how often each of the 6 orderings of 2 of 3 factors is drawn. */
function orderingCounts(random: RandomSource, draws: number): Map<string, number> {
  const policy = aPolicy().random().withTotpFactors(3).withSteps(2).build();
  const confirmed = ids("token_1", "token_2", "token_3");
  const counts = new Map<string, number>();
  for (let i = 0; i < draws; i++) {
    const key = drawn(policy, confirmed, random).chain.join(">");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Returns 0 with probability `bias`, otherwise defers to a fair source: a subtly broken CSPRNG adapter. */
class ZeroBiasedRandom implements RandomSource {
  constructor(
    private readonly fair: SeededRandom,
    private readonly bias: number,
  ) {}
  nextInt(maxExclusive: number): number {
    return this.fair.nextInt(1_000_000) < this.bias * 1_000_000 ? 0 : this.fair.nextInt(maxExclusive);
  }
}

describe("drawChain: fixed mode", () => {
  const fixed = aPolicy().fixed().withTotpFactors(4).withSteps(2).build();

  it("takes the first requiredSteps factors in policy order, without randomness", () => {
    const r = drawn(fixed, ids("token_4", "token_2", "token_1", "token_3"));
    expect(r.chain).toEqual(["token_1", "token_2"]);
    expect(r.eligible).toEqual(["token_1", "token_2", "token_3", "token_4"]);
  });

  it("needs only the required factors confirmed; the others only widen `eligible`", () => {
    expect(drawn(fixed, ids("token_1", "token_2"))).toEqual({ chain: ["token_1", "token_2"], eligible: ["token_1", "token_2"] });
  });

  it("names exactly the missing required factors when one is not confirmed", () => {
    const e = missing(fixed, ids("token_1", "token_3", "token_4"));
    expect(e.code).toBe("factors_not_enrolled");
    expect(e.missing).toEqual([{ id: "token_2", label: "Token 2", type: "totp" }]);
    expect(e.needed).toBe(1);
    expect(e.message).toBe('enroll and confirm "token_2" (Token 2) before starting');
  });

  it("names every missing required factor, in policy order", () => {
    const e = missing(fixed, ids("token_3"));
    expect(e.missing.map((f) => f.id)).toEqual(["token_1", "token_2"]);
    expect(e.needed).toBe(2);
  });

  it("ignores confirmed ids that are not factors of the policy", () => {
    expect(missing(fixed, ids("token_1", "phone")).missing.map((f) => f.id)).toEqual(["token_2"]);
  });
});

describe("drawChain: random mode", () => {
  const random3of4 = aPolicy().random().withTotpFactors(4).withSteps(3).build();

  it("with fewer confirmed than required, says how many more to enroll and among which factors", () => {
    const e = missing(random3of4, ids("token_2"));
    expect(e.code).toBe("factors_not_enrolled");
    expect(e.needed).toBe(2);
    expect(e.missing.map((f) => f.id)).toEqual(["token_1", "token_3", "token_4"]);
    expect(e.message).toBe(
      'enroll and confirm 2 more of "token_1" (Token 1), "token_3" (Token 3), "token_4" (Token 4) before starting (3 required, 1 confirmed)',
    );
  });

  it("with nothing confirmed, needs requiredSteps and lists every factor", () => {
    const e = missing(random3of4, ids());
    expect(e.needed).toBe(3);
    expect(e.missing).toHaveLength(4);
  });

  it("draws distinct factors only from the confirmed ones (property)", () => {
    const arb = fc.record({ n: fc.integer({ min: 1, max: 8 }), seed: fc.integer() }).chain(({ n, seed }) =>
      fc.record({
        n: fc.constant(n),
        seed: fc.constant(seed),
        steps: fc.integer({ min: 1, max: n }),
        confirmed: fc.subarray(Array.from({ length: n }, (_, i) => `token_${i + 1}`)),
        strangers: fc.subarray(["phone", "token_99"]),
      }),
    );
    fc.assert(
      fc.property(arb, ({ n, seed, steps, confirmed, strangers }) => {
        const policy = aPolicy().random().withTotpFactors(n).withSteps(steps).build();
        const r = drawChain(policy, new Set([...confirmed, ...strangers]), new SeededRandom(seed));
        if (confirmed.length < steps) {
          expect(r.ok).toBe(false);
          return;
        }
        if (!r.ok) throw new Error(r.error.message);
        expect(r.value.chain).toHaveLength(steps);
        expect(new Set(r.value.chain).size).toBe(steps);
        for (const id of r.value.chain) expect(confirmed).toContain(id);
        expect([...r.value.eligible].sort()).toEqual([...confirmed].sort());
      }),
      { numRuns: 300 },
    );
  });

  it("is uniform over orderings: 60,000 draws of 2 of 3 factors pass a chi-square test (5 df, p > 0.001)", () => {
    const counts = orderingCounts(new SeededRandom(20250101), 60_000);
    expect([...counts.keys()].sort()).toEqual([
      "token_1>token_2",
      "token_1>token_3",
      "token_2>token_1",
      "token_2>token_3",
      "token_3>token_1",
      "token_3>token_2",
    ]);
    expect(chiSquare([...counts.values()])).toBeLessThan(CHI2_5DF_P001);
  });

  it("the uniformity test is not vacuous: a source returning 0 a mere 3% more often fails it", () => {
    const counts = orderingCounts(new ZeroBiasedRandom(new SeededRandom(20250101), 0.03), 60_000);
    expect(counts.size).toBe(6);
    expect(chiSquare([...counts.values()])).toBeGreaterThan(CHI2_5DF_P001);
  });

  it("the uniformity test is not vacuous: a constant source (always 0) draws one ordering only", () => {
    const counts = orderingCounts({ nextInt: () => 0 }, 600);
    expect([...counts.entries()]).toEqual([["token_1>token_2", 600]]);
    expect(chiSquare([600, 0, 0, 0, 0, 0])).toBeGreaterThan(CHI2_5DF_P001);
  });
});

describe("possibleChainCount", () => {
  it("is 1 in fixed mode, and M!/(M-N)! ordered choices in random mode, as many as drawChain gives", () => {
    expect(possibleChainCount(aPolicy().withTotpFactors(3).withSteps(2).build())).toBe(1);
    expect(possibleChainCount(aPolicy().random().withTotpFactors(3).withSteps(2).build())).toBe(6);
    expect(possibleChainCount(aPolicy().random().withTotpFactors(4).withSteps(4).build())).toBe(24);
    expect(possibleChainCount(aPolicy().random().withTotpFactors(5).withSteps(1).build())).toBe(5);
    // Every ordering drawChain can give is counted: 6 distinct of 2 of 3 over many seeded draws.
    expect(orderingCounts(new SeededRandom(7), 600).size).toBe(6);
  });
});

describe("shuffledPrefix", () => {
  it("is a partial Fisher–Yates: draw i picks among the n−i items left", () => {
    const asked: number[] = [];
    const spy: RandomSource = {
      nextInt: (max) => {
        asked.push(max);
        return max - 1;
      },
    };
    // [a b c d e] → swap 0↔4 → [e b c d a] → swap 1↔4 → [e a c d b] → swap 2↔4 → [e a b d c]
    expect(shuffledPrefix(["a", "b", "c", "d", "e"], 3, spy)).toEqual(["e", "a", "b"]);
    expect(asked).toEqual([5, 4, 3]);
  });

  it("follows the draws it is given", () => {
    expect(shuffledPrefix(["a", "b", "c"], 3, new ScriptedRandom([1, 1, 0]))).toEqual(["b", "c", "a"]);
    expect(shuffledPrefix(["a", "b", "c"], 2, new ScriptedRandom([0, 0]))).toEqual(["a", "b"]);
  });

  it("does not modify its input", () => {
    const items = Object.freeze(["a", "b", "c"]);
    expect(shuffledPrefix(items, 3, new SeededRandom(7))).toHaveLength(3);
    expect(items).toEqual(["a", "b", "c"]);
  });

  it("is uniform over all 24 permutations of 4 items (chi-square, 23 df, p > 0.001)", () => {
    const random = new SeededRandom(42);
    const counts = new Map<string, number>();
    for (let i = 0; i < 48_000; i++) {
      const key = shuffledPrefix(["a", "b", "c", "d"], 4, random).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    expect(chiSquare([...counts.values()])).toBeLessThan(49.728); // chi-square 23 df, upper 0.001 tail
  });
});

describe("startAttempt", () => {
  const policy = aPolicy().random().withTotpFactors(3).withSteps(2).withId("p-7").withVersion(3).withAttemptTtlSeconds(120).build();

  it("starts at step 1 of a drawn chain, keeping the policy version and the eligible pool, expiring after the TTL", () => {
    const r = startAttempt(
      { id: "att-1", tenantId: "t1", userId: "u1", policy, confirmedFactorIds: ids("token_1", "token_2", "token_3"), now: TEST_EPOCH },
      new ScriptedRandom([2, 0]),
    );
    expect(r).toEqual({
      ok: true,
      value: {
        id: "att-1",
        tenantId: "t1",
        userId: "u1",
        policyId: "p-7",
        policyVersion: 3,
        chain: ["token_3", "token_2"],
        eligible: ["token_1", "token_2", "token_3"],
        cursor: 0,
        status: "active",
        createdAt: TEST_EPOCH,
        expiresAt: secondsAfter(120),
        completedAt: null,
        version: 1,
      },
    });
  });

  it("fails with factors_not_enrolled when the chain cannot be drawn", () => {
    const r = startAttempt(
      { id: "a", tenantId: "t", userId: "u", policy, confirmedFactorIds: ids("token_1"), now: TEST_EPOCH },
      new SeededRandom(),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: "factors_not_enrolled", needed: 1 });
  });

  it("expires exactly at expiresAt", () => {
    const attempt = anAttempt().for(policy).build();
    expect(isExpired(attempt, secondsAfter(119.999))).toBe(false);
    expect(isExpired(attempt, secondsAfter(120))).toBe(true);
  });
});

describe("cursor: currentFactor, advance, reset", () => {
  const fixed = aPolicy().withTotpFactors(3).withSteps(3).build();

  it("currentFactor is the factor at the cursor, and null once complete", () => {
    const attempt = anAttempt().for(fixed).atCursor(1).build();
    expect(currentFactor(attempt, fixed)?.id).toBe("token_2");
    expect(currentFactor(anAttempt().for(fixed).completed().build(), fixed)).toBeNull();
  });

  it("currentFactor throws on a chain naming a factor the policy does not have (a broken invariant)", () => {
    const attempt = anAttempt().for(fixed).withChain(["gone"]).build();
    expect(() => currentFactor(attempt, fixed)).toThrow(/factor "gone" missing from policy version 1/);
  });

  it("advance moves one step and completes after the last, bumping the version each time", () => {
    let attempt = anAttempt().for(fixed).build();
    attempt = advance(attempt, secondsAfter(1));
    expect(attempt).toMatchObject({ cursor: 1, status: "active", completedAt: null, version: 2 });
    attempt = advance(advance(attempt, secondsAfter(2)), secondsAfter(3));
    expect(attempt).toMatchObject({ cursor: 3, status: "completed", completedAt: secondsAfter(3), version: 4 });
  });

  it("reset in fixed mode returns to step 1 of the same chain and needs no randomness", () => {
    const attempt = anAttempt().for(fixed).atCursor(2).build();
    const after = reset(attempt, fixed, noRandomness);
    expect(after).toMatchObject({ chain: attempt.chain, cursor: 0, version: attempt.version + 1 });
  });

  it("reset in random mode draws a fresh chain from `eligible` only", () => {
    const policy = aPolicy().random().withTotpFactors(4).withSteps(2).build();
    const attempt = anAttempt()
      .for(policy)
      .withConfirmed(["token_1", "token_2", "token_4"])
      .withRandom(new ScriptedRandom([0, 0]))
      .build();
    expect(attempt.chain).toEqual(["token_1", "token_2"]);
    // eligible [1 2 4] → swap 0↔2 → [4 2 1] → swap 1↔2 → [4 1 2]
    const after = reset({ ...attempt, cursor: 1 }, policy, new ScriptedRandom([2, 1]));
    expect(after).toMatchObject({ chain: ["token_4", "token_1"], cursor: 0, eligible: ["token_1", "token_2", "token_4"] });
  });
});
