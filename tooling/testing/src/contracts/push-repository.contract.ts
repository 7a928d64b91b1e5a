// Push devices, challenges, answers and poll nonces (issue 13): each write that must happen once holds once (a proof
// consumes the enrollment token, an answer is recorded once and only in time, a nonce is taken once per device), the
// push credential's material follows (its device, its newest challenges with their outcomes: what a verify decides
// on), and the anti-fatigue counts are what the rules need (S16). Against memory, PGlite and PostgreSQL alike.
import type { PushAnswerRecord, StoredCredentialOf, StoredPushChallenge } from "@mfa-chain/application";
import { describe, expect, it } from "vitest";
import { freshTenant, sampleAttempt, sampleCodeHash, sampleCredential, setUpStorage, T0, type MakeStorage } from "./storage-fixture.js";

const PUSH = { type: "push" } as const;
const DEVICE = {
  algorithm: "Ed25519",
  publicKey: "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE",
  name: "Phone",
  pushToken: null,
} as const;

export function describePushRepositoryContract(name: string, makeStorage: MakeStorage): void {
  describe(`PushRepository: ${name}`, () => {
    const { run } = setUpStorage(makeStorage);

    const challenge = (t: string, id: string, overrides: Partial<StoredPushChallenge> = {}): StoredPushChallenge => ({
      tenantId: t,
      id,
      userId: "alice",
      credentialId: "cred-p",
      attemptId: "att-1",
      step: 0,
      number: 42,
      choices: [17, 42, 85],
      context: null,
      createdAt: T0,
      expiresAt: T0 + 120_000,
      answer: null,
      ...overrides,
    });
    const approve = (at = T0 + 10_000): PushAnswerRecord => ({
      decision: "approve",
      number: 42,
      notMe: false,
      outcome: "approved",
      answeredAt: at,
    });
    const deny = (at = T0 + 10_000, notMe = false): PushAnswerRecord => ({
      decision: "deny",
      number: null,
      notMe,
      outcome: notMe ? "reported_fraud" : "denied",
      answeredAt: at,
    });

    /** alice with a pending push credential (its enrollment token's hash stored) and an attempt. */
    async function seed(t: string, enrolled = true): Promise<void> {
      await run(async (r) => {
        await r.users.lock(t, "alice", T0);
        await r.attempts.insert(sampleAttempt(t, "att-1", { chain: ["phone"], eligible: ["phone"] }));
        await r.credentials.insert(sampleCredential(t, "cred-p", { factorId: "phone", params: PUSH }));
        await r.credentials.insert(sampleCredential(t, "cred-totp", { factorId: "token_1" }));
        if (enrolled) {
          expect(await r.push.enrollDevice(t, "cred-p", sampleCodeHash(9), { ...DEVICE, enrolledAt: T0 + 1000 })).toBe(true);
          expect(await r.credentials.activate(t, "cred-p", T0 + 1000, null)).toBe(true);
        }
      });
    }
    const material = (t: string) =>
      run(async (r) => ((await r.credentials.findById(t, "alice", "cred-p")) as StoredCredentialOf<"push"> | null)?.material);

    it("finds a push credential's device (pending: its token's hash, no key), and nothing for another kind or tenant", async () => {
      const t = freshTenant();
      await seed(t, false);
      await run(async (r) => {
        expect(await r.push.findDevice(t, "cred-p")).toMatchObject({
          credentialId: "cred-p",
          userId: "alice",
          factorId: "phone",
          status: "pending",
          createdAt: T0,
          enrollmentTokenHash: sampleCodeHash(9),
          algorithm: null,
          publicKey: null,
        });
        expect(await r.push.findDevice(t, "cred-totp")).toBeNull();
        expect(await r.push.findDevice(t, "nope")).toBeNull();
        expect(await r.push.findDevice(freshTenant(), "cred-p")).toBeNull();
      });
    });

    it("a proof consumes the enrollment token once, only with its hash; the material then carries the device", async () => {
      const t = freshTenant();
      await seed(t, false);
      await run(async (r) => {
        expect(await r.push.enrollDevice(t, "cred-p", sampleCodeHash(8), { ...DEVICE, enrolledAt: T0 })).toBe(false);
        expect(await r.push.enrollDevice(t, "cred-p", sampleCodeHash(9), { ...DEVICE, enrolledAt: T0 + 1000 })).toBe(true);
        expect(await r.push.enrollDevice(t, "cred-p", sampleCodeHash(9), { ...DEVICE, name: "Thief", enrolledAt: T0 + 2000 })).toBe(false);
        expect(await r.push.findDevice(t, "cred-p")).toMatchObject({ enrollmentTokenHash: null, algorithm: "Ed25519", name: "Phone" });
      });
      expect(await material(t)).toEqual({
        enrollmentTokenHash: null,
        device: { ...DEVICE, enrolledAt: T0 + 1000 },
        challenges: [],
      });
    });

    it("stores challenges; pending ones are the device's unanswered and alive, oldest first", async () => {
      const t = freshTenant();
      await seed(t);
      await run(async (r) => {
        await r.push.insertChallenge(challenge(t, "pch_b", { createdAt: T0 + 1000, expiresAt: T0 + 121_000 }));
        await r.push.insertChallenge(challenge(t, "pch_a"));
        await r.push.insertChallenge(challenge(t, "pch_c", { createdAt: T0 + 2000, expiresAt: T0 + 122_000 }));
        expect(await r.push.findChallenge(t, "pch_a")).toEqual(challenge(t, "pch_a"));
        expect(await r.push.findChallenge(freshTenant(), "pch_a")).toBeNull();
        expect(await r.push.answerChallenge(t, "pch_c", approve())).toBe(true);
        expect((await r.push.pendingChallenges(t, "cred-p", T0 + 5000)).map((c) => c.id)).toEqual(["pch_a", "pch_b"]);
        expect((await r.push.pendingChallenges(t, "cred-p", T0 + 120_500)).map((c) => c.id)).toEqual(["pch_b"]);
        expect(await r.push.pendingChallenges(t, "cred-totp", T0)).toEqual([]);
      });
    });

    it("records an answer once, and only before the challenge expires; the material shows its outcome", async () => {
      const t = freshTenant();
      await seed(t);
      await run(async (r) => {
        await r.push.insertChallenge(challenge(t, "pch_1"));
        await r.push.insertChallenge(challenge(t, "pch_2", { createdAt: T0 + 1 }));
        expect(await r.push.answerChallenge(t, "pch_2", approve(T0 + 120_000))).toBe(false);
        expect(await r.push.answerChallenge(t, "pch_1", deny())).toBe(true);
        expect(await r.push.answerChallenge(t, "pch_1", approve())).toBe(false);
        expect((await r.push.findChallenge(t, "pch_1"))?.answer).toEqual(deny());
      });
      expect((await material(t))?.challenges).toEqual([
        { id: "pch_2", expiresAt: T0 + 120_000, outcome: null, answeredAt: null },
        { id: "pch_1", expiresAt: T0 + 120_000, outcome: "denied", answeredAt: T0 + 10_000 },
      ]);
    });

    it("retires a step's unanswered, alive pushes (no longer answerable or pending; the material follows), and only that step's", async () => {
      const t = freshTenant();
      await seed(t);
      await run(async (r) => {
        await r.attempts.insert(sampleAttempt(t, "att-2", { chain: ["phone"], eligible: ["phone"] }));
        await r.push.insertChallenge(challenge(t, "pch_old"));
        await r.push.insertChallenge(challenge(t, "pch_answered", { createdAt: T0 + 1 }));
        await r.push.insertChallenge(challenge(t, "pch_over", { createdAt: T0 - 200_000, expiresAt: T0 - 80_000 }));
        await r.push.insertChallenge(challenge(t, "pch_step1", { step: 1, createdAt: T0 + 2 }));
        await r.push.insertChallenge(challenge(t, "pch_att2", { attemptId: "att-2", createdAt: T0 + 3 }));
        expect(await r.push.answerChallenge(t, "pch_answered", deny())).toBe(true);
        expect(await r.push.retireStepChallenges(freshTenant(), "att-1", 0, T0 + 20_000)).toBe(0);
        expect(await r.push.retireStepChallenges(t, "att-1", 0, T0 + 20_000)).toBe(1);
        expect(await r.push.retireStepChallenges(t, "att-1", 0, T0 + 20_000)).toBe(0);
        expect((await r.push.findChallenge(t, "pch_old"))?.expiresAt).toBe(T0 + 20_000);
        expect(await r.push.findChallenge(t, "pch_answered")).toMatchObject({ expiresAt: T0 + 120_000, answer: deny() });
        expect((await r.push.findChallenge(t, "pch_over"))?.expiresAt).toBe(T0 - 80_000);
        expect(await r.push.answerChallenge(t, "pch_old", approve(T0 + 20_000))).toBe(false);
        expect((await r.push.pendingChallenges(t, "cred-p", T0 + 20_000)).map((c) => c.id)).toEqual(["pch_step1", "pch_att2"]);
      });
      expect((await material(t))?.challenges.find((c) => c.id === "pch_old")).toEqual({
        id: "pch_old",
        expiresAt: T0 + 20_000,
        outcome: null,
        answeredAt: null,
      });
    });

    it("of 10 parallel answers to one challenge, exactly one is recorded", async () => {
      const t = freshTenant();
      await seed(t);
      await run((r) => r.push.insertChallenge(challenge(t, "pch_1")));
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => run((r) => r.push.answerChallenge(t, "pch_1", approve(T0 + 1000 + i)))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("counts what the anti-fatigue rules need: pending expiries, the hour's issues, denies since a clear or a completed attempt", async () => {
      const t = freshTenant();
      await seed(t);
      const now = T0 + 2 * 3600_000;
      await run(async (r) => {
        await r.push.insertChallenge(challenge(t, "pch_old", { createdAt: now - 3600_000 - 1, expiresAt: now - 3480_000 }));
        await r.push.insertChallenge(challenge(t, "pch_d1", { createdAt: now - 600_000, expiresAt: now - 480_000 }));
        await r.push.insertChallenge(challenge(t, "pch_d2", { createdAt: now - 300_000, expiresAt: now - 180_000 }));
        await r.push.insertChallenge(challenge(t, "pch_live", { createdAt: now - 1000, expiresAt: now + 119_000 }));
        await r.push.insertChallenge(challenge(t, "pch_bob", { userId: "bob", createdAt: now - 1000, expiresAt: now + 119_000 }));
        expect(await r.push.answerChallenge(t, "pch_d1", deny(now - 590_000))).toBe(true);
        expect(await r.push.answerChallenge(t, "pch_d2", deny(now - 290_000, true))).toBe(true);
        const state = await r.push.fatigueState(t, "alice", now);
        expect(state.pendingExpiries).toEqual([now + 119_000]);
        expect([...state.issuedAt].sort()).toEqual([now - 600_000, now - 300_000, now - 1000].sort());
        expect(state.deniesSinceClear).toBe(2);
        // An administrator's clear between the two denies leaves one.
        await r.push.clearDenies(t, "alice", now - 400_000);
        expect((await r.push.fatigueState(t, "alice", now)).deniesSinceClear).toBe(1);
        // An earlier clear does not move it back.
        await r.push.clearDenies(t, "alice", now - 500_000);
        expect((await r.push.fatigueState(t, "alice", now)).deniesSinceClear).toBe(1);
        // A completed attempt after both clears them.
        await r.attempts.insert(
          sampleAttempt(t, "att-done", {
            chain: ["phone"],
            eligible: ["phone"],
            status: "completed",
            cursor: 1,
            completedAt: now - 100_000,
          }),
        );
        expect((await r.push.fatigueState(t, "alice", now)).deniesSinceClear).toBe(0);
        expect((await r.push.fatigueState(freshTenant(), "alice", now)).issuedAt).toEqual([]);
      });
    });

    it("takes a poll's nonce once per device, forgets it after its retention, and keeps devices apart", async () => {
      const t = freshTenant();
      await seed(t);
      await run(async (r) => {
        await r.credentials.insert(sampleCredential(t, "cred-q", { factorId: "phone2", params: PUSH }));
        const nonce = "q83vEjRWeJCrze8SNFZ4kA";
        expect(await r.push.rememberNonce(t, "cred-p", nonce, T0 + 60_000, T0)).toBe(true);
        expect(await r.push.rememberNonce(t, "cred-p", nonce, T0 + 61_000, T0 + 1000)).toBe(false);
        expect(await r.push.rememberNonce(t, "cred-q", nonce, T0 + 60_000, T0)).toBe(true);
        // Past its retention the nonce is forgotten (the timestamp window refuses that poll by then).
        expect(await r.push.rememberNonce(t, "cred-p", nonce, T0 + 200_000, T0 + 60_001)).toBe(true);
      });
    });
  });
}
