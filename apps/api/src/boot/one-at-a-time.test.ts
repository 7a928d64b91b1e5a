import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { everyOneAtATime } from "./one-at-a-time.js";

describe("everyOneAtATime", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  /** A round that ends only when told to, counting how many started and how many run at once. */
  function controlledRounds() {
    const ends: Array<() => void> = [];
    const state = { started: 0, running: 0, mostAtOnce: 0 };
    const round = () =>
      new Promise<void>((resolve) => {
        state.started += 1;
        state.running += 1;
        state.mostAtOnce = Math.max(state.mostAtOnce, state.running);
        ends.push(() => {
          state.running -= 1;
          resolve();
        });
      });
    return { round, ends, state };
  }

  it("starts no round while the previous one still runs, and the next tick after it ended does", async () => {
    const { round, ends, state } = controlledRounds();
    const repeating = everyOneAtATime(round, 100);
    await vi.advanceTimersByTimeAsync(100);
    expect(state.started).toBe(1);
    await vi.advanceTimersByTimeAsync(500); // five more ticks while the first round runs
    expect(state.started).toBe(1);
    ends.shift()!();
    await vi.advanceTimersByTimeAsync(100);
    expect(state.started).toBe(2);
    expect(state.mostAtOnce).toBe(1);
    repeating.stop();
    ends.shift()!();
  });

  it("idle() waits for the round under way; stop() starts no more", async () => {
    const { round, ends, state } = controlledRounds();
    const repeating = everyOneAtATime(round, 100);
    await vi.advanceTimersByTimeAsync(100);
    let idle = false;
    const waiting = repeating.idle().then(() => (idle = true));
    repeating.stop();
    await vi.advanceTimersByTimeAsync(50);
    expect(idle).toBe(false);
    ends.shift()!();
    await waiting;
    expect(idle).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(state.started).toBe(1);
  });

  it("a round that fails does not stop the next one", async () => {
    let calls = 0;
    const repeating = everyOneAtATime(async () => {
      calls += 1;
      throw new Error("this round failed");
    }, 100);
    await vi.advanceTimersByTimeAsync(300);
    expect(calls).toBe(3);
    repeating.stop();
  });
});
