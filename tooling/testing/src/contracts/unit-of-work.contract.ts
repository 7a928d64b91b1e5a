// UnitOfWork: everything written inside `run` commits together, or — when `work` throws — nothing does, and the
// very error comes back out.
import type { Repositories } from "@mfa-chain/application";
import { UNLOCKED } from "@mfa-chain/domain";
import { describe, expect, it } from "vitest";
import {
  freshTenant,
  sampleAttempt,
  sampleCredential,
  sampleEvent,
  samplePolicy,
  setUpStorage,
  T0,
  type MakeStorage,
} from "./storage-fixture.js";

export function describeUnitOfWorkContract(name: string, makeStorage: MakeStorage): void {
  describe(`UnitOfWork contract: ${name}`, () => {
    const storage = setUpStorage(makeStorage);
    const { run } = storage;

    const writeEverything = async (r: Repositories, t: string) => {
      await r.users.lock(t, "alice", T0);
      await r.policies.insert(samplePolicy(t));
      await r.credentials.insert(sampleCredential(t, "c1", { status: "active" }));
      await r.attempts.insert(sampleAttempt(t, "a1"));
      await r.lockouts.save(t, "alice", { consecutiveFailures: 3, lockCount: 0, lockedUntil: null }, T0);
      await r.audit.append(sampleEvent(t));
    };

    it("commits every write and returns the result of the work", async () => {
      const t = freshTenant();
      const result = await run(async (r) => {
        await writeEverything(r, t);
        // Reads inside the unit of work see its own writes.
        return (await r.credentials.findById(t, "alice", "c1"))?.id;
      });
      expect(result).toBe("c1");
      expect(await run((r) => r.policies.findLatest(t, "login"))).not.toBeNull();
      expect(await run((r) => r.credentials.findById(t, "alice", "c1"))).not.toBeNull();
      expect(await run((r) => r.attempts.find(t, "a1"))).not.toBeNull();
      expect((await run((r) => r.lockouts.find(t, "alice"))).consecutiveFailures).toBe(3);
      expect(await storage.auditReader.list({ tenantId: t, limit: 10 })).toHaveLength(1);
    });

    it("rolls back every write when the work throws, and rethrows the same error", async () => {
      const t = freshTenant();
      const failure = new Error("the work failed");
      const outcome = run(async (r) => {
        await writeEverything(r, t);
        await r.credentials.claim(t, { kind: "time_step", credentialId: "c1", step: 7 }, T0);
        throw failure;
      });
      await expect(outcome).rejects.toBe(failure);
      expect(await run((r) => r.policies.findLatest(t, "login"))).toBeNull();
      expect(await run((r) => r.credentials.listByUser(t, "alice"))).toEqual([]);
      expect(await run((r) => r.attempts.find(t, "a1"))).toBeNull();
      expect(await run((r) => r.lockouts.find(t, "alice"))).toEqual(UNLOCKED);
      expect(await storage.auditReader.list({ tenantId: t, limit: 10 })).toEqual([]);
    });

    it("rolls back changes to rows that existed before", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.credentials.insert(sampleCredential(t, "c1", { status: "active", lastTimeStep: 10 }));
        await r.attempts.insert(sampleAttempt(t, "a1"));
      });
      await expect(
        run(async (r) => {
          expect(await r.credentials.claim(t, { kind: "time_step", credentialId: "c1", step: 11 }, T0)).toBe(true);
          expect(await r.attempts.update({ ...sampleAttempt(t, "a1"), cursor: 1, version: 2 }, 1)).toBe(true);
          expect(await r.credentials.revoke(t, "c1", T0)).toBe(true);
          throw new Error("undo");
        }),
      ).rejects.toThrow("undo");
      expect(await run((r) => r.credentials.findById(t, "alice", "c1"))).toEqual(
        sampleCredential(t, "c1", { status: "active", lastTimeStep: 10 }),
      );
      expect(await run((r) => r.attempts.find(t, "a1"))).toEqual(sampleAttempt(t, "a1"));
    });

    it("records a user once however often it is ensured", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.users.lock(t, "alice", T0);
        await r.users.lock(t, "alice", T0 + 1);
      });
      await run((r) => r.users.lock(t, "alice", T0 + 2));
    });
  });
}
