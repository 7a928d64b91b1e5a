// A signed-in operator's own passkeys (issue 15): registered, listed and removed through the same enrollment use cases
// as any user's, acting on the operator's user in the console tenant. The operator acts as a service key would (not as
// an admin of the console tenant), so the API's re-authentication rule holds: a change needs the chain the session
// was signed in with to have been completed in the last 5 minutes (REAUTH_MAX_AGE_SECONDS), or it is refused with
// `reauthentication_required`. Removing the passkey is refused while it is the last factor the operator can sign in with.
import { err, ok, type Result } from "@mfa-chain/domain";
import type { ConfirmFactor } from "../factors/confirm-factor.use-case.js";
import type { CredentialView } from "../factors/credential-views.js";
import type { Enrollment, EnrollFactor } from "../factors/enroll-factor.use-case.js";
import type { ListFactors, RevokeFactor } from "../factors/manage-factors.use-case.js";
import type { Kinds } from "../kinds/index.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import { enrolledFactorIds } from "../shared/enrolled-factors.js";
import type { AppError } from "../shared/application.errors.js";
import { credentialNotFound } from "../factors/credential-views.js";
import { CONSOLE_PASSKEY_FACTOR, CONSOLE_PASSKEY_POLICY, CONSOLE_POLICY, CONSOLE_TENANT, signInActor } from "./console.use-case.js";

export interface OperatorPasskeysDeps {
  readonly uow: UnitOfWork;
  readonly kinds: Kinds;
  readonly enrollFactor: EnrollFactor;
  readonly confirmFactor: ConfirmFactor;
  readonly listFactors: ListFactors;
  readonly revokeFactor: RevokeFactor;
}

/** Whose passkeys: the signed-in operator, and the session (its sign-in attempt re-authenticates a change). */
export interface OperatorSession {
  readonly operatorId: string;
  readonly sessionId: string;
}

export class OperatorPasskeys {
  constructor(private readonly deps: OperatorPasskeysDeps) {}

  /** The operator's passkeys, active ones only (an unconfirmed registration is not one yet). */
  async list(who: OperatorSession): Promise<CredentialView[]> {
    const all = await this.deps.listFactors.execute({ actor: signInActor(who.operatorId), userId: who.operatorId });
    return all.filter((c) => c.factorId === CONSOLE_PASSKEY_FACTOR && c.status === "active");
  }

  /** Starts a registration: the creation options for navigator.credentials.create (a new passkey replaces the old one). */
  async register(who: OperatorSession): Promise<Result<Enrollment, AppError>> {
    return this.deps.enrollFactor.execute({
      actor: signInActor(who.operatorId),
      userId: who.operatorId,
      policyId: CONSOLE_PASSKEY_POLICY,
      factorId: CONSOLE_PASSKEY_FACTOR,
      ...(await this.reauth(who)),
    });
  }

  /** Confirms a registration with the browser's answer (its JSON text); a refused one counts as a failure. */
  async confirm(who: OperatorSession, credentialId: string, registration: string): Promise<Result<CredentialView, AppError>> {
    if (!(await this.isPasskey(who.operatorId, credentialId, "pending"))) return err(credentialNotFound(credentialId));
    return this.deps.confirmFactor.execute({
      actor: signInActor(who.operatorId),
      userId: who.operatorId,
      credentialId,
      code: registration,
    });
  }

  /** Removes a passkey, unless the operator would be left with no factor to sign in with. */
  async remove(who: OperatorSession, credentialId: string): Promise<Result<CredentialView, AppError>> {
    const { operatorId } = who;
    const checked = await this.deps.uow.run(async (repos): Promise<Result<null, AppError>> => {
      const credential = await repos.credentials.findById(CONSOLE_TENANT, operatorId, credentialId);
      if (!credential || credential.factorId !== CONSOLE_PASSKEY_FACTOR || credential.status !== "active")
        return err(credentialNotFound(credentialId));
      // What signs the operator in once it is gone: the console policy (the authenticator app), whose chain a start
      // draws from the factors the operator can pass now (found as StartAttempt finds them).
      const policy = await repos.policies.findLatest(CONSOLE_TENANT, CONSOLE_POLICY);
      const usable = policy ? await enrolledFactorIds(repos, this.deps.kinds, CONSOLE_TENANT, operatorId, policy) : new Set();
      if (!policy || usable.size < policy.requiredSteps) {
        return err({
          code: "last_sign_in_factor",
          message: "this passkey is the only factor you can sign in with: set up an authenticator app before removing it",
        });
      }
      return ok(null);
    });
    if (!checked.ok) return checked;
    return this.deps.revokeFactor.execute({
      actor: signInActor(operatorId),
      userId: operatorId,
      credentialId,
      ...(await this.reauth(who)),
    });
  }

  private async isPasskey(operatorId: string, credentialId: string, status: "pending" | "active"): Promise<boolean> {
    const found = await this.deps.uow.run((repos) => repos.credentials.findById(CONSOLE_TENANT, operatorId, credentialId));
    return found?.factorId === CONSOLE_PASSKEY_FACTOR && found.status === status;
  }

  /** The session's sign-in attempt: what re-authenticates a change of the operator's factors (if recent enough). */
  private async reauth(who: OperatorSession): Promise<{ reauthAttemptId?: string }> {
    const session = await this.deps.uow.run((repos) => repos.operators.findSession(CONSOLE_TENANT, who.sessionId));
    return session && session.operatorId === who.operatorId ? { reauthAttemptId: session.attemptId } : {};
  }
}
