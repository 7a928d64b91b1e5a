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
import type { IssueChallenge, ChallengeView } from "../attempts/issue-challenge.use-case.js";
import type { StartAttempt } from "../attempts/start-attempt.use-case.js";
import type { VerifyStep } from "../attempts/verify-step.use-case.js";
import type { Clock } from "../ports/clock.port.js";
import type { IdGenerator } from "../ports/id-generator.port.js";
import type { OperatorRole, PasswordHasher, StoredOperator } from "../ports/operators.port.js";
import type { Repositories, UnitOfWork } from "../ports/repositories.port.js";
import type { SavePolicy } from "../policies/save-policy.use-case.js";
import type { Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import { tenantLockout } from "../shared/tenant-lockout.js";
import { TENANT_ID } from "../tenants/tenants.use-case.js";
import type { WebAuthnRelyingParty } from "../ports/webauthn.port.js";
import type { GetRelyingParty, SetRelyingParty } from "../webauthn/relying-party.use-case.js";

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
/**
 * The sign-in policy of an operator who registered a passkey: the passkey after the password, instead of the
 * authenticator app. A policy of its own, since a fixed chain does not skip a factor the user has not enrolled (and a
 * random one would let a phished app code stand in for the passkey): the console picks it for an operator with an
 * active passkey.
 */
export const CONSOLE_PASSKEY_POLICY = "console-sign-in-passkey";
/** The factor id of the operator's passkey (one per operator: a new registration replaces the old one). */
export const CONSOLE_PASSKEY_FACTOR = "passkey";
export const CONSOLE_PASSKEY_POLICY_DEFINITION = {
  name: "Console sign-in: a passkey after the password",
  mode: "fixed",
  requiredSteps: 1,
  factors: [
    {
      id: CONSOLE_PASSKEY_FACTOR,
      label: "Passkey",
      type: "webauthn",
      options: { userVerification: "required", residentKey: "preferred", attestation: "none", algorithms: ["ES256", "EdDSA", "RS256"] },
    },
  ],
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
  /** A passkey step's challenge (the request options); without it a passkey step cannot be passed. */
  readonly issueChallenge?: IssueChallenge;
  /**
   * The console tenant's WebAuthn relying party, from the configuration (the console's origin); set at every start,
   * but never to another RP id while operators have passkeys (they are bound to the stored one): then the stored one is
   * kept and `warn` says why.
   */
  readonly relyingParty?: {
    readonly of: () => WebAuthnRelyingParty;
    readonly get: GetRelyingParty;
    readonly set: SetRelyingParty;
    readonly warn: (message: string) => void;
  };
}

/** The factor an operator's sign-in passes next (named in the answer to the password). */
export interface NextFactorView {
  readonly id: string;
  readonly label: string;
  readonly type: string;
}

export interface OperatorView {
  readonly id: string;
  readonly username: string;
  readonly role: OperatorRole;
  readonly scope: string | null;
}

const view = (o: StoredOperator): OperatorView => ({ id: o.id, username: o.username, role: o.role, scope: o.scope });
/** An operator as the use cases answer it (never the password hash). */
export const operatorView = view;

/** The actor an operator's own sign-in (and a change of their own passkeys) runs as, in the console tenant. */
export const signInActor = (operatorId: string): Actor => ({ tenantId: CONSOLE_TENANT, keyId: "console", role: "service", operatorId });

const USERNAME = /^[a-z0-9][a-z0-9._@-]{0,99}$/;
const MIN_PASSWORD = 12;
const MAX_PASSWORD = 1024;

/** What is wrong with an operator's new password (create-operator, reset-operator-password); null when nothing. */
export const passwordRefusal = (password: string): AppError | null =>
  password.length < MIN_PASSWORD || password.length > MAX_PASSWORD
    ? { code: "invalid_input", message: `password: ${MIN_PASSWORD}–${MAX_PASSWORD} characters` }
    : null;

export const consoleEvent = (type: AuditEventType, at: Instant, operatorId: string | null, data: AuditEvent["data"]): AuditEvent => ({
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
/** The answer to a sign-in step without a sign-in in progress (the API's too, when the request has no session cookie). */
export const NO_SIGN_IN_MESSAGE = "no sign-in in progress: start again with the password";
const noSignIn = (): AppError => ({ code: "sign_in_failed", message: NO_SIGN_IN_MESSAGE });

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
    // Each policy is created when missing: an existing deployment gets the passkey policy at its next start.
    for (const [policyId, definition] of [
      [CONSOLE_POLICY, CONSOLE_POLICY_DEFINITION],
      [CONSOLE_PASSKEY_POLICY, CONSOLE_PASSKEY_POLICY_DEFINITION],
    ] as const) {
      const saved = await this.deps.savePolicy.execute({ actor, policyId, definition, mode: "create" });
      if (!saved.ok && saved.error.code !== "policy_exists") throw new Error(`console policy ${policyId}: ${saved.error.message}`);
    }
    const rp = this.deps.relyingParty;
    if (rp) {
      // The relying party follows the configuration: set (and audited) when it differs from the stored one.
      const wanted = rp.of();
      const stored = await rp.get.execute({ actor });
      const same =
        stored.ok &&
        stored.value.id === wanted.id &&
        stored.value.name === wanted.name &&
        stored.value.origins.join(" ") === wanted.origins.join(" ");
      if (!same) {
        // A passkey works for the RP id it was registered for only: another id would lock out every operator with one
        // (sign-in asks them for it). The stored relying party stays until those passkeys are reset.
        const holders = stored.ok && stored.value.id !== wanted.id ? await this.passkeyHolders() : [];
        if (holders.length > 0 && stored.ok) {
          rp.warn(
            `MFA_CONSOLE_ORIGIN: the console's passkeys belong to "${stored.value.id}", not "${wanted.id}" (the configured origin's host); ` +
              `kept "${stored.value.id}" (${stored.value.origins.join(", ")}) so that ${holders.length} operator(s) with a passkey ` +
              `(${holders.join(", ")}) can still sign in there. Set MFA_CONSOLE_ORIGIN back, or run reset-operator-authenticator ` +
              `for each of them and restart.`,
          );
          return;
        }
        const set = await rp.set.execute({ actor, ...wanted });
        if (!set.ok) throw new Error(`the console's WebAuthn relying party: ${set.error.message}`);
      }
    }
  }

  /** The names of the operators (disabled ones too: they may be enabled again) with an active passkey. */
  private async passkeyHolders(): Promise<string[]> {
    return this.deps.uow.run(async (repos) => {
      const holders: string[] = [];
      for (const o of await repos.operators.list(CONSOLE_TENANT))
        if (await repos.credentials.findActiveByFactor(CONSOLE_TENANT, o.id, CONSOLE_PASSKEY_FACTOR)) holders.push(o.username);
      return holders;
    });
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
    const badPassword = passwordRefusal(input.password);
    if (badPassword) return err(badPassword);
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
  async signInWithPassword(input: { username: string; password: string; sessionId: string }): Promise<
    Result<
      {
        readonly operator: OperatorView;
        readonly attemptId: string;
        readonly nextFactor: NextFactorView | null;
        /** What the next step takes: a code of the authenticator app, or the passkey's assertion. */
        readonly stage: "code" | "passkey";
        readonly expiresAt: Instant;
      },
      AppError
    >
  > {
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
    // An operator with an active passkey passes it; any other, the authenticator app.
    const passkey = await this.deps.uow.run((repos) =>
      repos.credentials.findActiveByFactor(CONSOLE_TENANT, operator.id, CONSOLE_PASSKEY_FACTOR),
    );
    const started = await this.deps.startAttempt.execute({
      actor: signInActor(operator.id),
      userId: operator.id,
      policyId: passkey ? CONSOLE_PASSKEY_POLICY : CONSOLE_POLICY,
    });
    if (!started.ok) return started;
    const at = this.deps.clock.now();
    // The session is opened holding the operator's user row, only if the operator is as the password found them: a
    // disable-operator or reset-operator-password that ran since (they take that row, and end the sessions there are)
    // is seen here, and one that runs after ends this session too. No sign-in outlives either.
    const opened = await this.deps.uow.run(async (repos) => {
      await repos.users.lock(CONSOLE_TENANT, operator.id, at);
      const now = await repos.operators.find(CONSOLE_TENANT, operator.id);
      if (!now || now.disabledAt !== null || now.passwordHash !== operator.passwordHash) return false;
      await repos.operators.insertSession({
        tenantId: CONSOLE_TENANT,
        id: input.sessionId,
        operatorId: operator.id,
        stage: "password_passed",
        attemptId: started.value.attemptId,
        createdAt: at,
        lastSeenAt: at,
        authenticatedAt: null,
        endedAt: null,
      });
      return true;
    });
    if (!opened) return err(signInFailed());
    return ok({
      operator: view(operator),
      attemptId: started.value.attemptId,
      nextFactor: started.value.currentFactor,
      stage: started.value.currentFactor?.id === CONSOLE_PASSKEY_FACTOR ? "passkey" : "code",
      expiresAt: at + this.timeouts.pendingMs,
    });
  }

  /**
   * The session half-way through its sign-in (password passed, not timed out, its operator not disabled) and the factor
   * of its current step.
   */
  private async pendingSignIn(sessionId: string) {
    return this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      const session = await repos.operators.findSession(CONSOLE_TENANT, sessionId);
      if (!session || session.stage !== "password_passed" || session.endedAt !== null || now >= session.createdAt + this.timeouts.pendingMs)
        return null;
      if (!(await this.operatorMaySignIn(repos, session.operatorId))) return null;
      const attempt = await repos.attempts.find(CONSOLE_TENANT, session.attemptId);
      const factorId = attempt?.status === "active" ? attempt.chain[attempt.cursor] : undefined;
      return factorId === undefined ? null : { session, factorId };
    });
  }

  /** The challenge of a passkey step: the request options for the browser's navigator.credentials.get. */
  async signInChallenge(input: {
    sessionId: string;
  }): Promise<Result<{ readonly factorId: string; readonly expiresAt: Instant; readonly publicKey: unknown }, AppError>> {
    const pending = await this.pendingSignIn(input.sessionId);
    if (!pending) return err(noSignIn());
    if (!this.deps.issueChallenge || pending.factorId !== CONSOLE_PASSKEY_FACTOR)
      return err({
        code: "challenge_not_supported",
        message: "this sign-in step takes a code from the authenticator app, not a challenge",
      });
    const issued = await this.deps.issueChallenge.execute({
      actor: signInActor(pending.session.operatorId),
      attemptId: pending.session.attemptId,
    });
    if (!issued.ok) return issued;
    const view: ChallengeView = issued.value;
    if (view.delivery !== "answer") throw new Error("a passkey step's challenge is answered, never sent");
    return ok({ factorId: view.factorId, expiresAt: view.expiresAt, publicKey: view.answer.publicKey });
  }

  /**
   * The answer to the operator's current step: a code of the authenticator app, or (`assertion`, its JSON text) the
   * passkey's assertion. The session becomes active once the chain is complete.
   */
  async submitCode(
    input: { sessionId: string } & ({ code: string; assertion?: undefined } | { assertion: string; code?: undefined }),
  ): Promise<Result<{ readonly outcome: VerifyOutcome; readonly signedIn: boolean }, AppError>> {
    const pending = await this.pendingSignIn(input.sessionId);
    if (!pending) return err(noSignIn());
    const { session, factorId } = pending;
    const passkeyStep = factorId === CONSOLE_PASSKEY_FACTOR;
    if (passkeyStep !== (input.assertion !== undefined)) {
      return err({
        code: "invalid_input",
        message: passkeyStep
          ? "this step takes the passkey: send its assertion as response (after POST /console/session/challenge)"
          : "this step takes a code from the authenticator app: send it as code",
      });
    }
    const verified = await this.deps.verifyStep.execute({
      actor: signInActor(session.operatorId),
      attemptId: session.attemptId,
      factorId,
      code: input.assertion ?? input.code,
    });
    if (!verified.ok) return verified;
    if (!verified.value.complete) return ok({ outcome: verified.value, signedIn: false });
    const activated = await this.deps.uow.run(async (repos) => {
      const at = this.deps.clock.now();
      // Only a session still half-way and not ended becomes active (a sign-out, a disable or a password reset in
      // between wins: they end it holding the operator's user row, taken here too).
      await repos.users.lock(CONSOLE_TENANT, session.operatorId, at);
      if (!(await this.operatorMaySignIn(repos, session.operatorId))) return false;
      if (!(await repos.operators.activateSession(CONSOLE_TENANT, session.id, at))) return false;
      await repos.audit.append(consoleEvent("operator.signed_in", at, session.operatorId, {}));
      return true;
    });
    if (!activated) return err(noSignIn());
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

  /** Whether the operator exists and is not disabled. */
  private async operatorMaySignIn(repos: Repositories, operatorId: string): Promise<boolean> {
    const operator = await repos.operators.find(CONSOLE_TENANT, operatorId);
    return operator !== null && operator.disabledAt === null;
  }

  private async decoyCheck(password: string): Promise<void> {
    this.decoy ??= this.deps.passwords.hash("not an operator's password");
    await this.deps.passwords.verify(await this.decoy, password);
  }
}

/** Whether an operator may act on a tenant: their own, or any (but the console's) when they are scoped to all. */
export const operatorMayUse = (operator: OperatorView, tenantId: string): boolean =>
  tenantId !== CONSOLE_TENANT && (operator.scope === null || operator.scope === tenantId);
