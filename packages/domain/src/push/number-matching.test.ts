import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ScriptedRandom, SeededRandom, secondsAfter, TEST_EPOCH } from "../testing/index.js";
import {
  arePushChoicesFor,
  drawPushChoices,
  drawPushNumber,
  isPushFailure,
  judgePushAnswer,
  type PushAnswerFacts,
  type PushAnswerOutcome,
} from "./number-matching.js";
import { pushChallengeExpiresAt } from "./push-timing.js";

describe("number matching (S17)", () => {
  it("draws two-digit numbers 10–99, every one reachable", () => {
    expect(drawPushNumber(new ScriptedRandom([0]))).toBe(10);
    expect(drawPushNumber(new ScriptedRandom([89]))).toBe(99);
    const random = new SeededRandom(7);
    const seen = new Set<number>();
    for (let i = 0; i < 3000; i++) seen.add(drawPushNumber(random));
    expect(seen.size).toBe(90);
    expect(Math.min(...seen)).toBe(10);
    expect(Math.max(...seen)).toBe(99);
  });

  it("offers three distinct numbers, exactly one of them right (any seed, any number)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 10, max: 99 }), fc.integer(), (number, seed) => {
        const choices = drawPushChoices(number, new SeededRandom(seed));
        expect(arePushChoicesFor(choices, number)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("skips taken numbers when drawing decoys: the last free number is reachable", () => {
    // 89 free after 99 is taken: the 89th (index 88) is 98; then 88 free: index 87 skips 98 and 99 → 97.
    expect(drawPushChoices(99, new ScriptedRandom([88, 87, 0]))).toEqual([99, 98, 97]);
    expect(drawPushChoices(10, new ScriptedRandom([0, 0, 2]))).toEqual([11, 12, 10]);
  });

  it("puts the right number in each position equally often, and decoys uniformly", () => {
    const random = new SeededRandom(42);
    const positions = [0, 0, 0];
    const decoys = new Map<number, number>();
    const runs = 9000;
    for (let i = 0; i < runs; i++) {
      const choices = drawPushChoices(50, random);
      positions[choices.indexOf(50)]! += 1;
      for (const c of choices) if (c !== 50) decoys.set(c, (decoys.get(c) ?? 0) + 1);
    }
    // 3000 expected per position, σ ≈ 45.
    for (const p of positions) expect(Math.abs(p - runs / 3)).toBeLessThan(250);
    // 18000 decoys over 89 numbers: ≈ 202 each, σ ≈ 14.
    expect(decoys.size).toBe(89);
    for (const count of decoys.values()) expect(Math.abs(count - (2 * runs) / 89)).toBeLessThan(80);
  });

  it("refuses to draw choices for a number outside 10–99", () => {
    expect(() => drawPushChoices(9, new SeededRandom())).toThrow(RangeError);
    expect(() => drawPushChoices(100, new SeededRandom())).toThrow(RangeError);
  });

  it("knows a valid set of choices", () => {
    expect(arePushChoicesFor([12, 34, 56], 34)).toBe(true);
    expect(arePushChoicesFor([12, 34, 34], 34)).toBe(false);
    expect(arePushChoicesFor([12, 35, 56], 34)).toBe(false);
    expect(arePushChoicesFor([12, 34], 34)).toBe(false);
    expect(arePushChoicesFor([9, 34, 56], 34)).toBe(false);
  });

  describe("judging an answer", () => {
    const challenge = { number: 42, expiresAt: pushChallengeExpiresAt(TEST_EPOCH) };
    const before = secondsAfter(119);
    const cases: [string, PushAnswerFacts, number, PushAnswerOutcome][] = [
      ["approve with the right number in time", { decision: "approve", number: 42, notMe: false }, before, "approved"],
      ["approve with a wrong number", { decision: "approve", number: 24, notMe: false }, before, "wrong_number"],
      ["approve without a number", { decision: "approve", number: null, notMe: false }, before, "wrong_number"],
      ["approve marked not me", { decision: "approve", number: 42, notMe: true }, before, "wrong_number"],
      ["deny", { decision: "deny", number: null, notMe: false }, before, "denied"],
      ["deny marked not me", { decision: "deny", number: null, notMe: true }, before, "reported_fraud"],
      ["the right approve at expiry", { decision: "approve", number: 42, notMe: false }, secondsAfter(120), "expired"],
      ["the right approve after expiry", { decision: "approve", number: 42, notMe: false }, secondsAfter(600), "expired"],
      ["a deny after expiry", { decision: "deny", number: null, notMe: true }, secondsAfter(121), "expired"],
    ];
    it.each(cases)("%s", (_what, answer, now, outcome) => {
      expect(judgePushAnswer(challenge, answer, now)).toBe(outcome);
    });

    it("counts wrong numbers, denies and reported fraud as failures; not approvals nor expiry", () => {
      expect(["approved", "wrong_number", "denied", "reported_fraud", "expired"].map((o) => isPushFailure(o as PushAnswerOutcome))).toEqual(
        [false, true, true, true, false],
      );
    });

    it("passes only with approve, the right number and before expiry (any answer, any time)", () => {
      fc.assert(
        fc.property(
          fc.constantFrom("approve" as const, "deny" as const),
          fc.option(fc.integer({ min: 10, max: 99 })),
          fc.boolean(),
          fc.integer({ min: -200_000, max: 400_000 }),
          (decision, number, notMe, dt) => {
            const approved = judgePushAnswer(challenge, { decision, number, notMe }, TEST_EPOCH + dt) === "approved";
            expect(approved).toBe(decision === "approve" && number === 42 && !notMe && TEST_EPOCH + dt < challenge.expiresAt);
          },
        ),
      );
    });
  });
});
