import { AUDIT_PAGE_MAX } from "@mfa-chain/application";
import { adminKey, aPolicy, serviceKey, TEST_EPOCH, TestApp } from "../testing/index.js";
import { beforeAll, describe, expect, it } from "vitest";

const admin = adminKey();

describe("ListAuditEvents", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = new TestApp();
    // seq 1: policy.created (t=0); 2–5: enroll+confirm alice (t=0); 6–9: bob (t=0); then at t=30 s alice starts (10).
    await app.givenPolicy(aPolicy().withId("login"));
    await app.enrollAndConfirm("alice", "login", ["token_1", "token_2"]);
    app.clock.set(TEST_EPOCH);
    await app.enrollAndConfirm("bob", "login", ["token_1", "token_2"]);
    await app.start("alice", "login");
    await app.givenPolicy(aPolicy().withId("elsewhere"), adminKey("tenant-2"));
  });

  const list = (input: Omit<Parameters<TestApp["listAuditEvents"]["execute"]>[0], "actor"> = {}) =>
    app.listAuditEvents.execute({ actor: admin, ...input });

  it("lists the caller's tenant only, newest first", async () => {
    const { events, nextBefore } = await list();
    expect(events.map((e) => e.seq)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(events.every((e) => e.tenantId === "tenant-1")).toBe(true);
    expect(nextBefore).toBeNull();
    expect((await app.listAuditEvents.execute({ actor: serviceKey("tenant-2") })).events.map((e) => e.type)).toEqual(["policy.created"]);
  });

  it("filters by user, by types, and by time (from inclusive, to exclusive)", async () => {
    expect((await list({ userId: "bob" })).events.map((e) => e.seq)).toEqual([9, 8, 7, 6]);
    expect((await list({ types: ["factor.confirmed", "attempt.started"] })).events.map((e) => e.type)).toEqual([
      "attempt.started",
      "factor.confirmed",
      "factor.confirmed",
      "factor.confirmed",
      "factor.confirmed",
    ]);
    expect((await list({ userId: "alice", types: ["factor.enrolled"] })).events).toHaveLength(2);
    expect((await list({ from: TEST_EPOCH + 30_000 })).events.map((e) => e.type)).toEqual(["attempt.started"]);
    expect((await list({ to: TEST_EPOCH + 30_000 })).events).toHaveLength(9);
  });

  it("pages backwards with nextBefore until a short page", async () => {
    const seen: number[] = [];
    let before: number | undefined;
    const pages: number[] = [];
    for (;;) {
      const page = await list({ limit: 4, ...(before === undefined ? {} : { before }) });
      pages.push(page.events.length);
      seen.push(...page.events.map((e) => e.seq));
      if (page.nextBefore === null) break;
      expect(page.nextBefore).toBe(page.events.at(-1)?.seq);
      before = page.nextBefore;
    }
    expect(pages).toEqual([4, 4, 2]);
    expect(seen).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it("bounds the limit: 50 by default, at least 1, at most AUDIT_PAGE_MAX", async () => {
    const many = new TestApp();
    for (let i = 0; i < AUDIT_PAGE_MAX + 10; i++) await many.givenPolicy(aPolicy().withId(`p${i}`));
    const run = (limit?: number) => many.listAuditEvents.execute({ actor: admin, ...(limit === undefined ? {} : { limit }) });
    expect((await run()).events).toHaveLength(50);
    expect((await run(0)).events).toHaveLength(1);
    expect((await run(-5)).events).toHaveLength(1);
    const max = await run(10_000);
    expect(max.events).toHaveLength(AUDIT_PAGE_MAX);
    expect(max.nextBefore).toBe(max.events.at(-1)?.seq);
  });
});
