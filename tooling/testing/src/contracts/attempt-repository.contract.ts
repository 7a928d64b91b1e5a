// AttemptRepository: an attempt is read (and locked) by id within its tenant and changed only by compare-and-set.
import { describe, expect, it } from "vitest";
import { freshTenant, sampleAttempt, setUpStorage, T0, type MakeStorage } from "./storage-fixture.js";

export function describeAttemptRepositoryContract(name: string, makeStorage: MakeStorage): void {
  describe(`AttemptRepository contract: ${name}`, () => {
    const { run } = setUpStorage(makeStorage);

    it("reads back exactly what it stored, with and without the lock", async () => {
      const t = freshTenant();
      const attempt = sampleAttempt(t, "a1");
      await run((r) => r.attempts.insert(attempt));
      expect(await run((r) => r.attempts.find(t, "a1"))).toEqual(attempt);
      expect(await run((r) => r.attempts.findForUpdate(t, "a1"))).toEqual(attempt);
      expect(await run((r) => r.attempts.find(t, "a2"))).toBeNull();
      expect(await run((r) => r.attempts.findForUpdate(t, "a2"))).toBeNull();
    });

    it("refuses a duplicate id", async () => {
      const t = freshTenant();
      await run((r) => r.attempts.insert(sampleAttempt(t, "a1")));
      await expect(run((r) => r.attempts.insert(sampleAttempt(t, "a1", { userId: "bob" })))).rejects.toThrow();
    });

    it("updates when the stored version is the expected one", async () => {
      const t = freshTenant();
      const attempt = sampleAttempt(t, "a1");
      await run((r) => r.attempts.insert(attempt));
      const completed = { ...attempt, cursor: 2, status: "completed" as const, completedAt: T0 + 5000, version: 2 };
      expect(await run((r) => r.attempts.update(completed, 1))).toBe(true);
      expect(await run((r) => r.attempts.find(t, "a1"))).toEqual(completed);
    });

    it("writes a redrawn chain", async () => {
      const t = freshTenant();
      const attempt = sampleAttempt(t, "a1", { cursor: 1 });
      await run((r) => r.attempts.insert(attempt));
      const reset = { ...attempt, chain: ["token_3", "token_2"], cursor: 0, version: 2 };
      expect(await run((r) => r.attempts.update(reset, 1))).toBe(true);
      expect(await run((r) => r.attempts.find(t, "a1"))).toEqual(reset);
    });

    it("does not update over a concurrent change (stale version)", async () => {
      const t = freshTenant();
      const attempt = sampleAttempt(t, "a1");
      await run((r) => r.attempts.insert(attempt));
      const first = { ...attempt, cursor: 1, version: 2 };
      const second = { ...attempt, cursor: 0, chain: ["token_1", "token_2"], version: 2 };
      expect(await run((r) => r.attempts.update(first, 1))).toBe(true);
      expect(await run((r) => r.attempts.update(second, 1))).toBe(false);
      expect(await run((r) => r.attempts.find(t, "a1"))).toEqual(first);
      expect(await run((r) => r.attempts.update({ ...attempt, id: "missing" }, 1))).toBe(false);
    });
  });
}
