// The server clock: the only clock any decision uses (S11).
import type { Clock } from "@mfa-chain/application";
import type { Instant } from "@mfa-chain/domain";

export class SystemClock implements Clock {
  now(): Instant {
    return Date.now();
  }
}
