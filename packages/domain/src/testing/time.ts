// A fixed instant that tests start from, so expected timestamps read as plain arithmetic.
import { seconds, type Instant } from "../index.js";

/** 2025-01-01T00:00:00Z in epoch milliseconds. */
export const TEST_EPOCH: Instant = Date.UTC(2025, 0, 1);

/** `s` seconds after `from` (TEST_EPOCH by default). */
export const secondsAfter = (s: number, from: Instant = TEST_EPOCH): Instant => from + seconds(s);
