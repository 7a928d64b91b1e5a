// DEVELOPMENT ONLY (S32): the live code of an attempt's current step, so a demo can be driven without a phone.
// The API exposes it only when MFA_DEV_CODES is explicitly enabled; it is never wired otherwise.
import { currentFactor, err, isExpired, ok, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { OtpGenerator } from "../ports/otp.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import { kindFor, type Kinds } from "../kinds/index.js";
import type { Actor } from "../shared/actor.js";
import { InvariantViolation, type AppError } from "../shared/application.errors.js";
import type { PolicyVersionCache } from "../shared/policy-versions.js";
import { attemptNotFound } from "../attempts/attempt-views.js";

export class PeekCurrentCode {
  constructor(
    private readonly deps: {
      readonly uow: UnitOfWork;
      readonly clock: Clock;
      readonly kinds: Kinds;
      readonly generator: OtpGenerator;
      readonly policies: PolicyVersionCache;
    },
  ) {}

  async execute(input: { actor: Actor; attemptId: string }): Promise<Result<{ factorId: string; code: string }, AppError>> {
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      const attempt = await repos.attempts.find(tenantId, input.attemptId);
      if (!attempt) return err(attemptNotFound());
      if (attempt.status === "completed") return err<AppError>({ code: "attempt_completed", message: "this attempt is complete" });
      if (isExpired(attempt, now)) return err<AppError>({ code: "attempt_expired", message: "this attempt has expired" });
      const policy = await this.deps.policies.get(repos.policies, tenantId, attempt.policyId, attempt.policyVersion);
      if (!policy) throw new InvariantViolation(`attempt ${attempt.id} refers to a missing policy version`);
      const factor = currentFactor(attempt, policy);
      const credential = factor && (await repos.credentials.findActiveByFactor(tenantId, attempt.userId, factor.id));
      if (!factor || !credential)
        return err<AppError>({ code: "credential_not_found", message: "the current factor has no active credential" });
      const kind = kindFor(this.deps.kinds, credential.params.type);
      if (!kind.currentCode) {
        return err<AppError>({ code: "invalid_input", message: `a ${credential.params.type} factor has no live code to show` });
      }
      return ok({ factorId: factor.id, code: kind.currentCode(credential, now, this.deps.generator) });
    });
  }
}
