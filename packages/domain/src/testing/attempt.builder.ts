// anAttempt(): an attempt started through the domain's own startAttempt, optionally moved to a later step.
import { startAttempt, type Attempt, type Instant, type Policy, type RandomSource } from "../index.js";
import { aPolicy } from "./policy.builder.js";
import { SeededRandom } from "./seeded-random.js";
import { TEST_EPOCH } from "./time.js";

export class AttemptBuilder {
  private id = "att_0000000000000000000000";
  private tenantId = "tenant-1";
  private userId = "user-1";
  private policy: Policy | undefined;
  private confirmed: readonly string[] | undefined;
  private random: RandomSource = new SeededRandom(1);
  private now: Instant = TEST_EPOCH;
  private cursor: number | undefined;
  private chain: readonly string[] | undefined;
  private complete = false;

  for(policy: Policy): this {
    this.policy = policy;
    return this;
  }

  /** The user's confirmed factor ids; by default every factor of the policy. */
  withConfirmed(factorIds: Iterable<string>): this {
    this.confirmed = [...factorIds];
    return this;
  }

  withRandom(random: RandomSource): this {
    this.random = random;
    return this;
  }

  startedAt(now: Instant): this {
    this.now = now;
    return this;
  }

  withId(id: string): this {
    this.id = id;
    return this;
  }

  forUser(userId: string): this {
    this.userId = userId;
    return this;
  }

  forTenant(tenantId: string): this {
    this.tenantId = tenantId;
    return this;
  }

  /** Replaces the drawn chain (e.g. to pin a random chain's order). */
  withChain(chain: readonly string[]): this {
    this.chain = chain;
    return this;
  }

  /** Pretends `cursor` steps were already passed. */
  atCursor(cursor: number): this {
    this.cursor = cursor;
    return this;
  }

  /** Pretends every step was passed at the start instant. */
  completed(): this {
    this.complete = true;
    return this;
  }

  build(): Attempt {
    const policy = this.policy ?? aPolicy().build();
    const started = startAttempt(
      {
        id: this.id,
        tenantId: this.tenantId,
        userId: this.userId,
        policy,
        confirmedFactorIds: new Set(this.confirmed ?? policy.factors.map((f) => f.id)),
        now: this.now,
      },
      this.random,
    );
    if (!started.ok) throw new Error(`anAttempt(): ${started.error.message}`);
    let attempt: Attempt = started.value;
    if (this.chain !== undefined) attempt = { ...attempt, chain: [...this.chain] };
    if (this.cursor !== undefined) {
      if (this.cursor < 0 || this.cursor >= attempt.chain.length) {
        throw new RangeError(`anAttempt(): cursor ${this.cursor} outside a chain of ${attempt.chain.length}`);
      }
      attempt = { ...attempt, cursor: this.cursor };
    }
    if (this.complete) {
      attempt = { ...attempt, cursor: attempt.chain.length, status: "completed", completedAt: this.now };
    }
    return attempt;
  }
}

/** An attempt on aPolicy().build() with every factor confirmed, started at TEST_EPOCH. */
export const anAttempt = (): AttemptBuilder => new AttemptBuilder();
