// AuditLog + AuditReader: events come back newest first with increasing sequence numbers, filtered by user, types and
// time (from inclusive, to exclusive), paged backwards with `before`.
import type { AuditEventType } from "@mfa-chain/domain";
import { describe, expect, it } from "vitest";
import { freshTenant, sampleEvent, setUpStorage, T0, type MakeStorage } from "./storage-fixture.js";

export function describeAuditLogContract(name: string, makeStorage: MakeStorage): void {
  describe(`AuditLog and AuditReader contract: ${name}`, () => {
    const storage = setUpStorage(makeStorage);
    const { run } = storage;

    async function seed(t: string) {
      const events = [
        sampleEvent(t, { type: "attempt.started", at: T0 + 1000, userId: "alice", data: { policyId: "login", version: 1 } }),
        sampleEvent(t, { type: "attempt.step_failed", at: T0 + 2000, userId: "alice" }),
        sampleEvent(t, {
          type: "policy.created",
          at: T0 + 3000,
          userId: null,
          attemptId: null,
          factorId: null,
          actor: { kind: "system" },
          data: {},
        }),
        sampleEvent(t, { type: "attempt.step_failed", at: T0 + 4000, userId: "bob" }),
        sampleEvent(t, { type: "user.locked", at: T0 + 5000, userId: "alice", data: { lockedUntil: T0 + 305_000, ok: true } }),
      ];
      await run(async (r) => {
        for (const e of events) await r.audit.append(e);
      });
      return events;
    }

    it("reads back every field, newest first, with increasing sequence numbers", async () => {
      const t = freshTenant();
      const events = await seed(t);
      const listed = await storage.auditReader.list({ tenantId: t, limit: 100 });
      expect(listed.map(({ seq: _seq, ...e }) => e)).toEqual([...events].reverse());
      const seqs = listed.map((e) => e.seq);
      expect([...seqs].sort((a, b) => b - a)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(seqs.length);
    });

    it("filters by user, by types and by time", async () => {
      const t = freshTenant();
      await seed(t);
      const list = (q: { userId?: string; types?: AuditEventType[]; from?: number; to?: number }) =>
        storage.auditReader.list({ tenantId: t, limit: 100, ...q }).then((es) => es.map((e) => e.at - T0));
      expect(await list({ userId: "alice" })).toEqual([5000, 2000, 1000]);
      expect(await list({ types: ["attempt.step_failed"] })).toEqual([4000, 2000]);
      expect(await list({ types: ["attempt.step_failed", "user.locked"], userId: "alice" })).toEqual([5000, 2000]);
      expect(await list({ types: [] })).toEqual([]);
      expect(await list({ from: T0 + 2000, to: T0 + 4000 })).toEqual([3000, 2000]);
      expect(await list({ from: T0 + 4001 })).toEqual([5000]);
      expect(await list({ to: T0 + 1000 })).toEqual([]);
      expect(await list({ userId: "nobody" })).toEqual([]);
    });

    it("pages backwards with before and limit, without gaps or overlaps", async () => {
      const t = freshTenant();
      await seed(t);
      const all = await storage.auditReader.list({ tenantId: t, limit: 100 });
      const seen: number[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await storage.auditReader.list({ tenantId: t, limit: 2, ...(before === undefined ? {} : { before }) });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(2);
        seen.push(...page.map((e) => e.seq));
        before = page[page.length - 1]?.seq;
      }
      expect(seen).toEqual(all.map((e) => e.seq));
    });

    it("refuses a page size outside 1–1000", async () => {
      const t = freshTenant();
      for (const limit of [0, -1, 1.5, 1001]) {
        await expect(storage.auditReader.list({ tenantId: t, limit })).rejects.toThrow(RangeError);
      }
      expect(await storage.auditReader.list({ tenantId: t, limit: 1000 })).toEqual([]);
    });

    it("keeps no event of a unit of work that failed", async () => {
      const t = freshTenant();
      await expect(
        run(async (r) => {
          await r.audit.append(sampleEvent(t));
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await storage.auditReader.list({ tenantId: t, limit: 10 })).toEqual([]);
    });
  });
}
