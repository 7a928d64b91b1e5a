// Start-up work that needs the database, retried until it succeeds: exponential backoff with jitter, capped, so a
// fleet started during an outage neither crash-loops nor stampedes the database when it returns.
import { randomInt } from "node:crypto";

export interface RetryOptions {
  /** First delay (default 250 ms), doubled per failure up to `maxDelayMs` (default 10 s). */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Checked before each try: when true, the retries end and the promise rejects. */
  readonly stopped: () => boolean;
  readonly onFailure: (error: unknown, retryInMs: number) => void;
}

export class RetryStopped extends Error {
  override readonly name = "RetryStopped";
}

export async function retryWithBackoff<T>(work: () => Promise<T>, o: RetryOptions): Promise<T> {
  let delay = o.initialDelayMs ?? 250;
  const max = o.maxDelayMs ?? 10_000;
  for (;;) {
    if (o.stopped()) throw new RetryStopped("stopped before the work succeeded");
    try {
      return await work();
    } catch (error) {
      if (o.stopped()) throw new RetryStopped("stopped before the work succeeded");
      // Full jitter on the upper half: between delay/2 and delay.
      const wait = Math.round(delay / 2) + randomInt(Math.max(1, Math.round(delay / 2)));
      o.onFailure(error, wait);
      await new Promise((resolve) => setTimeout(resolve, wait).unref());
      delay = Math.min(max, delay * 2);
    }
  }
}
