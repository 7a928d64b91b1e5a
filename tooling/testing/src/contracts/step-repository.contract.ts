// StepRepository: the verify path's one read (attempt, failure counter, the submitted factor's active credential) and
// one write (claim, attempt compare-and-set, failure counter, audit events), tenant-scoped like every other port.
import type { StepWrite } from "@mfa-chain/application";
import { UNLOCKED, type LockState } from "@mfa-chain/domain";
import { describe, expect, it } from "vitest";
import {
  abandoned,
  freshTenant,
  materialOf,
  sampleAttempt,
  sampleCredential,
  sampleEvent,
  setUpStorage,
  T0,
  type MakeStorage,
} from "./storage-fixture.js";

export function describeStepRepositoryContract(name: string, makeStorage: MakeStorage): void {
  describe(`StepRepository contract: ${name}`, () => {
    const storage = setUpStorage(makeStorage);
    const { run } = storage;

    /** An attempt of alice with an active TOTP credential for token_1 (last step 10) and one for token_2. */
    async function seed(t: string): Promise<void> {
      await run(async (r) => {
        await r.attempts.insert(sampleAttempt(t, "att-1"));
        await r.credentials.insert(sampleCredential(t, "cred-1", { status: "active", lastTimeStep: 10 }));
        await r.credentials.insert(
          sampleCredential(t, "cred-2", {
            status: "active",
            factorId: "token_2",
            params: { type: "hotp", algorithm: "SHA1", digits: 6 },
            counter: 4,
          }),
        );
        await r.credentials.insert(sampleCredential(t, "cred-1-pending", { status: "pending" }));
      });
    }

    const completed = (t: string, version = 1): StepWrite => ({
      attempt: { ...sampleAttempt(t, "att-1"), cursor: 2, status: "completed", completedAt: T0 + 5000, version: version + 1 },
      expectedVersion: version,
      claim: { kind: "time_step", credentialId: "cred-1", step: 11 },
      lock: null,
      events: [
        sampleEvent(t, { type: "attempt.step_succeeded", attemptId: "att-1", data: { step: 2 } }),
        sampleEvent(t, { type: "attempt.completed", attemptId: "att-1", factorId: null, data: { steps: 2 } }),
      ],
      at: T0 + 5000,
    });

    it("reads the attempt, UNLOCKED for a user without a counter, and the active credential of the submitted factor", async () => {
      const t = freshTenant();
      await seed(t);
      const state = await run((r) => r.steps.lockForStep(t, "att-1", "token_1"));
      expect(state?.attempt).toEqual(sampleAttempt(t, "att-1"));
      expect(state?.lock).toEqual(UNLOCKED);
      expect(state?.credential).toEqual(sampleCredential(t, "cred-1", { status: "active", lastTimeStep: 10 }));
      // Locking a user without a counter row does not invent failures.
      expect(await run((r) => r.lockouts.find(t, "alice"))).toEqual(UNLOCKED);
    });

    it("reads the stored failure counter, and no credential for a factor without an active one", async () => {
      const t = freshTenant();
      await seed(t);
      const locked = { consecutiveFailures: 3, lockCount: 1, lockedUntil: T0 + 60_000 };
      await run((r) => r.lockouts.save(t, "alice", locked, T0));
      const state = await run((r) => r.steps.lockForStep(t, "att-1", "token_3"));
      expect(state?.lock).toEqual(locked);
      expect(state?.credential).toBeNull();
      // Another user's credential for the same factor id is not this user's.
      await run((r) => r.credentials.insert(sampleCredential(t, "cred-bob", { status: "active", userId: "bob", factorId: "token_3" })));
      expect((await run((r) => r.steps.lockForStep(t, "att-1", "token_3")))?.credential).toBeNull();
    });

    it("finds nothing for an unknown attempt or another tenant's", async () => {
      const t = freshTenant();
      await seed(t);
      expect(await run((r) => r.steps.lockForStep(t, "att-none", "token_1"))).toBeNull();
      expect(await run((r) => r.steps.lockForStep(freshTenant(), "att-1", "token_1"))).toBeNull();
    });

    it("reads each user's own kind of credential for one factor id, whichever kind was read before, on both paths", async () => {
      // A factor id names a TOTP credential for alice and a HOTP one for bob: a storage that remembers a factor id's
      // kind to read faster (infra-postgres) must still answer with the credential's own kind and material.
      const t = freshTenant();
      const bobs = sampleCredential(t, "cred-bob", {
        status: "active",
        userId: "bob",
        params: { type: "hotp", algorithm: "SHA1", digits: 6 },
        counter: 7,
      });
      const alices = sampleCredential(t, "cred-1", { status: "active", lastTimeStep: 10 });
      await run(async (r) => {
        await r.attempts.insert(sampleAttempt(t, "att-1"));
        await r.attempts.insert(sampleAttempt(t, "att-bob", { userId: "bob" }));
        await r.credentials.insert(alices);
        await r.credentials.insert(bobs);
      });
      for (const [attemptId, expected] of [
        ["att-1", alices],
        ["att-bob", bobs],
        ["att-bob", bobs],
        ["att-1", alices],
      ] as const) {
        expect((await run((r) => r.steps.lockForStep(t, attemptId, "token_1")))?.credential).toEqual(expected);
        expect((await storage.direct((r) => r.steps.readForStep(t, attemptId, "token_1")))?.credential).toEqual(expected);
      }
    });

    it("writes the claim, the attempt and the events together; the counter only when given", async () => {
      const t = freshTenant();
      await seed(t);
      const write = completed(t);
      expect(await run((r) => r.steps.write(t, "alice", write))).toBe(true);
      const after = await run((r) => r.steps.lockForStep(t, "att-1", "token_1"));
      expect(after?.attempt).toEqual(write.attempt);
      expect(materialOf(after?.credential)?.lastTimeStep).toBe(11);
      expect(after?.lock).toEqual(UNLOCKED);
      const events = await storage.auditReader.list({ tenantId: t, limit: 10 });
      expect(events.map((e) => e.type).reverse()).toEqual(["attempt.step_succeeded", "attempt.completed"]);
      expect(events[0]!.seq).toBeGreaterThan(events[1]!.seq);
    });

    it("writes a failure: the reset attempt, the new counter, no claim", async () => {
      const t = freshTenant();
      await seed(t);
      const lock = { consecutiveFailures: 1, lockCount: 0, lockedUntil: null };
      const write: StepWrite = {
        attempt: { ...sampleAttempt(t, "att-1"), chain: ["token_1", "token_3"], version: 2 },
        expectedVersion: 1,
        claim: null,
        lock,
        events: [sampleEvent(t, { attemptId: "att-1" })],
        at: T0 + 1000,
      };
      expect(await run((r) => r.steps.write(t, "alice", write))).toBe(true);
      const after = await run((r) => r.steps.lockForStep(t, "att-1", "token_1"));
      expect(after?.attempt.chain).toEqual(["token_1", "token_3"]);
      expect(after?.lock).toEqual(lock);
      expect(materialOf(after?.credential)?.lastTimeStep).toBe(10);
      expect(await storage.auditReader.list({ tenantId: t, limit: 10 })).toHaveLength(1);
    });

    it("claims a HOTP counter by compare-and-set", async () => {
      const t = freshTenant();
      await seed(t);
      const write = { ...completed(t), claim: { kind: "counter", credentialId: "cred-2", expected: 4, next: 6 } } as const;
      expect(await run((r) => r.steps.write(t, "alice", write))).toBe(true);
      expect(materialOf((await run((r) => r.steps.lockForStep(t, "att-1", "token_2")))?.credential)?.counter).toBe(6);
      const stale = { ...completed(t, 2), claim: { kind: "counter", credentialId: "cred-2", expected: 4, next: 7 } } as const;
      await expect(abandoned(run, (r) => r.steps.write(t, "alice", stale))).resolves.toBe(false);
    });

    it.each([
      ["a time step already used", (w: StepWrite): StepWrite => ({ ...w, claim: { kind: "time_step", credentialId: "cred-1", step: 10 } })],
      ["an attempt version that moved", (w: StepWrite): StepWrite => ({ ...w, expectedVersion: 7 })],
      [
        "a credential that is not active",
        (w: StepWrite): StepWrite => ({ ...w, claim: { kind: "time_step", credentialId: "cred-1-pending", step: 11 } }),
      ],
    ])("reports false for %s (and the abandoned transaction leaves nothing)", async (_label, change) => {
      const t = freshTenant();
      await seed(t);
      const before = await run((r) => r.steps.lockForStep(t, "att-1", "token_1"));
      await expect(abandoned(run, (r) => r.steps.write(t, "alice", change(completed(t))))).resolves.toBe(false);
      expect(await run((r) => r.steps.lockForStep(t, "att-1", "token_1"))).toEqual(before);
      expect(await storage.auditReader.list({ tenantId: t, limit: 10 })).toEqual([]);
    });

    describe("the optimistic read and write (no transaction where the storage allows)", () => {
      const { direct } = storage;
      /** The state as the optimistic read sees it, and a snapshot of everything a write could change. */
      const stateOf = (t: string) => direct((r) => r.steps.readForStep(t, "att-1", "token_1"));
      const everything = async (t: string) => ({
        token1: await stateOf(t),
        token2: await direct((r) => r.steps.readForStep(t, "att-1", "token_2")),
        audit: await storage.auditReader.list({ tenantId: t, limit: 10 }),
      });

      it("reads what the locking read reads, and gives a user without a counter one at zero", async () => {
        const t = freshTenant();
        await seed(t);
        const state = await stateOf(t);
        expect(state).toEqual(await run((r) => r.steps.lockForStep(t, "att-1", "token_1")));
        expect(state?.lock).toEqual(UNLOCKED);
        expect(await direct((r) => r.steps.readForStep(t, "att-none", "token_1"))).toBeNull();
        expect(await direct((r) => r.steps.readForStep(freshTenant(), "att-1", "token_1"))).toBeNull();
      });

      it("writes the claim, the attempt and the events when nothing changed since the read", async () => {
        const t = freshTenant();
        await seed(t);
        const seen = (await stateOf(t))!.lock;
        const write = completed(t);
        expect(await direct((r) => r.steps.writeIfUnchanged(t, "alice", write, seen))).toBe(true);
        const after = await stateOf(t);
        expect(after?.attempt).toEqual(write.attempt);
        expect(materialOf(after?.credential)?.lastTimeStep).toBe(11);
        const events = await storage.auditReader.list({ tenantId: t, limit: 10 });
        expect(events.map((e) => e.type).reverse()).toEqual(["attempt.step_succeeded", "attempt.completed"]);
      });

      it("writes a failure's counter over the counter it read", async () => {
        const t = freshTenant();
        await seed(t);
        const seen = { consecutiveFailures: 2, lockCount: 1, lockedUntil: T0 - 1000 };
        await run((r) => r.lockouts.save(t, "alice", seen, T0));
        const lock = { consecutiveFailures: 3, lockCount: 1, lockedUntil: null };
        const write: StepWrite = {
          attempt: { ...sampleAttempt(t, "att-1"), version: 2 },
          expectedVersion: 1,
          claim: null,
          lock,
          events: [sampleEvent(t, { attemptId: "att-1" })],
          at: T0 + 1000,
        };
        expect((await stateOf(t))?.lock).toEqual(seen);
        expect(await direct((r) => r.steps.writeIfUnchanged(t, "alice", write, seen))).toBe(true);
        expect((await stateOf(t))?.lock).toEqual(lock);
        expect(await storage.auditReader.list({ tenantId: t, limit: 10 })).toHaveLength(1);
      });

      type Change = (w: StepWrite, seen: LockState) => [StepWrite, LockState];
      it.each<[string, Change]>([
        ["a time step already used", (w, seen) => [{ ...w, claim: { kind: "time_step", credentialId: "cred-1", step: 10 } }, seen]],
        ["an attempt version that moved", (w, seen) => [{ ...w, expectedVersion: 7 }, seen]],
        [
          "a credential that is not active",
          (w, seen) => [{ ...w, claim: { kind: "time_step", credentialId: "cred-1-pending", step: 11 } }, seen],
        ],
        [
          "a HOTP counter that moved",
          (w, seen) => [{ ...w, claim: { kind: "counter", credentialId: "cred-2", expected: 3, next: 6 } }, seen],
        ],
        [
          "a failure counter other than the one read (with a counter write)",
          (w, seen) => [
            { ...w, lock: { ...seen, consecutiveFailures: 6 } },
            { ...seen, consecutiveFailures: 5 },
          ],
        ],
      ])("writes nothing at all for %s, and says so", async (_label, change) => {
        const t = freshTenant();
        await seed(t);
        const before = await everything(t);
        const [write, seen] = change(completed(t), before.token1!.lock);
        expect(await direct((r) => r.steps.writeIfUnchanged(t, "alice", write, seen))).toBe(false);
        expect(await everything(t)).toEqual(before);
      });

      it("writes nothing when the failure counter changed since the read, even where the write would not touch it", async () => {
        const t = freshTenant();
        await seed(t);
        const seen = (await stateOf(t))!.lock;
        await run((r) => r.lockouts.save(t, "alice", { ...seen, consecutiveFailures: 1 }, T0));
        const before = await everything(t);
        expect(await direct((r) => r.steps.writeIfUnchanged(t, "alice", completed(t), seen))).toBe(false);
        expect(await everything(t)).toEqual(before);
      });

      it("writes nothing of another tenant", async () => {
        const t = freshTenant();
        await seed(t);
        const other = freshTenant();
        const seen = (await stateOf(t))!.lock;
        const write = { ...completed(t), attempt: { ...completed(t).attempt, tenantId: other } };
        expect(await direct((r) => r.steps.writeIfUnchanged(other, "alice", write, seen))).toBe(false);
        expect((await stateOf(t))?.attempt.version).toBe(1);
      });
    });

    it("writes nothing of another tenant: the write is scoped by its tenant", async () => {
      const t = freshTenant();
      await seed(t);
      const other = freshTenant();
      await expect(
        abandoned(run, (r) => r.steps.write(other, "alice", { ...completed(t), attempt: { ...completed(t).attempt, tenantId: other } })),
      ).resolves.toBe(false);
      expect((await run((r) => r.steps.lockForStep(t, "att-1", "token_1")))?.attempt.version).toBe(1);
    });
  });
}
