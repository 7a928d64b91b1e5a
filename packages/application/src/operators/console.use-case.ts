// The admin console's operators (issue 15): users of the console's own tenant who sign in with a password and then pass
// their own chain (the console tenant's policy, through StartAttempt and VerifyStep like any user's), into a
// server-side session. Wrong passwords count on the same per-user failure counter as wrong codes, so the chain's
// lockout holds for both; every step is audited with the operator as the actor.
import {
  err,
  isLocked,
  ok,
  recordFailure,
  type AuditEvent,
  type AuditEventType,
  type Instant,
  type Result,
  type VerifyOutcome,
} from "@mfa-chain/domain";
import type { StartAttempt } from "../attempts/start-attempt.use-case.js";
import type { VerifyStep } from "../attempts/verify-step.use-case.js";
import type { Clock } from "../ports/clock.port.js";
import type { IdGenerator } from "../ports/id-generator.port.js";
import type { OperatorRole, PasswordHasher, StoredOperator } from "../ports/operators.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import type { SavePolicy } from "../policies/save-policy.use-case.js";
import type { Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import { tenantLockout } from "../shared/tenant-lockout.js";
import { TENANT_ID } from "../tenants/tenants.use-case.js";

/**
 * The console's own tenant: its users are the operators. Its id is outside the tenant-id grammar (TENANT_ID: a letter or
 * digit first), so no customer tenant can have it, no Mfa-Tenant header can name it and no API key can be issued for it
 * (ResolveApiKey refuses any key of a tenant outside the grammar).
 */
export const CONSOLE_TENANT = "_console";
const CONSOLE_TENANT_NAME = "Admin console operators";
/** The console tenant's policy: what an operator passes after the password. */
export const CONSOLE_POLICY = "console-sign-in";
/** The factor id of the operator's authenticator app in that policy. */
export const CONSOLE_TOTP_FACTOR = "totp";
export const CONSOLE_POLICY_DEFINITION = {
  name: "Console sign-in: an authenticator app after the password",
  mode: "fixed",
  requiredSteps: 1,
  factors: [{ id: CONSOLE_TOTP_FACTOR, label: "Authenticator app", type: "totp" }],
} as const;

export interface SessionTimeouts {
  /** Between the password and the chain's last code. */
  readonly pendingMs: number;
  /** Without a request. */
  readonly idleMs: number;
  /** From the password, whatever the activity. */
  readonly absoluteMs: number;
}

export const DEFAULT_SESSION_TIMEOUTS: SessionTimeouts = { pendingMs: 5 * 60_000, idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };

/** The last-seen time of a session is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 30_000;

export interface ConsoleDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly passwords: PasswordHasher;
  readonly startAttempt: StartAttempt;
  readonly verifyStep: VerifyStep;
  readonly savePolicy: SavePolicy;
  readonly timeouts?: SessionTimeouts;
}

export interface OperatorView {
  readonly id: string;
  readonly username: string;
  readonly role: OperatorRole;
  readonly scope: string | null;
}

const view = (o: StoredOperator): OperatorView => ({ id: o.id, username: o.username, role: o.role, scope: o.scope });

/** The actor an operator's own sign-in runs as, in the console tenant. */
const signInActor = (operatorId: string): Actor => ({ tenantId: CONSOLE_TENANT, keyId: "console", role: "service", operatorId });

const USERNAME = /^[a-z0-9][a-z0-9._@-]{0,99}$/;
const MIN_PASSWORD = 12;
const MAX_PASSWORD = 1024;

const consoleEvent = (type: AuditEventType, at: Instant, operatorId: string | null, data: AuditEvent["data"]): AuditEvent => ({
  tenantId: CONSOLE_TENANT,
  type,
  at,
  actor: operatorId === null ? { kind: "system" } : { kind: "operator", id: operatorId },
  userId: operatorId,
  attemptId: null,
  factorId: null,
  data,
});

const signInFailed = (): AppError => ({ code: "sign_in_failed", message: "the operator name or the password is wrong" });

export class ConsoleOperators {
  private readonly timeouts: SessionTimeouts;
  /** A hash to check against when the name is unknown, so that an unknown name takes as long as a wrong password. */
  private decoy: Promise<string> | undefined;

  constructor(private readonly deps: ConsoleDeps) {
    this.timeouts = deps.timeouts ?? DEFAULT_SESSION_TIMEOUTS;
  }

  /** Creates the console tenant and its sign-in policy if they do not exist (idempotent; parallel starts are fine). */
  async ensureConsole(): Promise<void> {
    const at = this.deps.clock.now();
    await this.deps.uow.run(async (repos) => {
      if (await repos.tenants.insert({ id: CONSOLE_TENANT, name: CONSOLE_TENANT_NAME, createdAt: at })) {
        await repos.audit.append(consoleEvent("tenant.created", at, null, { name: CONSOLE_TENANT_NAME }));
        return;
      }
      // It exists: it must be the one this made (no other path can create a tenant outside the grammar), never one
      // taken over quietly.
      const existing = await repos.tenants.find(CONSOLE_TENANT);
      if (existing?.name !== CONSOLE_TENANT_NAME)
        throw new Error(`a tenant "${CONSOLE_TENANT}" exists that the console did not create: refusing to use it for operators`);
    });
    const actor: Actor = { tenantId: CONSOLE_TENANT, keyId: "console", role: "admin" };
    const saved = await this.deps.savePolicy.execute({
      actor,
      policyId: CONSOLE_POLICY,
      definition: CONSOLE_POLICY_DEFINITION,
      mode: "create",
    });
    if (!saved.ok && saved.error.code !== "policy_exists") throw new Error(`console policy: ${saved.error.message}`);
  }

  /** Creates an operator (the console tenant must exist: ensureConsole). Its second factor is enrolled separately. */
  async createOperator(input: {
    username: string;
    password: string;
    role: OperatorRole;
    scope: string | null;
  }): Promise<Result<OperatorView, AppError>> {
    if (!USERNAME.test(input.username))
      return err({ code: "invalid_input", message: "operator name: lowercase letters, digits, . _ @ -, 1–100" });
    if (input.password.length < MIN_PASSWORD || input.password.length > MAX_PASSWORD)
      return err({ code: "invalid_input", message: `password: ${MIN_PASSWORD}–${MAX_PASSWORD} characters` });
    if (input.role !== "viewer" && input.role !== "admin") return err({ code: "invalid_input", message: 'role: "viewer" or "admin"' });
    if (input.scope !== null && (!TENANT_ID.test(input.scope) || input.scope === CONSOLE_TENANT))
      return err({ code: "invalid_input", message: "scope: a tenant id, or null for every tenant" });
    const passwordHash = await this.deps.passwords.hash(input.password);
    return this.deps.uow.run(async (repos) => {
      const at = this.deps.clock.now();
      if (input.scope !== null && !(await repos.tenants.find(input.scope)))
        return err<AppError>({ code: "tenant_not_found", message: `no tenant "${input.scope}"` });
      const id = `op_${this.deps.ids.newId()}`;
      await repos.users.lock(CONSOLE_TENANT, id, at);
      const operator: StoredOperator = {
        tenantId: CONSOLE_TENANT,
        id,
        username: input.username,
        passwordHash,
        role: input.role,
        scope: input.scope,
        createdAt: at,
        disabledAt: null,
      };
      if (!(await repos.operators.insert(operator)))
        return err<AppError>({ code: "operator_exists", message: `an operator "${input.username}" exists already` });
      await repos.audit.append(consoleEvent("operator.created", at, null, { operatorId: id, role: input.role, scope: input.scope }));
      return ok(view(operator));
    });
  }

  /** The operator's actor in the console tenant: what enrolls or lists their own factors there. */
  actorFor(operatorId: string): Actor {
    return { tenantId: CONSOLE_TENANT, keyId: "console", role: "admin", operatorId };
  }

  /** Whether a tenant exists (the console's own does not count: no operator works on it). */
  async tenantExists(tenantId: string): Promise<boolean> {
    if (tenantId === CONSOLE_TENANT) return false;
    return (await this.deps.uow.run((repos) => repos.tenants.find(tenantId))) !== null;
  }

  /** Disables an operator: they cannot sign in, and their sessions stop resolving. Idempotent; false for an unknown name. */
  async disableOperator(username: string): Promise<boolean> {
    return this.deps.uow.run(async (repos) => {
      const at = this.deps.clock.now();
      const operator = await repos.operators.findByUsername(CONSOLE_TENANT, username);
      if (!operator) return false;
      if (operator.disabledAt === null) await repos.operators.disable(CONSOLE_TENANT, operator.id, at);
      return true;
    });
  }

  async findByUsername(username: string): Promise<OperatorView | null> {
    const found = await this.deps.uow.run((repos) => repos.operators.findByUsername(CONSOLE_TENANT, username));
    return found ? view(found) : null;
  }

  /**
   * The password step. Right: the operator's chain is started and a session (`sessionId`, the hash of the token the
   * caller made) is opened at stage password_passed. Wrong: a failure on the operator's counter (a lock when the
   * console policy's limit is reached). The check runs holding the operator's user row, so parallel guesses are
   * counted one after another and none slips past a lock.
   */
  async signInWithPassword(input: {
    username: string;
    password: string;
    sessionId: string;
  }): Promise<Result<{ readonly operator: OperatorView; readonly attemptId: string; readonly expiresAt: Instant }, AppError>> {
    if (input.password.length > MAX_PASSWORD || !USERNAME.test(input.username)) {
      await this.decoyCheck(input.password.slice(0, MAX_PASSWORD));
      return err(signInFailed());
    }
    const checked = await this.deps.uow.run(async (repos): Promise<Result<StoredOperator, AppError>> => {
      const operator = await repos.operators.findByUsername(CONSOLE_TENANT, input.username);
      if (!operator || operator.disabledAt !== null) {
        await this.decoyCheck(input.password);
        return err(signInFailed());
      }
      const at = this.deps.clock.now();
      await repos.users.lock(CONSOLE_TENANT, operator.id, at);
      const lock = await repos.lockouts.findForUpdate(CONSOLE_TENANT, operator.id);
      if (isLocked(lock, at)) {
        await repos.audit.append(consoleEvent("operator.sign_in_failed", at, operator.id, { reason: "locked" }));
        // The same answer, after the same argon2 work, as a wrong password: a lock does not tell a real name apart.
        await this.decoyCheck(input.password);
        return err(signInFailed());
      }
      if (await this.deps.passwords.verify(operator.passwordHash, input.password)) return ok(operator);
      const next = recordFailure(lock, await tenantLockout(repos, CONSOLE_TENANT), at);
      await repos.lockouts.save(CONSOLE_TENANT, operator.id, next, at);
      await repos.audit.append(
        consoleEvent("operator.sign_in_failed", at, operator.id, { reason: "password", failures: next.consecutiveFailures }),
      );
      if (isLocked(next, at))
        await repos.audit.append({ ...consoleEvent("user.locked", at, operator.id, { failures: next.consecutiveFailures }) });
      return err(signInFailed());
    });
    if (!checked.ok) return checked;
    const operator = checked.value;
    const started = await this.deps.startAttempt.execute({
      actor: signInActor(operator.id),
      userId: operator.id,
      policyId: CONSOLE_POLICY,
    });
    if (!started.ok) return started;
    const at = this.deps.clock.now();
    await this.deps.uow.run((repos) =>
      repos.operators.insertSession({
        tenantId: CONSOLE_TENANT,
        id: input.sessionId,
        operatorId: operator.id,
        stage: "password_passed",
        attemptId: started.value.attemptId,
        createdAt: at,
        lastSeenAt: at,
        authenticatedAt: null,
        endedAt: null,
      }),
    );
    return ok({ operator: view(operator), attemptId: started.value.attemptId, expiresAt: at + this.timeouts.pendingMs });
  }

  /** A code of the operator's chain: the session becomes active once the chain is complete. */
  async submitCode(input: {
    sessionId: string;
    code: string;
  }): Promise<Result<{ readonly outcome: VerifyOutcome; readonly signedIn: boolean }, AppError>> {
    const now = this.deps.clock.now();
    const session = await this.deps.uow.run((repos) => repos.operators.findSession(CONSOLE_TENANT, input.sessionId));
    if (!session || session.stage !== "password_passed" || session.endedAt !== null || now >= session.createdAt + this.timeouts.pendingMs) {
      return err({ code: "sign_in_failed", message: "no sign-in in progress: start again with the password" });
    }
    const verified = await this.deps.verifyStep.execute({
      actor: signInActor(session.operatorId),
      attemptId: session.attemptId,
      factorId: CONSOLE_TOTP_FACTOR,
      code: input.code,
    });
    if (!verified.ok) return verified;
    if (!verified.value.complete) return ok({ outcome: verified.value, signedIn: false });
    const activated = await this.deps.uow.run(async (repos) => {
      const at = this.deps.clock.now();
      // Only a session still half-way and not ended becomes active (a sign-out in between wins).
      if (!(await repos.operators.activateSession(CONSOLE_TENANT, session.id, at))) return false;
      await repos.audit.append(consoleEvent("operator.signed_in", at, session.operatorId, {}));
      return true;
    });
    if (!activated) return err({ code: "sign_in_failed", message: "no sign-in in progress: start again with the password" });
    return ok({ outcome: verified.value, signedIn: true });
  }

  /** The signed-in operator of a session; null when there is none, it is not signed in yet, or it timed out. */
  async resolveSession(sessionId: string): Promise<OperatorView | null> {
    return this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      const session = await repos.operators.findSession(CONSOLE_TENANT, sessionId);
      if (!session || session.stage !== "active" || session.endedAt !== null) return null;
      if (now >= session.createdAt + this.timeouts.absoluteMs || now >= session.lastSeenAt + this.timeouts.idleMs) return null;
      const operator = await repos.operators.find(CONSOLE_TENANT, session.operatorId);
      if (!operator || operator.disabledAt !== null) return null;
      // Only last_seen_at, and only while the session has not ended: never a write-back of the row read above.
      if (now - session.lastSeenAt >= TOUCH_EVERY_MS && !(await repos.operators.touchSession(CONSOLE_TENANT, session.id, now))) return null;
      return view(operator);
    });
  }

  /** Ends a session (signed in or half-way); nothing happens for an unknown one. */
  async signOut(sessionId: string): Promise<void> {
    await this.deps.uow.run(async (repos) => {
      const at = this.deps.clock.now();
      const session = await repos.operators.findSession(CONSOLE_TENANT, sessionId);
      if (!session || session.endedAt !== null) return;
      if (!(await repos.operators.endSession(CONSOLE_TENANT, session.id, at))) return;
      await repos.audit.append(consoleEvent("operator.signed_out", at, session.operatorId, {}));
    });
  }

  private async decoyCheck(password: string): Promise<void> {
    this.decoy ??= this.deps.passwords.hash("not an operator's password");
    await this.deps.passwords.verify(await this.decoy, password);
  }
}

/** Whether an operator may act on a tenant: their own, or any (but the console's) when they are scoped to all. */
export const operatorMayUse = (operator: OperatorView, tenantId: string): boolean =>
  tenantId !== CONSOLE_TENANT && (operator.scope === null || operator.scope === tenantId);
