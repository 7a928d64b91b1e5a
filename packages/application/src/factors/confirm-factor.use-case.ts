// Confirms a pending enrollment with a code from the new authenticator; only then can the factor pass a step (S13).
import {
  err,
  failuresRemaining,
  isCodeShape,
  isLocked,
  isPendingExpired,
  ok,
  recordFailure,
  type Instant,
  type Result,
} from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { OtpVerifier } from "../ports/otp.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import type { SecretCipher } from "../ports/secret-cipher.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import { lockedError, type AppError } from "../shared/application.errors.js";
import { matchCode } from "../shared/otp-check.js";
import { tenantLockout } from "../shared/tenant-lockout.js";
import { credentialNotFound, viewCredential, type CredentialView } from "./credential-views.js";

export interface ConfirmFactorInput {
  readonly actor: Actor;
  readonly userId: string;
  readonly credentialId: string;
  readonly code: string;
}

/** Confirmation accepts the usual ±1 step: the user is typing from a freshly scanned app. */
const CONFIRM_WINDOW = 1;

export class ConfirmFactor {
  constructor(
    private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock; readonly otp: OtpVerifier; readonly cipher: SecretCipher },
  ) {}

  async execute(input: ConfirmFactorInput): Promise<Result<CredentialView, AppError>> {
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      const credential = await repos.credentials.findById(tenantId, input.userId, input.credentialId);
      if (!credential) return err(credentialNotFound(input.credentialId));
      if (credential.status !== "pending") {
        return err<AppError>({ code: "enrollment_not_pending", message: `factor "${credential.id}" is ${credential.status}, not pending confirmation` });
      }
      if (isPendingExpired(credential, now)) {
        return err<AppError>({ code: "enrollment_expired", message: "this enrollment was not confirmed in time; enroll again" });
      }
      const base = { tenantId, at: now, actor: auditActor(input.actor), userId: input.userId, attemptId: null, factorId: credential.factorId };
      const lock = await repos.lockouts.findForUpdate(tenantId, input.userId);
      if (isLocked(lock, now)) {
        await repos.audit.append({ ...base, type: "factor.confirm_failed", data: { credentialId: credential.id, reason: "user_locked" } });
        return err(lockedError(lock.lockedUntil as Instant));
      }
      // A failed confirmation counts on the user's failure counter like any other failed code, under the tenant's
      // strictest lockout (no attempt, so no one policy, is in play).
      const lockout = await tenantLockout(repos, tenantId);

      const matched = isCodeShape(input.code, credential.params.digits)
        ? matchCode(this.deps, credential, input.code, CONFIRM_WINDOW, now)
        : ({ ok: false, reason: "invalid_code_format" } as const);

      if (!matched.ok) {
        const next = recordFailure(lock, lockout, now);
        await repos.lockouts.save(tenantId, input.userId, next, now);
        await repos.audit.append({ ...base, type: "factor.confirm_failed", data: { credentialId: credential.id, reason: matched.reason } });
        const lockedUntil = isLocked(next, now) ? next.lockedUntil : null;
        if (lockedUntil !== null) {
          await repos.audit.append({ ...base, type: "user.locked", data: { until: lockedUntil, lockCount: next.lockCount } });
        }
        return err<AppError>({
          code: "invalid_code",
          message: "the code does not match this authenticator; check the device's clock and try the current code",
          failuresRemaining: failuresRemaining(next, lockout, now),
          lockedUntil,
        });
      }
      const isTotp = credential.params.type === "totp";
      const guard = { lastTimeStep: isTotp ? matched.step : null, counter: isTotp ? 0 : matched.step + 1 };
      if (!(await repos.credentials.activate(tenantId, credential.id, now, guard))) {
        return err<AppError>({ code: "enrollment_not_pending", message: `factor "${credential.id}" is no longer pending confirmation` });
      }
      await repos.audit.append({ ...base, type: "factor.confirmed", data: { credentialId: credential.id } });
      return ok(viewCredential({ ...credential, status: "active", confirmedAt: now, ...guard }));
    });
  }
}
