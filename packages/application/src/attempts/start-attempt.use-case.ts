// Starts an attempt: draws the chain from the factors the user has confirmed for the policy's slots.
import { err, isLocked, ok, startAttempt, USER_ID_PATTERN, type Instant, type RandomSource, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { IdGenerator } from "../ports/id-generator.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import type { Kinds } from "../kinds/index.js";
import { enrolledFactorIds } from "../shared/enrolled-factors.js";
import { auditActor, type Actor } from "../shared/actor.js";
import { lockedError, type AppError } from "../shared/application.errors.js";
import { policyNotFound } from "../policies/policy-views.js";
import { viewAttempt, type AttemptView } from "./attempt-views.js";

export interface StartAttemptInput {
  readonly actor: Actor;
  readonly userId: string;
  readonly policyId: string;
}

export class StartAttempt {
  constructor(
    private readonly deps: {
      readonly uow: UnitOfWork;
      readonly clock: Clock;
      readonly ids: IdGenerator;
      readonly random: RandomSource;
      readonly kinds: Kinds;
    },
  ) {}

  async execute(input: StartAttemptInput): Promise<Result<AttemptView, AppError>> {
    if (!USER_ID_PATTERN.test(input.userId)) return err({ code: "invalid_input", message: "invalid user id" });
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      const policy = await repos.policies.findLatest(tenantId, input.policyId);
      if (!policy) return err(policyNotFound(input.policyId));
      // A new attempt never clears failures; a locked user cannot start one either.
      const lock = await repos.lockouts.find(tenantId, input.userId);
      if (isLocked(lock, now)) return err(lockedError(lock.lockedUntil as Instant));
      const confirmed = await enrolledFactorIds(repos, this.deps.kinds, tenantId, input.userId, policy);
      const started = startAttempt(
        { id: this.deps.ids.newId(), tenantId, userId: input.userId, policy, confirmedFactorIds: confirmed, now },
        this.deps.random,
      );
      if (!started.ok) return err<AppError>({ ...started.error });
      const attempt = started.value;
      await repos.attempts.insert(attempt);
      await repos.audit.append({
        tenantId,
        type: "attempt.started",
        at: now,
        actor: auditActor(input.actor),
        userId: input.userId,
        attemptId: attempt.id,
        factorId: null,
        data: { policyId: policy.id, policyVersion: policy.version, steps: attempt.chain.length },
      });
      return ok(viewAttempt(attempt, policy));
    });
  }
}
