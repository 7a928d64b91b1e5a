// A clock tests set and move by hand: the only clock the code under test sees.
import type { Clock } from "../../index.js";
import { seconds, type Instant } from "@mfa-chain/domain";
import { TEST_EPOCH } from "@mfa-chain/domain/testing";

export class FakeClock implements Clock {
  constructor(private current: Instant = TEST_EPOCH) {}

  now(): Instant {
    return this.current;
  }

  set(at: Instant): this {
    this.current = at;
    return this;
  }

  advance(ms: number): this {
    this.current += ms;
    return this;
  }

  advanceSeconds(s: number): this {
    return this.advance(seconds(s));
  }
}
