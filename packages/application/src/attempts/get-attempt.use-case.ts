// Reads an attempt back, so the relying party can see that it completed (until it expires).
import { err, isExpired, ok, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import type { Actor } from "../shared/actor.js";
import { InvariantViolation, type AppError } from "../shared/application.errors.js";
import type { PolicyVersionCache } from "../shared/policy-versions.js";
import { attemptNotFound, viewAttempt, type AttemptView } from "./attempt-views.js";

export class GetAttempt {
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock; readonly policies: PolicyVersionCache }) {}

  async execute(input: { actor: Actor; attemptId: string }): Promise<Result<AttemptView, AppError>> {
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const attempt = await repos.attempts.find(tenantId, input.attemptId);
      if (!attempt) return err(attemptNotFound());
      if (isExpired(attempt, this.deps.clock.now()))
        return err<AppError>({ code: "attempt_expired", message: "this attempt has expired; start a new one" });
      const policy = await this.deps.policies.get(repos.policies, tenantId, attempt.policyId, attempt.policyVersion);
      if (!policy) throw new InvariantViolation(`attempt ${attempt.id} refers to a missing policy version`);
      return ok(viewAttempt(attempt, policy));
    });
  }
}
