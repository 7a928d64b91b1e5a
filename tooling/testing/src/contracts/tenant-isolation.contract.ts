// S27 at the storage layer: through no method can one tenant read or change another tenant's rows, even with the
// other tenant's ids in hand.
import { UNLOCKED } from "@mfa-chain/domain";
import { describe, expect, it } from "vitest";
import {
  freshTenant,
  sampleAttempt,
  materialOf,
  sampleCredential,
  sampleEvent,
  samplePolicy,
  setUpStorage,
  T0,
  type MakeStorage,
} from "./storage-fixture.js";

export function describeTenantIsolationContract(name: string, makeStorage: MakeStorage): void {
  describe(`tenant isolation contract (S27): ${name}`, () => {
    const storage = setUpStorage(makeStorage);
    const { run } = storage;

    async function seedTenantA() {
      const a = freshTenant("a");
      const b = freshTenant("b");
      const rows = {
        policy: samplePolicy(a),
        active: sampleCredential(a, "c-active", { status: "active", lastTimeStep: 10, counter: 4 }),
        pending: sampleCredential(a, "c-pending", { factorId: "token_2" }),
        attempt: sampleAttempt(a, "a1"),
        lock: { consecutiveFailures: 2, lockCount: 1, lockedUntil: null },
      };
      await run(async (r) => {
        await r.users.lock(a, "alice", T0);
        await r.policies.insert(rows.policy);
        await r.credentials.insert(rows.active);
        await r.credentials.insert(rows.pending);
        await r.attempts.insert(rows.attempt);
        await r.lockouts.save(a, "alice", rows.lock, T0);
        await r.audit.append(sampleEvent(a));
      });
      return { a, b, rows };
    }

    it("shows tenant B none of tenant A's rows", async () => {
      const { b } = await seedTenantA();
      await run(async (r) => {
        expect(await r.policies.findLatest(b, "login")).toBeNull();
        expect(await r.policies.findVersion(b, "login", 1)).toBeNull();
        expect(await r.policies.listLatest(b)).toEqual([]);
        expect(await r.credentials.findById(b, "alice", "c-active")).toBeNull();
        expect(await r.credentials.findActiveByFactor(b, "alice", "token_1")).toBeNull();
        expect(await r.credentials.listByUser(b, "alice")).toEqual([]);
        expect(await r.attempts.find(b, "a1")).toBeNull();
        expect(await r.attempts.findForUpdate(b, "a1")).toBeNull();
        expect(await r.lockouts.find(b, "alice")).toEqual(UNLOCKED);
        expect(await r.lockouts.findForUpdate(b, "alice")).toEqual(UNLOCKED);
      });
      expect(await storage.auditReader.list({ tenantId: b, limit: 100 })).toEqual([]);
      expect(await storage.auditReader.list({ tenantId: b, userId: "alice", limit: 100 })).toEqual([]);
    });

    it("lets tenant B change none of tenant A's rows", async () => {
      const { a, b, rows } = await seedTenantA();
      await run(async (r) => {
        expect(await r.policies.markDeleted(b, "login", T0)).toBe(false);
        expect(await r.credentials.activate(b, "c-pending", T0, { kind: "time_step", credentialId: "c-pending", step: 1 })).toBe(false);
        expect(await r.credentials.revoke(b, "c-active", T0)).toBe(false);
        expect(await r.credentials.claim(b, { kind: "time_step", credentialId: "c-active", step: 11 }, T0)).toBe(false);
        expect(await r.credentials.claim(b, { kind: "counter", credentialId: "c-active", expected: 4, next: 5 }, T0)).toBe(false);
        await r.credentials.deletePending(b, "alice", "token_2");
        expect(await r.attempts.update({ ...rows.attempt, tenantId: b, cursor: 1, version: 2 }, 1)).toBe(false);
        await r.lockouts.save(b, "alice", { consecutiveFailures: 0, lockCount: 0, lockedUntil: null }, T0);
      });
      await run(async (r) => {
        expect(await r.policies.findLatest(a, "login")).toEqual(rows.policy);
        expect(await r.credentials.findById(a, "alice", "c-active")).toEqual(rows.active);
        expect(await r.credentials.findById(a, "alice", "c-pending")).toEqual(rows.pending);
        expect(await r.attempts.find(a, "a1")).toEqual(rows.attempt);
        expect(await r.lockouts.find(a, "alice")).toEqual(rows.lock);
      });
      expect(await storage.auditReader.list({ tenantId: a, limit: 100 })).toHaveLength(1);
    });

    it("keeps the same ids apart in two tenants", async () => {
      const { a, b, rows } = await seedTenantA();
      const theirs = {
        policy: samplePolicy(b, "login", 1, { name: "B's" }),
        active: sampleCredential(b, "c-active", { status: "active" }),
        attempt: sampleAttempt(b, "a1", { userId: "zed" }),
      };
      await run(async (r) => {
        await r.policies.insert(theirs.policy);
        await r.credentials.insert(theirs.active);
        await r.attempts.insert(theirs.attempt);
        expect(await r.credentials.claim(b, { kind: "time_step", credentialId: "c-active", step: 50 }, T0)).toBe(true);
      });
      await run(async (r) => {
        expect(await r.policies.findLatest(a, "login")).toEqual(rows.policy);
        expect(await r.policies.findLatest(b, "login")).toEqual(theirs.policy);
        expect(materialOf(await r.credentials.findById(a, "alice", "c-active"))?.lastTimeStep).toBe(10);
        expect(materialOf(await r.credentials.findById(b, "alice", "c-active"))?.lastTimeStep).toBe(50);
        expect((await r.attempts.find(b, "a1"))?.userId).toBe("zed");
        expect((await r.attempts.find(a, "a1"))?.userId).toBe("alice");
      });
    });
  });
}
