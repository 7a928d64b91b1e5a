// Property tests of the real VerifyStep (and StartAttempt) over the in-memory store and the fake OTP engine: random
// sequences of right codes, wrong codes, wrong factors, malformed codes, replays and new attempts, checked against a
// small model of the spec after every call.
import type { AppError, StoredCredentialOf } from "@mfa-chain/application";
import type { OtpDigits, Result, VerifyOutcome } from "@mfa-chain/domain";
import { aPolicy, SeededRandom, serviceKey, TestApp } from "../testing/index.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** The kinds these scenarios enroll. */
type OtpKind = "totp" | "hotp";

type Action =
  | { readonly kind: "right" }
  | { readonly kind: "wrong" }
  | { readonly kind: "wrong_factor"; readonly pick: number }
  | { readonly kind: "garbage"; readonly code: string }
  | { readonly kind: "replay" }
  | { readonly kind: "new_attempt" };

const scenarioArb = fc
  .record({
    factors: fc.array(
      fc.record({ type: fc.constantFrom("totp" as const, "hotp" as const), digits: fc.constantFrom(6 as OtpDigits, 8 as OtpDigits) }),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
    mode: fc.constantFrom("fixed" as const, "random" as const),
    window: fc.constantFrom(0 as const, 1 as const),
    maxFailures: fc.integer({ min: 2, max: 8 }),
    baseSeconds: fc.integer({ min: 30, max: 240 }),
    stepsSeed: fc.nat(),
    randomSeed: fc.nat(),
    // An honest user who slips now and then (long chains complete), or an attacker (locks happen).
    honest: fc.boolean(),
  })
  .chain((s) =>
    fc.record({
      s: fc.constant(s),
      actions: fc.array(
        fc.oneof(
          { weight: s.honest ? 12 : 2, arbitrary: fc.constant<Action>({ kind: "right" }) },
          { weight: 2, arbitrary: fc.constant<Action>({ kind: "wrong" }) },
          { weight: 2, arbitrary: fc.nat(3).map<Action>((pick) => ({ kind: "wrong_factor", pick })) },
          {
            weight: 1,
            arbitrary: fc
              .oneof(
                fc.string({ maxLength: 10 }),
                fc.constantFrom("１２３４５６", "١٢٣٤٥٦", " 123456", "+12345", "-12345", "", "1234567", "12345678 "),
              )
              .filter((code) => !/^(?:[0-9]{6}|[0-9]{8})$/.test(code))
              .map<Action>((code) => ({ kind: "garbage", code })),
          },
          { weight: 1, arbitrary: fc.constant<Action>({ kind: "replay" }) },
          { weight: 1, arbitrary: fc.constant<Action>({ kind: "new_attempt" }) },
        ),
        { minLength: 1, maxLength: 30 },
      ),
    }),
  );

describe("VerifyStep (property, through the real use cases with fakes)", () => {
  it("S25 S6 S7 no sequence completes an attempt without requiredSteps consecutive successes in order, and the stored failure count equals the failures since the last success", async () => {
    // How often the interesting cases happened over all runs: a property that never completes or locks proves little.
    const seen = { completions: 0, locks: 0, lockedAnswers: 0, lockRunOuts: 0 };
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ s, actions }) => {
        const requiredSteps = 1 + (s.stepsSeed % s.factors.length);
        const policy = aPolicy()
          .withId("prop")
          .withMode(s.mode)
          .withFactors(s.factors.map((f, i) => ({ id: `f${i}`, label: `Factor ${i}`, type: f.type, options: { digits: f.digits } })))
          .withSteps(requiredSteps)
          .withVerifyWindow(s.window)
          .withAttemptTtlSeconds(3600)
          .withLockout({ maxFailures: s.maxFailures, baseSeconds: s.baseSeconds, maxSeconds: 3600 });
        const { factors } = policy.build();
        const ids = factors.map((f) => f.id);
        const app = new TestApp({ random: new SeededRandom(s.randomSeed) });
        await app.givenPolicy(policy);
        await app.enrollAndConfirm("alice", "prop", ids);

        // The model.
        let attemptId = (await app.start("alice", "prop")).attemptId;
        let current: string | null = app.currentFactorId(attemptId);
        let passed: string[] = [];
        let completed = false;
        let failures = 0;
        let lockedUntil: number | null = null;
        const accepted = new Map<string, string>(); // factor id → last accepted code

        /** True if `code` would pass the factor right now (a replayed code that collides with a fresh one), per kind. */
        const freshlyValid: { readonly [K in OtpKind]: (c: StoredCredentialOf<K>, code: string) => boolean } = {
          hotp: (c, code) =>
            Array.from({ length: 11 }, (_, i) => app.otp.hotpCode(app.secretOf(c.id), c.material.counter + i, c.params)).includes(code),
          totp: (c, code) => {
            const { lastTimeStep } = c.material;
            const t = app.otp.timeStep(app.clock.now(), c.params.period);
            const steps = s.window === 1 ? [t - 1, t, t + 1] : [t];
            return steps.some(
              (step) => (lastTimeStep === null || step > lastTimeStep) && app.otp.codeOfStep(app.secretOf(c.id), step, c.params) === code,
            );
          },
        };
        const isFreshlyValid = (factorId: string, code: string): boolean => {
          const c = app.activeCredential("alice", factorId) as StoredCredentialOf<OtpKind>;
          return (freshlyValid[c.params.type] as (c: StoredCredentialOf<OtpKind>, code: string) => boolean)(c, code);
        };

        for (const action of actions) {
          app.nextPeriod();
          const now = app.clock.now();
          const locked = lockedUntil !== null && now < lockedUntil;

          if (action.kind === "new_attempt") {
            const started = await app.startAttempt.execute({ actor: serviceKey(), userId: "alice", policyId: "prop" });
            if (locked) {
              expect(started.ok ? null : started.error.code).toBe("user_locked");
            } else {
              if (!started.ok) throw new Error(`start failed: ${started.error.code}`);
              attemptId = started.value.attemptId;
              current = started.value.currentFactor?.id ?? null;
              passed = [];
              completed = false;
            }
            expect(app.failures("alice")).toBe(failures); // S7: a new attempt never resets the count
            continue;
          }

          const target = current ?? (ids[0] as string);
          let factorId = target;
          let code: string;
          let expectSuccess = false;
          switch (action.kind) {
            case "right":
              code = app.rightCode("alice", target);
              expectSuccess = true;
              break;
            case "wrong":
              code = app.wrongCode("alice", target);
              break;
            case "wrong_factor": {
              const others = ids.filter((id) => id !== target);
              factorId = others.length === 0 ? "stranger" : (others[action.pick % others.length] as string);
              code = factorId === "stranger" ? "000000" : app.rightCode("alice", factorId);
              break;
            }
            case "garbage":
              code = action.code;
              break;
            case "replay": {
              const old = accepted.get(target);
              code = old !== undefined && !isFreshlyValid(target, old) ? old : app.wrongCode("alice", target);
              break;
            }
          }

          const result: Result<VerifyOutcome, AppError> = await app.verify(attemptId, factorId, code);
          if (completed) {
            expect(result.ok ? null : result.error.code).toBe("attempt_completed");
          } else if (locked) {
            expect(result.ok ? null : result.error).toMatchObject({ code: "user_locked", lockedUntil });
            seen.lockedAnswers += 1;
          } else {
            if (!result.ok) throw new Error(`unexpected error ${result.error.code}`);
            const outcome = result.value;
            expect(outcome.success).toBe(expectSuccess);
            expect(outcome.reset).toBe(!expectSuccess);
            if (outcome.success) {
              passed.push(target);
              accepted.set(target, code);
              failures = 0;
              lockedUntil = null;
              expect(outcome.complete).toBe(passed.length === requiredSteps);
              if (outcome.complete) seen.completions += 1;
            } else {
              passed = [];
              if (lockedUntil !== null && now >= lockedUntil) {
                failures = 0; // a lock that ran out starts a fresh round
                lockedUntil = null;
                seen.lockRunOuts += 1;
              }
              failures += 1;
              if (outcome.lockedUntil !== null) {
                expect(failures).toBe(s.maxFailures); // locks exactly at the limit, never before
                lockedUntil = outcome.lockedUntil;
                seen.locks += 1;
              } else {
                expect(failures).toBeLessThan(s.maxFailures);
              }
            }
            current = outcome.nextFactor?.id ?? null;
            completed = outcome.complete;
          }

          // Invariants against the stored state.
          const stored = app.attempt(attemptId);
          expect(app.failures("alice")).toBe(failures);
          if (stored.status === "completed") {
            // S25: complete only after requiredSteps successes since the last reset, exactly the chain, in order.
            expect(completed).toBe(true);
            expect(passed).toEqual(stored.chain);
            expect(passed).toHaveLength(requiredSteps);
          } else {
            expect(completed).toBe(false);
            expect(stored.cursor).toBe(passed.length);
            expect(stored.chain.slice(0, passed.length)).toEqual(passed);
            expect(stored.chain[stored.cursor]).toBe(current);
          }
        }
      }),
      { numRuns: 200 },
    );
    expect(seen.completions).toBeGreaterThan(50);
    expect(seen.locks).toBeGreaterThan(10);
    expect(seen.lockedAnswers).toBeGreaterThan(10);
    expect(seen.lockRunOuts).toBeGreaterThan(0);
  });
});
