// Resynchronises a HOTP token that ran ahead of the server (RFC 4226 §7.4; SPEC §3: two consecutive codes within
// 1000). The user proves possession with two codes read one after the other; the credential's counter then moves
// past both, by compare-and-set, so neither code — nor any earlier one — is accepted again. A failure counts against
// the user's failure counter like any other wrong code (S26).
import {
  err,
  failuresRemaining,
  isCodeShape,
  isLocked,
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
import { tenantLockout } from "../shared/tenant-lockout.js";
import { credentialNotFound, viewCredential, type CredentialView } from "./credential-views.js";

/** How far ahead of the expected counter the first of the two codes is searched (SPEC §3). */
export const HOTP_RESYNC_WINDOW = 1000;

export interface ResyncHotpInput {
  readonly actor: Actor;
  readonly userId: string;
  readonly credentialId: string;
  readonly codes: readonly [string, string];
}

export class ResyncHotpFactor {
  constructor(
    private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock; readonly otp: OtpVerifier; readonly cipher: SecretCipher },
  ) {}

  async execute(input: ResyncHotpInput): Promise<Result<CredentialView, AppError>> {
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      const credential = await repos.credentials.findById(tenantId, input.userId, input.credentialId);
      if (!credential) return err(credentialNotFound(input.credentialId));
      if (credential.status !== "active" || credential.params.type !== "hotp") {
        return err<AppError>({
          code: "invalid_input",
          message: `factor "${credential.id}" is a ${credential.status} ${credential.params.type} factor: only an active HOTP factor can be resynchronised`,
        });
      }
      const base = { tenantId, at: now, actor: auditActor(input.actor), userId: input.userId, attemptId: null, factorId: credential.factorId };
      const lock = await repos.lockouts.findForUpdate(tenantId, input.userId);
      if (isLocked(lock, now)) {
        await repos.audit.append({ ...base, type: "factor.resync_failed", data: { credentialId: credential.id, reason: "user_locked" } });
        return err(lockedError(lock.lockedUntil as Instant));
      }
      // No attempt, so no one policy, is in play: the tenant's strictest lockout applies (as for a confirmation).
      const lockout = await tenantLockout(repos, tenantId);

      const { digits, algorithm } = credential.params;
      const [first, second] = input.codes;
      let found: { readonly firstCounter: number; readonly nextCounter: number } | null = null;
      if (isCodeShape(first, digits) && isCodeShape(second, digits)) {
        const secret = this.deps.cipher.open(credential.secret, { tenantId, userId: credential.userId, credentialId: credential.id });
        try {
          found = this.deps.otp.resyncHotp({ secret, codes: [first, second], counter: credential.counter, algorithm, digits, window: HOTP_RESYNC_WINDOW });
        } finally {
          secret.fill(0);
        }
      }
      // The counter moves past both codes only if nobody moved it meanwhile: of parallel resyncs one wins.
      const claimed = found !== null && (await repos.credentials.advanceCounter(tenantId, credential.id, credential.counter, found.nextCounter));
      if (!found || !claimed) {
        const next = recordFailure(lock, lockout, now);
        await repos.lockouts.save(tenantId, input.userId, next, now);
        const lockedUntil = isLocked(next, now) ? next.lockedUntil : null;
        await repos.audit.append(
          { ...base, type: "factor.resync_failed", data: { credentialId: credential.id, reason: found ? "code_replayed" : "invalid_code" } },
          ...(lockedUntil === null ? [] : [{ ...base, type: "user.locked" as const, data: { until: lockedUntil, lockCount: next.lockCount } }]),
        );
        return err<AppError>({
          code: "invalid_code",
          message: "the two codes are not consecutive codes of this token within reach; read two new codes one after the other",
          failuresRemaining: failuresRemaining(next, lockout, now),
          lockedUntil,
        });
      }
      await repos.audit.append({ ...base, type: "factor.resynced", data: { credentialId: credential.id, from: credential.counter, to: found.nextCounter } });
      return ok(viewCredential({ ...credential, counter: found.nextCounter }));
    });
  }
}
