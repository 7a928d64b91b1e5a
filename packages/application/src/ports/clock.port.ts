import type { Instant } from "@mfa-chain/domain";

/** The server clock: the only clock any decision uses. */
export interface Clock {
  now(): Instant;
}
