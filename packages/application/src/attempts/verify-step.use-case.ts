// Verifies one step of an attempt: one transaction that reads the locked state (attempt, failure counter, credential),
// checks the code with the factor's kind (kinds/), and writes what a success claims (a time step, a counter, a backup
// code), the next state, the failure counter and the audit trail together.
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
import { kindFor, type Kinds } from "../kinds/index.js";
import type { StepClaim, UnitOfWork } from "../ports/repositories.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import { InvariantViolation, lockedError, type AppError } from "../shared/application.errors.js";
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
  readonly kinds: Kinds;
  readonly policies: PolicyVersionCache;
}

export class VerifyStep {
  constructor(private readonly deps: VerifyStepDeps) {}

  async execute(input: VerifyStepInput): Promise<Result<VerifyOutcome, AppError>> {
    const { deps } = this;
    const { tenantId } = input.actor;
    return deps.uow.run(async (repos) => {
      const state = await repos.steps.lockForStep(tenantId, input.attemptId, input.factorId);
      if (!state) return err(attemptNotFound());
      const { attempt, lock, credential } = state;
      const policy = await deps.policies.get(repos.policies, tenantId, attempt.policyId, attempt.policyVersion);
      if (!policy) throw new InvariantViolation(`attempt ${attempt.id} refers to a missing policy version`);
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
      let claim: StepClaim | null = null;
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
          // Revoked or re-provisioned since the attempt started: this factor can no longer pass the step.
          const checked =
            credential && satisfies(credential, admission.factor)
              ? kindFor(deps.kinds, credential.params.type).check(credential, admission.code, { now, window: policy.verifyWindow })
              : ({ ok: false, reason: "invalid_code" } as const);
          // The credential is locked until commit, so the claim written below holds: no parallel use can take it.
          if (checked.ok) claim = checked.claim;
          result = checked.ok ? { ok: true } : { ok: false, reason: checked.reason };
          break;
        }
      }

      const next = applyStepResult(ctx, result, deps.random);
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
      const written = await repos.steps.write(tenantId, attempt.userId, {
        attempt: next.attempt,
        expectedVersion: attempt.version,
        claim,
        // A success of a user without failures changes nothing there: skip the write.
        lock: sameLockState(next.lock, lock) ? null : next.lock,
        events,
        at: now,
      });
      if (!written) throw new InvariantViolation(`attempt ${attempt.id} or its credential changed while locked for update`);
      return ok(outcome);
    });
  }
}

const sameLockState = (a: LockState, b: LockState): boolean =>
  a.consecutiveFailures === b.consecutiveFailures && a.lockCount === b.lockCount && a.lockedUntil === b.lockedUntil;
