// Reading a user's lockout, and an administrator's unlock (audited like every other security event, S26).
import { err, isLocked, ok, unlock, type AuditActor, type Instant, type LockState, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { Repositories, UnitOfWork } from "../ports/repositories.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";

export interface LockoutView {
  readonly userId: string;
  readonly locked: boolean;
  readonly lockedUntil: Instant | null;
  readonly consecutiveFailures: number;
  readonly lockCount: number;
}

export class GetLockout {
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock }) {}

  async execute(input: { actor: Actor; userId: string }): Promise<LockoutView> {
    const lock = await this.deps.uow.run((r) => r.lockouts.find(input.actor.tenantId, input.userId));
    const locked = isLocked(lock, this.deps.clock.now());
    return {
      userId: input.userId,
      locked,
      lockedUntil: locked ? lock.lockedUntil : null,
      consecutiveFailures: lock.consecutiveFailures,
      lockCount: lock.lockCount,
    };
  }
}

export class UnlockUser {
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock }) {}

  async execute(input: { actor: Actor; userId: string }): Promise<Result<LockoutView, AppError>> {
    if (input.actor.role !== "admin") {
      return err({ code: "forbidden", message: "unlocking a user needs an admin API key" });
    }
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const at = this.deps.clock.now();
      const lock = await repos.lockouts.findForUpdate(tenantId, input.userId);
      const next = await unlockUserIn(repos, { tenantId, userId: input.userId, lock, actor: auditActor(input.actor), at });
      return ok({ userId: input.userId, locked: false, lockedUntil: null, consecutiveFailures: 0, lockCount: next.lockCount });
    });
  }
}

/**
 * Ends the user's lock and failure count in the caller's transaction (`lock`: as read there with findForUpdate), audited
 * as user.unlocked by `actor`. Answers the state after.
 */
export async function unlockUserIn(
  repos: Repositories,
  input: { tenantId: string; userId: string; lock: LockState; actor: AuditActor; at: Instant },
): Promise<LockState> {
  const { tenantId, userId, lock, at } = input;
  const next = unlock(lock);
  await repos.lockouts.save(tenantId, userId, next, at);
  await repos.audit.append({
    tenantId,
    type: "user.unlocked",
    at,
    actor: input.actor,
    userId,
    attemptId: null,
    factorId: null,
    data: { wasLocked: isLocked(lock, at), failures: lock.consecutiveFailures },
  });
  return next;
}
