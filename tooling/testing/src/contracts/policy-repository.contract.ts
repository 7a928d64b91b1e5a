// PolicyRepository: versions are immutable rows; the latest live version wins; deleting hides every version from
// "latest" but keeps each one readable by number (running attempts finish on theirs).
import { describe, expect, it } from "vitest";
import { freshTenant, samplePolicy, setUpStorage, T0, type MakeStorage } from "./storage-fixture.js";

export function describePolicyRepositoryContract(name: string, makeStorage: MakeStorage): void {
  describe(`PolicyRepository contract: ${name}`, () => {
    const { run } = setUpStorage(makeStorage);

    it("reads back exactly what it stored", async () => {
      const t = freshTenant();
      const v1 = samplePolicy(t);
      await run((r) => r.policies.insert(v1));
      expect(await run((r) => r.policies.findLatest(t, "login"))).toEqual(v1);
      expect(await run((r) => r.policies.findVersion(t, "login", 1))).toEqual(v1);
    });

    it("finds the newest version as latest and every version by number", async () => {
      const t = freshTenant();
      const v1 = samplePolicy(t, "login", 1);
      const v2 = samplePolicy(t, "login", 2, { requiredSteps: 3, mode: "fixed" });
      await run(async (r) => {
        await r.policies.insert(v1);
        await r.policies.insert(v2);
      });
      expect(await run((r) => r.policies.findLatest(t, "login"))).toEqual(v2);
      expect(await run((r) => r.policies.findVersion(t, "login", 1))).toEqual(v1);
      expect(await run((r) => r.policies.findVersion(t, "login", 3))).toBeNull();
      expect(await run((r) => r.policies.findLatest(t, "other"))).toBeNull();
    });

    it("refuses a second row for an existing version (returns false, keeps the first)", async () => {
      const t = freshTenant();
      expect(await run((r) => r.policies.insert(samplePolicy(t)))).toBe(true);
      expect(await run((r) => r.policies.insert(samplePolicy(t, "login", 1, { name: "again" })))).toBe(false);
      expect((await run((r) => r.policies.findLatest(t, "login")))?.name).toBe("Policy login v1");
    });

    it("lists the latest version of each live policy", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.policies.insert(samplePolicy(t, "a", 1));
        await r.policies.insert(samplePolicy(t, "a", 2));
        await r.policies.insert(samplePolicy(t, "b", 1));
        await r.policies.insert(samplePolicy(t, "gone", 1));
        await r.policies.markDeleted(t, "gone", T0);
      });
      const listed = await run((r) => r.policies.listLatest(t));
      expect(listed.map((p) => [p.id, p.version]).sort()).toEqual([
        ["a", 2],
        ["b", 1],
      ]);
      expect(await run((r) => r.policies.listLatest(freshTenant()))).toEqual([]);
    });

    it("marks every version deleted, once, and keeps versions readable by number", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.policies.insert(samplePolicy(t, "login", 1));
        await r.policies.insert(samplePolicy(t, "login", 2));
      });
      expect(await run((r) => r.policies.markDeleted(t, "login", T0 + 5000))).toBe(true);
      expect(await run((r) => r.policies.findLatest(t, "login"))).toBeNull();
      expect(await run((r) => r.policies.findVersion(t, "login", 1))).toEqual(samplePolicy(t, "login", 1));
      expect(await run((r) => r.policies.findVersion(t, "login", 2))).toEqual(samplePolicy(t, "login", 2));
      expect(await run((r) => r.policies.markDeleted(t, "login", T0 + 6000))).toBe(false);
      expect(await run((r) => r.policies.markDeleted(t, "never-existed", T0))).toBe(false);
    });
  });
}
