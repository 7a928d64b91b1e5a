// Verifies one step of an attempt: one transaction that reads the locked state, checks the code against the factor's
// own secret, claims its time step or counter, and writes the next state, the failure counter and the audit trail.
import {
  admitSubmission,
  applyStepResult,
  err,
  isLocked,
  ok,
  satisfies,
  type AuditEvent,
  type AuditEventType,
  type LockState,
  type Result,
  type RandomSource,
  type StepResult,
  type VerifyOutcome,
} from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { OtpVerifier } from "../ports/otp.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import type { SecretCipher } from "../ports/secret-cipher.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import { InvariantViolation, lockedError, type AppError } from "../shared/application.errors.js";
import { checkAndClaim } from "../shared/otp-check.js";
import type { PolicyVersionCache } from "../shared/policy-versions.js";
import { attemptNotFound } from "./attempt-views.js";

export interface VerifyStepInput {
  readonly actor: Actor;
  readonly attemptId: string;
  readonly factorId: string;
  readonly code: string;
}

export interface VerifyStepDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly otp: OtpVerifier;
  readonly cipher: SecretCipher;
  readonly policies: PolicyVersionCache;
}

export class VerifyStep {
  constructor(private readonly deps: VerifyStepDeps) {}

  async execute(input: VerifyStepInput): Promise<Result<VerifyOutcome, AppError>> {
    const { deps } = this;
    const { tenantId } = input.actor;
    return deps.uow.run(async (repos) => {
      const attempt = await repos.attempts.findForUpdate(tenantId, input.attemptId);
      if (!attempt) return err(attemptNotFound());
      const policy = await deps.policies.get(repos.policies, tenantId, attempt.policyId, attempt.policyVersion);
      if (!policy) throw new InvariantViolation(`attempt ${attempt.id} refers to a missing policy version`);
      const lock = await repos.lockouts.findForUpdate(tenantId, attempt.userId);
      const now = deps.clock.now();
      const ctx = { attempt, lock, policy, now };
      const event = (type: AuditEventType, factorId: string | null, data: AuditEvent["data"]): AuditEvent => ({
        tenantId,
        type,
        at: now,
        actor: auditActor(input.actor),
        userId: attempt.userId,
        attemptId: attempt.id,
        factorId,
        data,
      });

      const admission = admitSubmission(ctx, { factorId: input.factorId, code: input.code });
      let result: StepResult;
      switch (admission.kind) {
        case "rejected":
          return err<AppError>(
            admission.code === "attempt_completed"
              ? { code: "attempt_completed", message: "this attempt is already complete and accepts nothing more" }
              : { code: "attempt_expired", message: "this attempt has expired; start a new one" },
          );
        case "locked":
          await repos.audit.append(event("attempt.locked_rejected", null, { until: admission.lockedUntil }));
          return err(lockedError(admission.lockedUntil));
        case "failed":
          result = { ok: false, reason: admission.reason };
          break;
        case "check_code": {
          const credential = await repos.credentials.findActiveByFactor(tenantId, attempt.userId, admission.factor.id);
          // Revoked or re-provisioned since the attempt started: this factor can no longer pass the step.
          result =
            credential && satisfies(credential, admission.factor)
              ? await checkAndClaim(deps, repos.credentials, credential, admission.code, policy.verifyWindow, now)
              : { ok: false, reason: "invalid_code" };
          break;
        }
      }

      const next = applyStepResult(ctx, result, deps.random);
      if (!(await repos.attempts.update(next.attempt, attempt.version))) {
        throw new InvariantViolation(`attempt ${attempt.id} changed while locked for update`);
      }
      // A success of a user without failures changes nothing there: skip the write.
      if (!sameLockState(next.lock, lock)) await repos.lockouts.save(tenantId, attempt.userId, next.lock, now);

      const { outcome } = next;
      const factorId = admission.kind === "check_code" ? admission.factor.id : input.factorId.slice(0, 64);
      const events: AuditEvent[] = [];
      if (outcome.success) {
        events.push(event("attempt.step_succeeded", factorId, { step: attempt.cursor + 1 }));
        if (outcome.complete) events.push(event("attempt.completed", null, { steps: next.attempt.chain.length }));
      } else {
        events.push(
          event(outcome.failure === "chain_breached" ? "attempt.chain_breached" : "attempt.step_failed", factorId, {
            reason: outcome.failure,
            step: attempt.cursor + 1,
            failures: next.lock.consecutiveFailures,
          }),
        );
        if (isLocked(next.lock, now) && !isLocked(lock, now)) {
          events.push(event("user.locked", null, { until: next.lock.lockedUntil, lockCount: next.lock.lockCount }));
        }
      }
      await repos.audit.append(...events);
      return ok(outcome);
    });
  }
}

const sameLockState = (a: LockState, b: LockState): boolean =>
  a.consecutiveFailures === b.consecutiveFailures && a.lockCount === b.lockCount && a.lockedUntil === b.lockedUntil;

