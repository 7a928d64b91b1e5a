// Background work that repeats (the audit sealer, the idempotency purge): one round at a time per process.

export interface Repeating {
  /** Settles once the round under way, if any, has ended (at shutdown: no round is cut off mid-way). */
  idle(): Promise<void>;
  /** No further rounds start; the one under way, if any, runs to its end. */
  stop(): void;
}

/**
 * Runs `round` every `ms` milliseconds, but never two at once: a tick that comes while the previous round still runs
 * does nothing. Without this, a round slower than its interval (the sealer working off a backlog) would be joined by
 * another every tick, and the overlapping rounds would wait on each other's locks and re-read each other's work.
 * `round` reports its own failures; a rejection here only ends that round. The timer does not keep the process alive.
 */
export function everyOneAtATime(round: () => Promise<unknown>, ms: number): Repeating {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = Promise.resolve()
      .then(round)
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        running = null;
      });
  }, ms).unref();
  return {
    idle: async () => {
      await running;
    },
    stop: () => clearInterval(timer),
  };
}
