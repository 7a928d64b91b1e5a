// OperatorRepository: console operators (users of the console tenant) and their sessions.
import type { StoredOperator, StoredOperatorSession } from "@mfa-chain/application";
import { describe, expect, it } from "vitest";
import { freshTenant, setUpStorage, T0, type MakeStorage } from "./storage-fixture.js";

const HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

export const sampleOperator = (tenantId: string, id: string, overrides: Partial<StoredOperator> = {}): StoredOperator => ({
  tenantId,
  id,
  username: `${id}@example.test`,
  passwordHash: HASH,
  role: "admin",
  scope: null,
  createdAt: T0,
  disabledAt: null,
  ...overrides,
});

const sampleSession = (tenantId: string, id: string, operatorId: string): StoredOperatorSession => ({
  tenantId,
  id,
  operatorId,
  stage: "password_passed",
  attemptId: "att-1",
  createdAt: T0,
  lastSeenAt: T0,
  authenticatedAt: null,
  endedAt: null,
});

const sessionId = (n: number): string => n.toString(16).padStart(64, "0");

export function describeOperatorRepositoryContract(name: string, makeStorage: MakeStorage): void {
  describe(`OperatorRepository contract: ${name}`, () => {
    const { run } = setUpStorage(makeStorage);

    it("inserts an operator, finds it by id and by name, lists by name, and refuses a taken name", async () => {
      const t = freshTenant();
      const bob = sampleOperator(t, "op-b", { username: "bob", role: "viewer", scope: "acme" });
      const ann = sampleOperator(t, "op-a", { username: "ann" });
      await run(async (r) => {
        await r.users.lock(t, bob.id, T0);
        await r.users.lock(t, ann.id, T0);
        expect(await r.operators.insert(bob)).toBe(true);
        expect(await r.operators.insert(ann)).toBe(true);
      });
      expect(await run((r) => r.operators.find(t, "op-b"))).toEqual(bob);
      expect(await run((r) => r.operators.findByUsername(t, "ann"))).toEqual(ann);
      expect(await run((r) => r.operators.findByUsername(t, "carol"))).toBeNull();
      expect((await run((r) => r.operators.list(t))).map((o) => o.username)).toEqual(["ann", "bob"]);
      await run((r) => r.users.lock(t, "op-c", T0));
      expect(await run((r) => r.operators.insert(sampleOperator(t, "op-c", { username: "bob" })))).toBe(false);
      expect(await run((r) => r.operators.find(t, "op-c"))).toBeNull();
      // Another tenant sees none of them.
      const other = freshTenant();
      expect(await run((r) => r.operators.find(other, "op-b"))).toBeNull();
      expect(await run((r) => r.operators.findByUsername(other, "bob"))).toBeNull();
      expect(await run((r) => r.operators.list(other))).toEqual([]);
    });

    it("inserts a session, finds it; activates, touches and ends it only while it has not ended; disables an operator once", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.users.lock(t, "op-1", T0);
        await r.operators.insert(sampleOperator(t, "op-1"));
        await r.operators.insertSession(sampleSession(t, sessionId(1), "op-1"));
      });
      const started = sampleSession(t, sessionId(1), "op-1");
      expect(await run((r) => r.operators.findSession(t, sessionId(1)))).toEqual(started);
      expect(await run((r) => r.operators.findSession(t, sessionId(2)))).toBeNull();
      expect(await run((r) => r.operators.touchSession(t, sessionId(2), T0 + 5))).toBe(false);
      expect(await run((r) => r.operators.activateSession(t, sessionId(1), T0 + 10))).toBe(true);
      const active: StoredOperatorSession = { ...started, stage: "active", authenticatedAt: T0 + 10, lastSeenAt: T0 + 10 };
      expect(await run((r) => r.operators.findSession(t, sessionId(1)))).toEqual(active);
      // Active already: not activated again.
      expect(await run((r) => r.operators.activateSession(t, sessionId(1), T0 + 15))).toBe(false);
      expect(await run((r) => r.operators.touchSession(t, sessionId(1), T0 + 20))).toBe(true);
      expect(await run((r) => r.operators.findSession(t, sessionId(1)))).toEqual({ ...active, lastSeenAt: T0 + 20 });
      expect(await run((r) => r.operators.endSession(t, sessionId(1), T0 + 30))).toBe(true);
      const ended = { ...active, lastSeenAt: T0 + 20, endedAt: T0 + 30 };
      // Ended: a late touch, a second end or an activation change nothing.
      expect(await run((r) => r.operators.touchSession(t, sessionId(1), T0 + 40))).toBe(false);
      expect(await run((r) => r.operators.endSession(t, sessionId(1), T0 + 50))).toBe(false);
      expect(await run((r) => r.operators.activateSession(t, sessionId(1), T0 + 60))).toBe(false);
      expect(await run((r) => r.operators.findSession(t, sessionId(1)))).toEqual(ended);
      expect(await run((r) => r.operators.endSession(freshTenant(), sessionId(1), T0 + 70))).toBe(false);
      expect(await run((r) => r.operators.findSession(freshTenant(), sessionId(1)))).toBeNull();
      // A half-way session that is ended is never activated.
      await run((r) => r.operators.insertSession(sampleSession(t, sessionId(4), "op-1")));
      expect(await run((r) => r.operators.endSession(t, sessionId(4), T0 + 80))).toBe(true);
      expect(await run((r) => r.operators.activateSession(t, sessionId(4), T0 + 90))).toBe(false);
      expect((await run((r) => r.operators.findSession(t, sessionId(4))))?.stage).toBe("password_passed");
      // Disabling: once; an unknown operator is not.
      expect(await run((r) => r.operators.disable(t, "op-1", T0 + 100))).toBe(true);
      expect(await run((r) => r.operators.disable(t, "op-1", T0 + 110))).toBe(false);
      expect(await run((r) => r.operators.disable(t, "op-9", T0 + 110))).toBe(false);
      expect((await run((r) => r.operators.find(t, "op-1")))?.disabledAt).toBe(T0 + 100);
    });

    it("lists a tenant's API keys, revoked ones too, oldest first, and no other tenant's (ApiKeyRepository.listByTenant)", async () => {
      const t = freshTenant();
      const other = freshTenant();
      const key = (tenantId: string, id: string, createdAt: number) => ({
        tenantId,
        id,
        name: `key ${id}`,
        keyHash: Array.from({ length: 64 }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join(""),
        role: "service" as const,
        createdAt,
        revokedAt: null,
      });
      const [a, b, c] = [key(t, "key_a", T0 + 1), key(t, "key_b", T0 + 2), key(other, "key_c", T0)];
      await run(async (r) => {
        for (const tenantId of [t, other]) await r.tenants.insert({ id: tenantId, name: tenantId, createdAt: T0 });
        for (const k of [b, a, c]) await r.apiKeys.insert(k);
      });
      await run((r) => r.apiKeys.revoke(t, { id: "key_b" }, T0 + 3));
      expect(await run((r) => r.apiKeys.listByTenant(t))).toEqual([a, { ...b, revokedAt: T0 + 3 }]);
      expect((await run((r) => r.apiKeys.listByTenant(other))).map((k) => k.id)).toEqual(["key_c"]);
      expect(await run((r) => r.apiKeys.listByTenant(freshTenant()))).toEqual([]);
    });

    it("refuses an operator without its user, and a session without its operator", async () => {
      const t = freshTenant();
      await expect(run((r) => r.operators.insert(sampleOperator(t, "op-ghost")))).rejects.toThrow();
      await expect(run((r) => r.operators.insertSession(sampleSession(t, sessionId(4), "op-ghost")))).rejects.toThrow();
    });
  });
}
