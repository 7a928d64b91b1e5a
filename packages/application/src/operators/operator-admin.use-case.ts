// The operator commands of issue 15 (`pnpm mfa disable-operator`, `enable-operator`, `reset-operator-password`,
// `reset-operator-authenticator`): an operator who left the team, forgot their password or lost their authenticator is
// handled without SQL. Each runs in one transaction holding the operator's user row (the order the sign-in takes it in),
// ends every session of the operator at once where it takes away a way in, and is audited in the console tenant with
// the system as the actor (the commands run on the server, not as an operator).
import { err, isLocked, ok, type AuditActor, type AuditEvent, type AuditEventType, type Instant, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { PasswordHasher, StoredOperator } from "../ports/operators.port.js";
import type { Repositories, UnitOfWork } from "../ports/repositories.port.js";
import { unlockUserIn } from "../lockout/lockout.use-case.js";
import { revokeEverything } from "../recovery/recovery.use-case.js";
import type { AppError } from "../shared/application.errors.js";
import { CONSOLE_TENANT, consoleEvent, operatorView, passwordRefusal, type OperatorView } from "./console.use-case.js";

export interface OperatorAdminDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly passwords: PasswordHasher;
}

export interface OperatorChange {
  readonly operator: OperatorView;
  /** Whether the operator is disabled after the command. */
  readonly disabled: boolean;
  /** False when the command found the operator so already (disabling a disabled operator, enabling an enabled one). */
  readonly changed: boolean;
  /** How many of their sessions (half-way or signed in) the command ended. */
  readonly sessionsEnded: number;
}

export interface AuthenticatorReset extends OperatorChange {
  /** The credential ids of the factors revoked, whatever their kind. */
  readonly revoked: readonly string[];
}

const SYSTEM: AuditActor = { kind: "system" };

const operatorNotFound = (username: string): AppError => ({ code: "operator_not_found", message: `no operator "${username}"` });

/** An event about the operator, by the system. */
const adminEvent = (type: AuditEventType, at: Instant, operatorId: string, data: AuditEvent["data"]): AuditEvent => ({
  ...consoleEvent(type, at, null, data),
  userId: operatorId,
});

export class OperatorAdmin {
  constructor(private readonly deps: OperatorAdminDeps) {}

  /** The operator can no longer sign in (the same answer as a wrong password), and their sessions end now. */
  async disable(username: string): Promise<Result<OperatorChange, AppError>> {
    return this.withOperator(username, async (repos, operator, at) => {
      const changed = await repos.operators.disable(CONSOLE_TENANT, operator.id, at);
      const sessionsEnded = await repos.operators.endSessions(CONSOLE_TENANT, operator.id, at);
      if (changed) await repos.audit.append(adminEvent("operator.disabled", at, operator.id, { sessionsEnded }));
      return { operator: operatorView(operator), disabled: true, changed, sessionsEnded };
    });
  }

  /** Undoes disable: the operator signs in again with the password and authenticator they had. */
  async enable(username: string): Promise<Result<OperatorChange, AppError>> {
    return this.withOperator(username, async (repos, operator, at) => {
      const changed = await repos.operators.enable(CONSOLE_TENANT, operator.id);
      if (changed) await repos.audit.append(adminEvent("operator.enabled", at, operator.id, {}));
      return { operator: operatorView(operator), disabled: false, changed, sessionsEnded: 0 };
    });
  }

  /** A new password (the rules of create-operator); their sessions end and their lockout is cleared. */
  async resetPassword(username: string, password: string): Promise<Result<OperatorChange, AppError>> {
    const refused = passwordRefusal(password);
    if (refused) return err(refused);
    const passwordHash = await this.deps.passwords.hash(password);
    return this.withOperator(username, async (repos, operator, at) => {
      await repos.operators.setPasswordHash(CONSOLE_TENANT, operator.id, passwordHash);
      const sessionsEnded = await repos.operators.endSessions(CONSOLE_TENANT, operator.id, at);
      const unlocked = await clearLockout(repos, operator.id, at);
      await repos.audit.append(adminEvent("operator.password_reset", at, operator.id, { sessionsEnded, unlocked }));
      return { operator: operatorView(operator), disabled: operator.disabledAt !== null, changed: true, sessionsEnded };
    });
  }

  /**
   * Revokes every factor of the operator that is not revoked, whatever its kind (authenticator app, passkeys); their
   * sessions end and their lockout is cleared. They enroll a new authenticator as a first enrollment (the command
   * does so at once, with the use cases create-operator enrolls with).
   */
  async resetAuthenticator(username: string): Promise<Result<AuthenticatorReset, AppError>> {
    return this.withOperator(username, async (repos, operator, at) => {
      const revoked = await revokeEverything(repos, CONSOLE_TENANT, operator.id, at, SYSTEM, "reset");
      const sessionsEnded = await repos.operators.endSessions(CONSOLE_TENANT, operator.id, at);
      const unlocked = await clearLockout(repos, operator.id, at);
      await repos.audit.append(
        adminEvent("operator.authenticator_reset", at, operator.id, { revoked: revoked.length, sessionsEnded, unlocked }),
      );
      return { operator: operatorView(operator), disabled: operator.disabledAt !== null, changed: true, sessionsEnded, revoked };
    });
  }

  /** Runs `work` on the operator of this name, holding their user row; operator_not_found when there is none. */
  private async withOperator<T>(
    username: string,
    work: (repos: Repositories, operator: StoredOperator, at: Instant) => Promise<T>,
  ): Promise<Result<T, AppError>> {
    return this.deps.uow.run(async (repos) => {
      const found = await repos.operators.findByUsername(CONSOLE_TENANT, username);
      if (!found) return err(operatorNotFound(username));
      const at = this.deps.clock.now();
      await repos.users.lock(CONSOLE_TENANT, found.id, at);
      // Read again under the lock: a parallel command's change is seen, never written over.
      const operator = await repos.operators.find(CONSOLE_TENANT, found.id);
      if (!operator) return err(operatorNotFound(username));
      return ok(await work(repos, operator, at));
    });
  }
}

/** Ends the operator's lock and failure count (audited as user.unlocked when there was one): whether there was. */
async function clearLockout(repos: Repositories, operatorId: string, at: Instant): Promise<boolean> {
  const lock = await repos.lockouts.findForUpdate(CONSOLE_TENANT, operatorId);
  if (lock.consecutiveFailures === 0 && !isLocked(lock, at)) return false;
  await unlockUserIn(repos, { tenantId: CONSOLE_TENANT, userId: operatorId, lock, actor: SYSTEM, at });
  return true;
}
