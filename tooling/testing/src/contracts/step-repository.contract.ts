// StepRepository: the verify path's one read (attempt, failure counter, the submitted factor's active credential) and
// one write (claim, attempt compare-and-set, failure counter, audit events), tenant-scoped like every other port.
import type { Repositories, StepWrite } from "@mfa-chain/application";
import { UNLOCKED } from "@mfa-chain/domain";
import { describe, expect, it } from "vitest";
import {
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

class Abandon extends Error {
  constructor(readonly value: boolean) {
    super("abandoned on purpose");
  }
}

/** Runs `write` and, as the use case does when it reports false, rolls the transaction back; resolves to its result. */
async function abandoned(
  run: <T>(work: (r: Repositories) => Promise<T>) => Promise<T>,
  write: (r: Repositories) => Promise<boolean>,
): Promise<boolean> {
  try {
    await run(async (r) => {
      throw new Abandon(await write(r));
    });
  } catch (error) {
    if (error instanceof Abandon) return error.value;
    throw error;
  }
  throw new Error("unreachable");
}
