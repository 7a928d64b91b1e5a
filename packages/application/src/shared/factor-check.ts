// A code check outside an attempt (an enrollment confirmation, a HOTP resync): the user's lockout row is locked for
// the transaction, a locked user is refused (and that is audited), and a failure counts on the same per-user counter
// as a verify, under the tenant's strictest lockout — no one policy is in play.
import { failuresRemaining, isLocked, recordFailure, type Instant } from "@mfa-chain/domain";
import type { Repositories } from "../ports/repositories.port.js";
import { auditActor, type Actor } from "./actor.js";
import { lockedError, type AppError } from "./application.errors.js";
import { tenantLockout } from "./tenant-lockout.js";
import { queueNotification } from "../notifications/notifications.js";

export interface FactorCheckContext {
  readonly actor: Actor;
  readonly userId: string;
  readonly credentialId: string;
  readonly factorId: string;
  readonly now: Instant;
  /** The audit type of a failed check. */
  readonly failedType: "factor.confirm_failed" | "factor.resync_failed";
}

export type FactorCheck =
  | { readonly locked: AppError }
  | {
      readonly locked: null;
      /** Counts the failure, audits it (and a lock it causes), and returns the `invalid_code` error to answer. */
      fail(reason: string, message: string, cause?: string): Promise<AppError>;
    };

export async function openFactorCheck(repos: Repositories, ctx: FactorCheckContext): Promise<FactorCheck> {
  const { tenantId } = ctx.actor;
  const base = { tenantId, at: ctx.now, actor: auditActor(ctx.actor), userId: ctx.userId, attemptId: null, factorId: ctx.factorId };
  const lock = await repos.lockouts.findForUpdate(tenantId, ctx.userId);
  if (isLocked(lock, ctx.now)) {
    await repos.audit.append({ ...base, type: ctx.failedType, data: { credentialId: ctx.credentialId, reason: "user_locked" } });
    return { locked: lockedError(lock.lockedUntil as Instant) };
  }
  const lockout = await tenantLockout(repos, tenantId);
  return {
    locked: null,
    async fail(reason, message, cause) {
      const next = recordFailure(lock, lockout, ctx.now);
      await repos.lockouts.save(tenantId, ctx.userId, next, ctx.now);
      const lockedUntil = isLocked(next, ctx.now) ? next.lockedUntil : null;
      await repos.audit.append(
        { ...base, type: ctx.failedType, data: { credentialId: ctx.credentialId, reason, ...(cause === undefined ? {} : { cause }) } },
        ...(lockedUntil === null
          ? []
          : [{ ...base, type: "user.locked" as const, data: { until: lockedUntil, lockCount: next.lockCount } }]),
      );
      if (lockedUntil !== null) await queueNotification(repos, { tenantId, userId: ctx.userId, event: "locked_out", at: ctx.now });
      return { code: "invalid_code", message, failuresRemaining: failuresRemaining(next, lockout, ctx.now), lockedUntil };
    },
  };
}
