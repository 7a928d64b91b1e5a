import { describe, expect, it } from "vitest";
import { InMemoryStore } from "../in-memory/in-memory-store.js";
import { InMemoryUnitOfWork } from "../in-memory/in-memory-unit-of-work.js";
import { FaultInjectingUnitOfWork, InjectedFault } from "./fault-injecting-unit-of-work.js";

describe("FaultInjectingUnitOfWork", () => {
  it("passes calls through untouched when nothing is armed", async () => {
    const store = new InMemoryStore();
    const uow = new FaultInjectingUnitOfWork(new InMemoryUnitOfWork(store));
    await uow.run((r) => r.users.lock("t", "u", 1));
    expect(store.hasUser("t", "u")).toBe(true);
  });

  it("failOn throws after `skip` calls, `times` times, and the inner transaction rolls back", async () => {
    const store = new InMemoryStore();
    const inner = new InMemoryUnitOfWork(store);
    const uow = new FaultInjectingUnitOfWork(inner);
    const fault = uow.failOn("users.lock", { skip: 1, times: 1 });
    await uow.run((r) => r.users.lock("t", "a", 1));
    await expect(uow.run((r) => r.users.lock("t", "b", 1))).rejects.toBeInstanceOf(InjectedFault);
    await uow.run((r) => r.users.lock("t", "c", 1));
    expect([store.hasUser("t", "a"), store.hasUser("t", "b"), store.hasUser("t", "c")]).toEqual([true, false, true]);
    expect(fault.fired).toBe(1);
    expect(inner.rolledBack).toBe(1);
  });

  it("a second failOn of a method acts once the first has run its course", async () => {
    const store = new InMemoryStore();
    const uow = new FaultInjectingUnitOfWork(new InMemoryUnitOfWork(store));
    const first = uow.failOn("users.lock", { times: 1 });
    await expect(uow.run((r) => r.users.lock("t", "a", 1))).rejects.toBeInstanceOf(InjectedFault);
    const second = uow.failOn("users.lock", { times: 1 });
    await expect(uow.run((r) => r.users.lock("t", "b", 1))).rejects.toBeInstanceOf(InjectedFault);
    await uow.run((r) => r.users.lock("t", "c", 1));
    expect([first.fired, second.fired]).toEqual([1, 1]);
    expect([store.hasUser("t", "a"), store.hasUser("t", "b"), store.hasUser("t", "c")]).toEqual([false, false, true]);
  });

  it("beforeCall runs a hook with the call's arguments inside the same transaction, once by default", async () => {
    const store = new InMemoryStore();
    const uow = new FaultInjectingUnitOfWork(new InMemoryUnitOfWork(store));
    const seen: unknown[][] = [];
    const hook = uow.beforeCall("users.lock", async (repos, args) => {
      seen.push([...args]);
      await repos.users.lock("t", "sneaky", 1);
    });
    await uow.run((r) => r.users.lock("t", "u", 7));
    await uow.run((r) => r.users.lock("t", "v", 8));
    expect(seen).toEqual([["t", "u", 7]]);
    expect(hook.fired).toBe(1);
    expect(store.hasUser("t", "sneaky")).toBe(true);
  });
});
