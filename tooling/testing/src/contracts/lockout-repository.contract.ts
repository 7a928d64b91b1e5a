// LockoutRepository: a user without a row is UNLOCKED; save replaces the whole state.
import { UNLOCKED } from "@mfa-chain/domain";
import { describe, expect, it } from "vitest";
import { freshTenant, setUpStorage, T0, type MakeStorage } from "./storage-fixture.js";

export function describeLockoutRepositoryContract(name: string, makeStorage: MakeStorage): void {
  describe(`LockoutRepository contract: ${name}`, () => {
    const { run } = setUpStorage(makeStorage);

    it("reports UNLOCKED for a user never seen, with or without the lock", async () => {
      const t = freshTenant();
      expect(await run((r) => r.lockouts.find(t, "alice"))).toEqual(UNLOCKED);
      expect(await run((r) => r.lockouts.findForUpdate(t, "alice"))).toEqual(UNLOCKED);
      // Locking a user who has no row yet does not invent failures.
      expect(await run((r) => r.lockouts.find(t, "alice"))).toEqual(UNLOCKED);
    });

    it("saves and reads back the whole state, and overwrites it", async () => {
      const t = freshTenant();
      const locked = { consecutiveFailures: 5, lockCount: 2, lockedUntil: T0 + 600_000 };
      await run((r) => r.lockouts.save(t, "alice", locked, T0));
      expect(await run((r) => r.lockouts.find(t, "alice"))).toEqual(locked);
      expect(await run((r) => r.lockouts.findForUpdate(t, "alice"))).toEqual(locked);
      const counting = { consecutiveFailures: 1, lockCount: 2, lockedUntil: null };
      await run(async (r) => {
        await r.lockouts.findForUpdate(t, "alice");
        await r.lockouts.save(t, "alice", counting, T0 + 1);
      });
      expect(await run((r) => r.lockouts.find(t, "alice"))).toEqual(counting);
      expect(await run((r) => r.lockouts.find(t, "bob"))).toEqual(UNLOCKED);
    });

    it("saves after locking a user who had no row", async () => {
      const t = freshTenant();
      await run(async (r) => {
        const current = await r.lockouts.findForUpdate(t, "carol");
        await r.lockouts.save(t, "carol", { ...current, consecutiveFailures: current.consecutiveFailures + 1 }, T0);
      });
      expect(await run((r) => r.lockouts.find(t, "carol"))).toEqual({ consecutiveFailures: 1, lockCount: 0, lockedUntil: null });
    });
  });
}
