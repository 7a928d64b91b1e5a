// Resynchronises a HOTP token that ran ahead of the server (RFC 4226 §7.4; SPEC §3: two consecutive codes within
// 1000). The user proves possession with two codes read one after the other; the credential's counter then moves
// past both, by compare-and-set, so neither code — nor any earlier one — is accepted again. A failure counts against
// the user's failure counter like any other wrong code (S26).
import { err, HOTP_RESYNC_WINDOW, isCodeShape, ok, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { OtpVerifier } from "../ports/otp.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import type { SecretCipher } from "../ports/secret-cipher.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import { openFactorCheck } from "../shared/factor-check.js";
import { credentialNotFound, viewCredential, type CredentialView } from "./credential-views.js";

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
      if (credential.params.type !== "hotp") {
        return err<AppError>({
          code: "invalid_input",
          message: `factor "${credential.id}" is a ${credential.params.type} factor: only a HOTP factor can be resynchronised`,
        });
      }
      if (credential.status !== "active") {
        return err<AppError>({
          code: "factor_not_active",
          message: `factor "${credential.id}" is ${credential.status}: only an active HOTP factor can be resynchronised`,
        });
      }
      const check = await openFactorCheck(repos, {
        actor: input.actor,
        userId: input.userId,
        credentialId: credential.id,
        factorId: credential.factorId,
        now,
        failedType: "factor.resync_failed",
      });
      if (check.locked) return err(check.locked);

      const { digits, algorithm } = credential.params;
      const [first, second] = input.codes;
      let found: { readonly firstCounter: number; readonly nextCounter: number } | null = null;
      if (isCodeShape(first, digits) && isCodeShape(second, digits)) {
        const secret = this.deps.cipher.open(credential.secret, { tenantId, userId: credential.userId, credentialId: credential.id });
        try {
          found = this.deps.otp.resyncHotp({
            secret,
            codes: [first, second],
            counter: credential.counter,
            algorithm,
            digits,
            window: HOTP_RESYNC_WINDOW,
          });
        } finally {
          secret.fill(0);
        }
      }
      // The counter moves past both codes only if nobody moved it meanwhile: of parallel resyncs one wins.
      const claimed =
        found !== null && (await repos.credentials.advanceCounter(tenantId, credential.id, credential.counter, found.nextCounter));
      if (!found || !claimed) {
        return err(
          await check.fail(
            found ? "code_replayed" : "invalid_code",
            "the two codes are not consecutive codes of this token within reach; read two new codes one after the other",
          ),
        );
      }
      await repos.audit.append({
        tenantId,
        type: "factor.resynced",
        at: now,
        actor: auditActor(input.actor),
        userId: input.userId,
        attemptId: null,
        factorId: credential.factorId,
        data: { credentialId: credential.id, from: credential.counter, to: found.nextCounter },
      });
      return ok(viewCredential({ ...credential, counter: found.nextCounter }));
    });
  }
}
