// TenantSettingsRepository, NotificationOutbox and RecoveryRepository: settings saved and replaced per tenant, a lowered
// recovery delay pending until its time by the storage's clock; the
// outbox hands each pending notification out once, oldest first, and erases its sealed secret when processed;
// recoveries timed by the storage's clock, one open per user, moved by compare-and-set, found by their cancel token's
// hash only in their tenant.
import type { NewRecovery } from "@mfa-chain/application";
import { describe, expect, it } from "vitest";
import { freshTenant, setUpStorage, T0, type MakeStorage } from "./storage-fixture.js";

const hash = (n: number) => n.toString(16).padStart(64, "0");
const HOUR = 3600 * 1000;

export const sampleRecovery = (tenantId: string, id: string, o: Partial<NewRecovery> = {}): NewRecovery => ({
  tenantId,
  id,
  userId: "alice",
  requestedBy: "key_admin",
  verification: "video_call",
  reference: "TICKET-1",
  cancelTokenHash: hash(Number.parseInt(id.replace(/\D/g, "") || "1", 10)),
  delayMs: 24 * HOUR,
  windowMs: 7 * 24 * HOUR,
  ...o,
});

export function describeRecoveryRepositoryContract(name: string, makeStorage: MakeStorage): void {
  describe(`Recovery storage contract: ${name}`, () => {
    const { run } = setUpStorage(makeStorage);

    it("tenant settings: none until saved, then replaced; another tenant's stay apart", async () => {
      const t = freshTenant();
      const other = freshTenant();
      await run(async (r) => {
        await r.tenants.insert({ id: t, name: "t", createdAt: T0 });
        await r.tenants.insert({ id: other, name: "o", createdAt: T0 });
      });
      expect(await run((r) => r.settings.find(t))).toBeNull();
      await run((r) => r.settings.save(t, { notificationsEnabled: false, recoveryDelaySeconds: 60 }, T0, null));
      const saved = await run((r) => r.settings.save(t, { notificationsEnabled: true, recoveryDelaySeconds: 0 }, T0 + 1, null));
      const expected = { notificationsEnabled: true, recoveryDelaySeconds: 0, updatedAt: T0 + 1, pendingRecoveryDelay: null };
      expect(saved).toEqual(expected);
      expect(await run((r) => r.settings.find(t))).toEqual(expected);
      expect(await run((r) => r.settings.find(other))).toBeNull();
    });

    it("tenant settings: a lowered delay is pending until its time by the storage's clock, kept by 'keep', dropped by null", async () => {
      const t = freshTenant();
      await run((r) => r.tenants.insert({ id: t, name: "t", createdAt: T0 }));
      const settings = { notificationsEnabled: true, recoveryDelaySeconds: 3600 };
      const saved = await run((r) => r.settings.save(t, settings, T0, { recoveryDelaySeconds: 0, afterSeconds: 3600 }));
      expect(saved).toMatchObject({ recoveryDelaySeconds: 3600, pendingRecoveryDelay: { recoveryDelaySeconds: 0 } });
      // effectiveAt is the storage's clock (now) + 3600 s, not the caller's `at`: as a recovery due in an hour is timed.
      await run((r) => r.users.lock(t, "alice", T0));
      const clock = await run((r) => r.recoveries.insert(sampleRecovery(t, "rec77", { delayMs: HOUR })));
      expect(Math.abs((saved.pendingRecoveryDelay?.effectiveAt ?? 0) - (clock?.dueAt ?? 0))).toBeLessThan(60_000);
      await run((r) => r.settings.save(t, { ...settings, notificationsEnabled: false }, T0 + 1, "keep"));
      expect(await run((r) => r.settings.find(t))).toMatchObject({
        notificationsEnabled: false,
        recoveryDelaySeconds: 3600,
        pendingRecoveryDelay: saved.pendingRecoveryDelay,
      });
      // Its time came (effective a second ago): it is the delay, and nothing is pending.
      await run((r) => r.settings.save(t, settings, T0 + 2, { recoveryDelaySeconds: 60, afterSeconds: -1 }));
      expect(await run((r) => r.settings.find(t))).toMatchObject({ recoveryDelaySeconds: 60, pendingRecoveryDelay: null });
      await run((r) => r.settings.save(t, settings, T0 + 3, { recoveryDelaySeconds: 0, afterSeconds: 3600 }));
      await run((r) => r.settings.save(t, { ...settings, recoveryDelaySeconds: 7200 }, T0 + 4, null));
      expect(await run((r) => r.settings.find(t))).toMatchObject({ recoveryDelaySeconds: 7200, pendingRecoveryDelay: null });
    });

    it("outbox: queued notifications are claimed oldest first, each until processed; the secret is erased then", async () => {
      const t = freshTenant();
      await run((r) => r.users.lock(t, "alice", T0));
      const secret = { keyId: "k1", ciphertext: new Uint8Array([1, 2, 3]) };
      await run(async (r) => {
        await r.notifications.enqueue({
          tenantId: t,
          userId: "alice",
          event: "factor_added",
          factorLabel: "App",
          recipients: ["cred-1", "cred-2"],
          secret: null,
          dueAt: null,
          createdAt: T0,
        });
        await r.notifications.enqueue({
          tenantId: t,
          userId: "alice",
          event: "recovery_requested",
          factorLabel: null,
          recipients: null,
          secret,
          dueAt: T0 + HOUR,
          createdAt: T0 + 1,
        });
      });
      expect(await run((r) => r.notifications.pendingCount(t))).toBe(2);
      // Other tenants' pending notifications (other suites, other tests) may come first: drain until ours.
      const claimOurs = () =>
        run(async (r) => {
          for (;;) {
            const n = await r.notifications.claimNext();
            if (n === null) return null;
            if (n.tenantId === t) return n;
            await r.notifications.markProcessed(n.tenantId, n.id, T0);
          }
        });
      const first = await claimOurs();
      expect(first).toMatchObject({
        tenantId: t,
        userId: "alice",
        event: "factor_added",
        factorLabel: "App",
        recipients: ["cred-1", "cred-2"],
        secret: null,
        dueAt: null,
        createdAt: T0,
      });
      // Not processed yet: the same one again.
      expect((await claimOurs())?.id).toBe(first?.id);
      await run((r) => r.notifications.markProcessed(t, first?.id ?? "", T0 + 2));
      const second = await claimOurs();
      expect(second).toMatchObject({ event: "recovery_requested", dueAt: T0 + HOUR, recipients: null, secret: { keyId: "k1" } });
      expect([...(second?.secret?.ciphertext ?? [])]).toEqual([1, 2, 3]);
      await run((r) => r.notifications.markProcessed(t, second?.id ?? "", T0 + 3));
      expect(await run((r) => r.notifications.pendingCount(t))).toBe(0);
      expect(await claimOurs()).toBeNull();
    });

    it("recoveries: timed by the storage clock, one open per user, compare-and-set moves, cancel token found in its tenant only", async () => {
      const t = freshTenant();
      await run((r) => r.users.lock(t, "alice", T0));
      await run((r) => r.users.lock(t, "bob", T0));
      const stored = await run((r) => r.recoveries.insert(sampleRecovery(t, "rec1")));
      expect(stored).toMatchObject({ tenantId: t, id: "rec1", userId: "alice", state: "requested", reference: "TICKET-1" });
      expect((stored?.dueAt ?? 0) - (stored?.requestedAt ?? 0)).toBe(24 * HOUR);
      expect((stored?.expiresAt ?? 0) - (stored?.dueAt ?? 0)).toBe(7 * 24 * HOUR);
      // A second open recovery of the same user is refused; another user's is not.
      expect(await run((r) => r.recoveries.insert(sampleRecovery(t, "rec2")))).toBeNull();
      expect(await run((r) => r.recoveries.insert(sampleRecovery(t, "rec3", { userId: "bob" })))).not.toBeNull();

      const locked = await run((r) => r.recoveries.findForUpdate(t, "rec1"));
      expect(locked?.recovery).toEqual(stored);
      expect(Math.abs((locked?.now ?? 0) - (stored?.requestedAt ?? 0))).toBeLessThan(60_000);
      expect(await run((r) => r.recoveries.findForUpdate(freshTenant(), "rec1"))).toBeNull();
      expect(await run((r) => r.recoveries.peek(t, { id: "rec1" }))).toEqual(stored);
      expect(await run((r) => r.recoveries.peek(t, { cancelTokenHash: stored?.cancelTokenHash ?? "" }))).toEqual(stored);
      expect(await run((r) => r.recoveries.peek(freshTenant(), { id: "rec1" }))).toBeNull();
      expect(await run((r) => r.recoveries.peek(t, { cancelTokenHash: hash(999) }))).toBeNull();
      expect((await run((r) => r.recoveries.findByCancelTokenHash(t, stored?.cancelTokenHash ?? "")))?.recovery.id).toBe("rec1");
      expect(await run((r) => r.recoveries.findByCancelTokenHash(freshTenant(), stored?.cancelTokenHash ?? ""))).toBeNull();

      expect(await run((r) => r.recoveries.transition(t, "rec1", "ready", "completed", T0))).toBe(false);
      expect(await run((r) => r.recoveries.transition(t, "rec1", "requested", "ready", T0 + 5))).toBe(true);
      expect(await run((r) => r.recoveries.transition(t, "rec1", "requested", "ready", T0 + 6))).toBe(false);
      // Still open while ready; closed once completed: a new one may be requested then.
      expect(await run((r) => r.recoveries.insert(sampleRecovery(t, "rec4")))).toBeNull();
      expect(await run((r) => r.recoveries.transition(t, "rec1", "ready", "completed", T0 + 7))).toBe(true);
      expect(await run((r) => r.recoveries.insert(sampleRecovery(t, "rec5")))).not.toBeNull();

      const list = await run((r) => r.recoveries.listByUser(t, "alice"));
      expect(list.map((x) => [x.id, x.state])).toEqual([
        ["rec5", "requested"],
        ["rec1", "completed"],
      ]);
      expect(list[1]?.updatedAt).toBe(T0 + 7);
    });
  });
}
