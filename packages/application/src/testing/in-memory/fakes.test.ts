import { describe, expect, it } from "vitest";
import { TEST_EPOCH } from "@mfa-chain/domain/testing";
import { FakeClock } from "./fake-clock.js";
import { FakeIdGenerator } from "./fake-id-generator.js";
import { InMemoryStore } from "./in-memory-store.js";
import { InMemoryUnitOfWork } from "./in-memory-unit-of-work.js";

describe("FakeClock", () => {
  it("starts at the test epoch and moves only when told", () => {
    const clock = new FakeClock();
    expect(clock.now()).toBe(TEST_EPOCH);
    expect(clock.advanceSeconds(30).now()).toBe(TEST_EPOCH + 30_000);
    expect(clock.advance(5).now()).toBe(TEST_EPOCH + 30_005);
    expect(clock.set(42).now()).toBe(42);
  });
});

describe("FakeIdGenerator", () => {
  it("numbers ids predictably and remembers them", () => {
    const ids = new FakeIdGenerator("att");
    expect(ids.peek()).toBe("att-0001");
    expect([ids.newId(), ids.newId()]).toEqual(["att-0001", "att-0002"]);
    expect(ids.issued).toEqual(["att-0001", "att-0002"]);
  });
});

describe("InMemoryUnitOfWork", () => {
  it("runs units of work one at a time, in call order", async () => {
    const uow = new InMemoryUnitOfWork(new InMemoryStore());
    const order: string[] = [];
    const slow = uow.run(async () => {
      order.push("slow:start");
      for (let i = 0; i < 10; i++) await Promise.resolve();
      order.push("slow:end");
    });
    const fast = uow.run(async () => {
      order.push("fast");
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(["slow:start", "slow:end", "fast"]);
    expect(uow.committed).toBe(2);
  });

  it("refuses repositories used after their unit of work ended", async () => {
    const uow = new InMemoryUnitOfWork(new InMemoryStore());
    const leaked = await uow.run(async (r) => r);
    await expect(leaked.attempts.find("t", "a")).rejects.toThrow(/has ended/);
  });

  it("counts rollbacks and keeps running after one", async () => {
    const store = new InMemoryStore();
    const uow = new InMemoryUnitOfWork(store);
    await expect(
      uow.run(async (r) => {
        await r.users.lock("t", "u", 1);
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    expect(store.hasUser("t", "u")).toBe(false);
    await uow.run((r) => r.users.lock("t", "u", 1));
    expect(store.hasUser("t", "u")).toBe(true);
    expect([uow.committed, uow.rolledBack]).toEqual([1, 1]);
  });
});
