// Verifies one step of an attempt: reads the state (attempt, failure counter, credential), checks the code with the
// factor's kind (kinds/), and writes what a success claims (a time step, a counter, a backup code), the next state, the
// failure counter and the audit trail together.
//
// Optimistic first, where the storage can (UnitOfWork.direct): one read without locks and one all-or-nothing write
// that holds only if the attempt, the failure counter and the claim's guard are still what was read — two round trips
// instead of a transaction's four. When anything changed in between (a parallel verify of the same attempt, user or
// code), nothing was written, and the verify runs again on the locking path: one transaction that locks the state
// before deciding, as if the optimistic try had never happened. A verify that must tell the user something (a lockout,
// a backup code used) takes the locking path too, so that the notice is queued in the verify's own transaction: it is
// sent if and only if the verify committed.
import {
  admitSubmission,
  applyStepResult,
  paramsOf,
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
import type { Repositories, StepClaim, StepWrite, UnitOfWork } from "../ports/repositories.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import { InvariantViolation, lockedError, type AppError } from "../shared/application.errors.js";
import type { PolicyVersionCache } from "../shared/policy-versions.js";
import { attemptNotFound } from "./attempt-views.js";
import { StepNotReady } from "../shared/step-not-ready.js";
import { queueNotification, type NotificationKick } from "../notifications/notifications.js";
import type { NotificationEvent } from "../ports/delivery.port.js";

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
  /** Starts sending the notifications a verify queued (a backup code used, a lockout). */
  readonly notify?: NotificationKick;
}

export class VerifyStep {
  constructor(private readonly deps: VerifyStepDeps) {}

  async execute(input: VerifyStepInput): Promise<Result<VerifyOutcome, AppError>> {
    try {
      return await this.decide(input);
    } catch (error) {
      // A step its kind cannot decide yet (a push not answered): nothing was written, nothing counts.
      if (error instanceof StepNotReady) return err(error.error);
      throw error;
    }
  }

  private async decide(input: VerifyStepInput): Promise<Result<VerifyOutcome, AppError>> {
    const { uow } = this.deps;
    const notices: Notice[] = [];
    if (uow.direct) {
      const optimistic = await uow.direct((repos) => this.verify(repos, input, "optimistic", notices));
      if (optimistic !== CHANGED && optimistic !== NOTICE_DUE) return optimistic;
      notices.length = 0;
    }
    const locked = await uow.run(async (repos) => {
      const locked = await this.verify(repos, input, "locked", notices);
      // Both are answers of the optimistic path only: under its own locks nothing changes, and notices are queued here.
      if (locked === CHANGED || locked === NOTICE_DUE)
        throw new InvariantViolation(`the locking path answered ${String(locked.description)}, an answer of the optimistic path only`);
      // What the verify must tell the user commits with it, or not at all.
      for (const n of notices) await queueNotification(repos, { tenantId: input.actor.tenantId, ...n });
      return locked;
    });
    if (notices.length > 0) this.deps.notify?.kick();
    return locked;
  }

  private async verify(
    repos: Repositories,
    input: VerifyStepInput,
    mode: "optimistic" | "locked",
    notices: Notice[],
  ): Promise<Result<VerifyOutcome, AppError> | typeof CHANGED | typeof NOTICE_DUE> {
    const { deps } = this;
    const { tenantId } = input.actor;
    const state =
      mode === "locked"
        ? await repos.steps.lockForStep(tenantId, input.attemptId, input.factorId)
        : await repos.steps.readForStep(tenantId, input.attemptId, input.factorId);
    if (!state) return err(attemptNotFound());
    const { attempt, lock, credential, challenge } = state;
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
    let cause: string | undefined;
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
        const usable = credential && satisfies(credential, admission.factor) ? credential : null;
        const kind = usable ? kindFor(deps.kinds, usable.params.type) : null;
        // A kind with asynchronous work (WebAuthn's signature checks) does it first; the decision stays in check.
        const prepared =
          usable && kind?.prepare
            ? await kind.prepare(usable, admission.code, { now, challenge, purpose: "verify", params: paramsOf(admission.factor) })
            : undefined;
        const checked =
          usable && kind
            ? kind.check(usable, admission.code, { now, window: policy.verifyWindow, challenge, prepared })
            : ({ ok: false, reason: "invalid_code" } as const);
        // The claim is written only while its guard holds: a parallel use of the same code makes the write refuse. A
        // failure may spend something too (a try of a sent code), written with the failure under the same rule.
        claim = checked.claim ?? null;
        if (!checked.ok) cause = checked.cause;
        result = checked.ok ? { ok: true } : { ok: false, reason: checked.reason };
        break;
      }
    }

    const next = applyStepResult(ctx, result, deps.random);
    const { outcome } = next;
    const factorId = admission.kind === "check_code" ? admission.factor.id : input.factorId.slice(0, 64);
    const events: AuditEvent[] = [];
    if (outcome.success) {
      const usedNotice = admission.kind === "check_code" && credential ? kindFor(deps.kinds, credential.params.type).usedNotice : undefined;
      if (usedNotice) notices.push({ userId: attempt.userId, event: usedNotice, at: now, factorLabel: credential?.label ?? null });
      events.push(event("attempt.step_succeeded", factorId, { step: attempt.cursor + 1 }));
      if (outcome.complete) events.push(event("attempt.completed", null, { steps: next.attempt.chain.length }));
    } else {
      events.push(
        event(outcome.failure === "chain_breached" ? "attempt.chain_breached" : "attempt.step_failed", factorId, {
          reason: outcome.failure,
          step: attempt.cursor + 1,
          failures: next.lock.consecutiveFailures,
          ...(cause === undefined ? {} : { cause }),
        }),
      );
      if (isLocked(next.lock, now) && !isLocked(lock, now)) {
        events.push(event("user.locked", null, { until: next.lock.lockedUntil, lockCount: next.lock.lockCount }));
        notices.push({ userId: attempt.userId, event: "locked_out", at: now });
      }
    }
    const write: StepWrite = {
      attempt: next.attempt,
      expectedVersion: attempt.version,
      claim,
      // A success of a user without failures changes nothing there: skip the write.
      lock: sameLockState(next.lock, lock) ? null : next.lock,
      events,
      at: now,
    };
    if (mode === "optimistic") {
      // The notice is queued on the locking path, in one transaction with the verify's writes: nothing is written here.
      if (notices.length > 0) return NOTICE_DUE;
      return (await repos.steps.writeIfUnchanged(tenantId, attempt.userId, write, lock)) ? ok(outcome) : CHANGED;
    }
    const written = await repos.steps.write(tenantId, attempt.userId, write);
    if (!written) throw new InvariantViolation(`attempt ${attempt.id} or its credential changed while locked for update`);
    return ok(outcome);
  }
}

/** The optimistic write found the attempt, the failure counter or the claim changed since its read: nothing written. */
const CHANGED = Symbol("changed since read");
/** The optimistic path decided on a verify that must tell the user something: nothing written, the locking path runs. */
const NOTICE_DUE = Symbol("a notice is due");

const sameLockState = (a: LockState, b: LockState): boolean =>
  a.consecutiveFailures === b.consecutiveFailures && a.lockCount === b.lockCount && a.lockedUntil === b.lockedUntil;

/** What a verify tells the user, queued in its transaction. */
interface Notice {
  readonly userId: string;
  readonly event: NotificationEvent;
  readonly at: number;
  readonly factorLabel?: string | null;
}
