// The console's directories: TenantRepository.list and UserRepository.list (ids by prefix, keyset pages in byte order,
// the prefix's own % and _ taken literally), and AuditReader.lastStepSucceeded (each factor's newest step success).
import { describe, expect, it } from "vitest";
import { freshTenant, sampleEvent, setUpStorage, T0, type MakeStorage } from "./storage-fixture.js";

export function describeDirectoryContract(name: string, makeStorage: MakeStorage): void {
  describe(`Directory (tenants, users, last use) contract: ${name}`, () => {
    const storage = setUpStorage(makeStorage);
    const { run } = storage;

    it("lists tenants by id prefix in keyset pages, in byte order", async () => {
      const base = freshTenant("dir");
      const ids = [`${base}-b`, `${base}-a`, `${base}_c`, `${base}-a0`];
      await run(async (r) => {
        for (const id of ids) expect(await r.tenants.insert({ id, name: id.toUpperCase(), createdAt: T0 })).toBe(true);
      });
      const first = await run((r) => r.tenants.list({ prefix: `${base}-`, after: null, limit: 2 }));
      expect(first).toEqual([
        { id: `${base}-a`, name: `${base}-a`.toUpperCase(), createdAt: T0 },
        { id: `${base}-a0`, name: `${base}-a0`.toUpperCase(), createdAt: T0 },
      ]);
      const second = await run((r) => r.tenants.list({ prefix: `${base}-`, after: `${base}-a0`, limit: 2 }));
      expect(second.map((t) => t.id)).toEqual([`${base}-b`]);
      // "_" in a prefix is itself, not "any character".
      expect((await run((r) => r.tenants.list({ prefix: `${base}_`, after: null, limit: 10 }))).map((t) => t.id)).toEqual([`${base}_c`]);
      expect((await run((r) => r.tenants.list({ prefix: base, after: null, limit: 10 }))).map((t) => t.id)).toEqual([
        `${base}-a`,
        `${base}-a0`,
        `${base}-b`,
        `${base}_c`,
      ]);
    });

    it("lists a tenant's users by id prefix in keyset pages, never another tenant's", async () => {
      const t = freshTenant();
      const other = freshTenant();
      await run(async (r) => {
        for (const tenantId of [t, other]) await r.tenants.insert({ id: tenantId, name: tenantId, createdAt: T0 });
        for (const [i, u] of ["bob", "alice", "al%ex", "Zed", "ann"].entries()) await r.users.lock(t, u, T0 + i);
        await r.users.lock(other, "alan", T0);
      });
      const list = (prefix: string, after: string | null, limit: number) => run((r) => r.users.list(t, { prefix, after, limit }));
      expect(await list("", null, 10)).toEqual([
        { userId: "Zed", createdAt: T0 + 3 },
        { userId: "al%ex", createdAt: T0 + 2 },
        { userId: "alice", createdAt: T0 + 1 },
        { userId: "ann", createdAt: T0 + 4 },
        { userId: "bob", createdAt: T0 },
      ]);
      expect((await list("a", null, 2)).map((u) => u.userId)).toEqual(["al%ex", "alice"]);
      expect((await list("a", "alice", 2)).map((u) => u.userId)).toEqual(["ann"]);
      expect((await list("al%", null, 10)).map((u) => u.userId)).toEqual(["al%ex"]);
      expect(await list("carol", null, 10)).toEqual([]);
      expect((await run((r) => r.users.list(other, { prefix: "", after: null, limit: 10 }))).map((u) => u.userId)).toEqual(["alan"]);
    });

    it("refuses a page size outside 1–100", async () => {
      const t = freshTenant();
      await expect(run((r) => r.users.list(t, { prefix: "", after: null, limit: 0 }))).rejects.toThrow(RangeError);
      await expect(run((r) => r.tenants.list({ prefix: "", after: null, limit: 101 }))).rejects.toThrow(RangeError);
    });

    it("finds each factor's newest step success of the user, and nothing for other users, types or factors", async () => {
      const t = freshTenant();
      await run(async (r) => {
        await r.audit.append(
          sampleEvent(t, { type: "attempt.step_succeeded", at: T0 + 1000, userId: "alice", factorId: "app" }),
          sampleEvent(t, { type: "attempt.step_succeeded", at: T0 + 3000, userId: "alice", factorId: "app" }),
          sampleEvent(t, { type: "attempt.step_failed", at: T0 + 4000, userId: "alice", factorId: "app" }),
          sampleEvent(t, { type: "attempt.step_succeeded", at: T0 + 2000, userId: "alice", factorId: "codes" }),
          sampleEvent(t, { type: "attempt.step_succeeded", at: T0 + 5000, userId: "bob", factorId: "app" }),
          sampleEvent(t, { type: "attempt.step_succeeded", at: T0 + 6000, userId: "alice", factorId: "email" }),
        );
      });
      expect(await storage.auditReader.lastStepSucceeded(t, "alice", ["app", "codes", "sms"])).toEqual([
        { factorId: "app", at: T0 + 3000 },
        { factorId: "codes", at: T0 + 2000 },
      ]);
      expect(await storage.auditReader.lastStepSucceeded(t, "carol", ["app"])).toEqual([]);
      expect(await storage.auditReader.lastStepSucceeded(freshTenant(), "alice", ["app"])).toEqual([]);
      expect(await storage.auditReader.lastStepSucceeded(t, "alice", [])).toEqual([]);
    });
  });
}
