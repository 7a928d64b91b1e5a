// Reading a user's lockout, and an administrator's unlock (audited like every other security event, S26).
import { err, isLocked, ok, unlock, type Instant, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
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
      const now = this.deps.clock.now();
      const lock = await repos.lockouts.findForUpdate(tenantId, input.userId);
      const next = unlock(lock);
      await repos.lockouts.save(tenantId, input.userId, next, now);
      await repos.audit.append({
        tenantId,
        type: "user.unlocked",
        at: now,
        actor: auditActor(input.actor),
        userId: input.userId,
        attemptId: null,
        factorId: null,
        data: { wasLocked: isLocked(lock, now), failures: lock.consecutiveFailures },
      });
      return ok({ userId: input.userId, locked: false, lockedUntil: null, consecutiveFailures: 0, lockCount: next.lockCount });
    });
  }
}
