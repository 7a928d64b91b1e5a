// The challenge store (sent codes, namespaced by purpose: S30) and the send log (S16), and the verify path's use of
// them: the step's read returns the challenge sent for the attempt's current step to the credential, a success consumes
// it (once, unexpired, under 5 tries, of this hash), a failure spends a try; on the locking and the optimistic path.
import type { Repositories, StepWrite, StoredChallenge } from "@mfa-chain/application";
import { describe, expect, it } from "vitest";
import {
  abandoned,
  freshTenant,
  sampleAttempt,
  sampleCodeHash,
  sampleCredential,
  sampleEvent,
  SAMPLE_WEBAUTHN_PARAMS,
  setUpStorage,
  T0,
  type MakeStorage,
} from "./storage-fixture.js";

const EMAIL = { type: "email", codeDigits: 6, codeTtlSeconds: 300 } as const;

export function describeChallengeContract(name: string, makeStorage: MakeStorage): void {
  describe(`ChallengeRepository and the verify path's challenges: ${name}`, () => {
    const storage = setUpStorage(makeStorage);
    const { run, direct } = storage;

    const challenge = (t: string, overrides: Partial<StoredChallenge> = {}): StoredChallenge => ({
      tenantId: t,
      purpose: "email_code",
      id: "att-1:0",
      userId: "alice",
      credentialId: "cred-e",
      attemptId: "att-1",
      step: 0,
      codeHash: sampleCodeHash(11),
      createdAt: T0,
      expiresAt: T0 + 300_000,
      consumedAt: null,
      tries: 0,
      ...overrides,
    });

    /** alice's attempt at its email step, with an active email credential and the step's challenge. */
    async function seed(t: string, ch: Partial<StoredChallenge> = {}): Promise<void> {
      await run(async (r) => {
        await r.attempts.insert(sampleAttempt(t, "att-1", { chain: ["mail", "token_1"] }));
        await r.credentials.insert(sampleCredential(t, "cred-e", { status: "active", factorId: "mail", params: EMAIL }));
        await r.challenges.save(challenge(t, ch));
      });
    }

    const consume = (t: string, codeHash = sampleCodeHash(11)): StepWrite => ({
      attempt: { ...sampleAttempt(t, "att-1", { chain: ["mail", "token_1"] }), cursor: 1, version: 2 },
      expectedVersion: 1,
      claim: { kind: "challenge", credentialId: "cred-e", purpose: "email_code", challengeId: "att-1:0", codeHash },
      lock: null,
      events: [sampleEvent(t, { type: "attempt.step_succeeded", attemptId: "att-1", data: { step: 1 } })],
      at: T0 + 10_000,
    });
    const tryOnce = (t: string, version = 1): StepWrite => ({
      attempt: { ...sampleAttempt(t, "att-1", { chain: ["mail", "token_1"] }), version: version + 1 },
      expectedVersion: version,
      claim: { kind: "challenge_try", credentialId: "cred-e", purpose: "email_code", challengeId: "att-1:0" },
      lock: { consecutiveFailures: version, lockCount: 0, lockedUntil: null },
      events: [sampleEvent(t, { attemptId: "att-1" })],
      at: T0 + 10_000,
    });
    const find = (t: string, purpose = "email_code", id = "att-1:0") => run((r) => r.challenges.find(t, purpose, id));

    it("keeps a challenge and replaces it in place (a resend: new hash and expiry, tries back to 0)", async () => {
      const t = freshTenant();
      await seed(t, { tries: 3 });
      expect(await find(t)).toEqual(challenge(t, { tries: 3 }));
      const resent = challenge(t, { codeHash: sampleCodeHash(12), createdAt: T0 + 40_000, expiresAt: T0 + 340_000 });
      await run((r) => r.challenges.save(resent));
      expect(await find(t)).toEqual(resent);
      // Namespaced by purpose and tenant (S30).
      expect(await find(t, "sms_code")).toBeNull();
      expect(await find(freshTenant())).toBeNull();
    });

    it("the step's read returns the challenge of the attempt's current step for that credential, on both paths", async () => {
      const t = freshTenant();
      await seed(t);
      expect((await run((r) => r.steps.lockForStep(t, "att-1", "mail")))?.challenge).toEqual(challenge(t));
      expect((await direct((r) => r.steps.readForStep(t, "att-1", "mail")))?.challenge).toEqual(challenge(t));
      // Another step's, or another credential's, is not this step's.
      await run(async (r) => {
        await r.attempts.update({ ...sampleAttempt(t, "att-1", { chain: ["mail", "token_1"] }), cursor: 1, version: 2 }, 1);
      });
      expect((await run((r) => r.steps.lockForStep(t, "att-1", "mail")))?.challenge).toBeNull();
    });

    // Every kind answered against a challenge of its step (a sent code, a WebAuthn challenge, a push): the step's read
    // must bring that challenge back for each of them (the database looks it up only for the kinds that have one).
    const STEP_CHALLENGE_PARAMS = [
      { params: EMAIL, purpose: "email_code" },
      { params: { type: "sms", codeDigits: 6, codeTtlSeconds: 300 }, purpose: "sms_code" },
      { params: SAMPLE_WEBAUTHN_PARAMS, purpose: "webauthn_get" },
      { params: { type: "push" }, purpose: "push_verify" },
    ] as const;
    it.each(STEP_CHALLENGE_PARAMS)(
      "the step's read returns the step's challenge of a $params.type credential, on both paths",
      async (kind) => {
        const t = freshTenant();
        const ch = challenge(t, { purpose: kind.purpose, credentialId: "cred-k" });
        await run(async (r) => {
          await r.attempts.insert(sampleAttempt(t, "att-1", { chain: ["k", "token_1"] }));
          await r.credentials.insert(sampleCredential(t, "cred-k", { status: "active", factorId: "k", params: kind.params }));
          await r.challenges.save(ch);
        });
        expect((await run((r) => r.steps.lockForStep(t, "att-1", "k")))?.challenge).toEqual(ch);
        expect((await direct((r) => r.steps.readForStep(t, "att-1", "k")))?.challenge).toEqual(ch);
      },
    );

    it("a success consumes the challenge once; a second use and a wrong hash write nothing", async () => {
      const t = freshTenant();
      await seed(t);
      expect(await run((r) => r.steps.write(t, "alice", consume(t)))).toBe(true);
      expect((await find(t))?.consumedAt).toBe(T0 + 10_000);
      const again = { ...consume(t), expectedVersion: 2, attempt: { ...consume(t).attempt, version: 3 } };
      await expect(abandoned(run, (r) => r.steps.write(t, "alice", again))).resolves.toBe(false);
      const t2 = freshTenant();
      await seed(t2);
      await expect(abandoned(run, (r) => r.steps.write(t2, "alice", consume(t2, sampleCodeHash(99))))).resolves.toBe(false);
      expect((await find(t2))?.consumedAt).toBeNull();
    });

    it.each<[string, Partial<StoredChallenge>]>([
      ["expired", { expiresAt: T0 + 10_000 }],
      ["out of tries", { tries: 5 }],
      ["already consumed", { consumedAt: T0 + 1 }],
    ])("a challenge %s is not consumed (optimistic: nothing at all is written)", async (_label, ch) => {
      const t = freshTenant();
      await seed(t, ch);
      const before = await direct((r) => r.steps.readForStep(t, "att-1", "mail"));
      expect(await direct((r) => r.steps.writeIfUnchanged(t, "alice", consume(t), before!.lock))).toBe(false);
      expect(await direct((r) => r.steps.readForStep(t, "att-1", "mail"))).toEqual(before);
      expect(await storage.auditReader.list({ tenantId: t, limit: 10 })).toEqual([]);
    });

    it("a failure spends one try with the failure, up to 5; the 6th spends nothing", async () => {
      const t = freshTenant();
      await seed(t);
      for (let i = 1; i <= 5; i++) {
        expect(await run((r) => r.steps.write(t, "alice", tryOnce(t, i)))).toBe(true);
        expect((await find(t))?.tries).toBe(i);
      }
      await expect(abandoned(run, (r) => r.steps.write(t, "alice", tryOnce(t, 6)))).resolves.toBe(false);
      expect((await find(t))?.tries).toBe(5);
    });

    it("optimistic: a try is written with the failure when nothing changed, and not over a consumed challenge", async () => {
      const t = freshTenant();
      await seed(t);
      const seen = (await direct((r) => r.steps.readForStep(t, "att-1", "mail")))!.lock;
      expect(await direct((r) => r.steps.writeIfUnchanged(t, "alice", tryOnce(t), seen))).toBe(true);
      expect((await find(t))?.tries).toBe(1);
      const t2 = freshTenant();
      await seed(t2, { consumedAt: T0 + 1 });
      const seen2 = (await direct((r) => r.steps.readForStep(t2, "att-1", "mail")))!.lock;
      expect(await direct((r) => r.steps.writeIfUnchanged(t2, "alice", tryOnce(t2), seen2))).toBe(false);
      expect((await direct((r) => r.steps.readForStep(t2, "att-1", "mail")))?.attempt.version).toBe(1);
    });

    it("a try is spent on a pending credential's enrollment code; a consume needs it active", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.credentials.insert(sampleCredential(t, "cred-p", { status: "pending", factorId: "mail", params: EMAIL }));
        await r.challenges.save(
          challenge(t, { purpose: "email_enroll", id: "cred-p", credentialId: "cred-p", attemptId: null, step: null }),
        );
      });
      const tryClaim = { kind: "challenge_try", credentialId: "cred-p", purpose: "email_enroll", challengeId: "cred-p" } as const;
      expect(await run((r) => r.credentials.claim(t, tryClaim, T0 + 1000))).toBe(true);
      expect((await find(t, "email_enroll", "cred-p"))?.tries).toBe(1);
      const consumeClaim = { ...tryClaim, kind: "challenge", codeHash: sampleCodeHash(11) } as const;
      expect(await run((r) => r.credentials.claim(t, consumeClaim, T0 + 1000))).toBe(false);
      // Activation with the confirming code's claim consumes it.
      expect(await run((r) => r.credentials.activate(t, "cred-p", T0 + 2000, consumeClaim))).toBe(true);
      expect((await find(t, "email_enroll", "cred-p"))?.consumedAt).toBe(T0 + 2000);
    });

    it("counts sends per user, per destination and per tenant since a time, newest first, at most `limit`", async () => {
      const t = freshTenant();
      const send = (id: string, userId: string, d: number, at: number) =>
        run((r) => r.challenges.recordSend({ tenantId: t, id, userId, destinationKey: sampleCodeHash(d), sentAt: at }));
      await send("s1", "alice", 1, T0);
      await send("s2", "alice", 2, T0 + 1000);
      await send("s3", "bob", 1, T0 + 2000);
      await send("s4", "alice", 1, T0 + 3000);
      const since = (scope: Parameters<Repositories["challenges"]["sendsSince"]>[1], from = T0 - 1, limit = 10) =>
        run((r) => r.challenges.sendsSince(t, scope, from, limit));
      expect(await since({ userId: "alice" })).toEqual([T0 + 3000, T0 + 1000, T0]);
      expect(await since({ destinationKey: sampleCodeHash(1) })).toEqual([T0 + 3000, T0 + 2000, T0]);
      expect(await since({ tenant: true }, T0)).toEqual([T0 + 3000, T0 + 2000, T0 + 1000]);
      expect(await since({ tenant: true }, T0 - 1, 2)).toEqual([T0 + 3000, T0 + 2000]);
      expect(await run((r) => r.challenges.sendsSince(freshTenant(), { tenant: true }, T0 - 1, 10))).toEqual([]);
    });
  });
}
