// Resynchronises a token that ran ahead of the server (RFC 4226 §7.4; SPEC §3: two consecutive codes within 1000), for
// the kinds that have the hook (HOTP). The user proves possession with two codes read one after the other; the
// credential's claim then moves past both, by compare-and-set, so neither code — nor any earlier one — is accepted
// again. A failure counts against the user's failure counter like any other wrong code (S26).
import { err, ok, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import { kindFor, type Kinds } from "../kinds/index.js";
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
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock; readonly kinds: Kinds }) {}

  async execute(input: ResyncHotpInput): Promise<Result<CredentialView, AppError>> {
    const { tenantId } = input.actor;
    const { kinds } = this.deps;
    return this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      const credential = await repos.credentials.findById(tenantId, input.userId, input.credentialId);
      if (!credential) return err(credentialNotFound(input.credentialId));
      const kind = kindFor(kinds, credential.params.type);
      if (!kind.resync) {
        return err<AppError>({
          code: "invalid_input",
          message: `factor "${credential.id}" is a ${credential.params.type} factor, which cannot be resynchronised (HOTP factors can)`,
        });
      }
      if (credential.status !== "active") {
        return err<AppError>({
          code: "factor_not_active",
          message: `factor "${credential.id}" is ${credential.status}: only an active factor can be resynchronised`,
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

      const claim = kind.resync(credential, input.codes);
      // The claim holds only if nobody moved the credential meanwhile: of parallel resyncs one wins.
      const claimed = claim !== null && (await repos.credentials.claim(tenantId, claim, now));
      if (!claim || !claimed) {
        return err(
          await check.fail(
            claim ? "code_replayed" : "invalid_code",
            "the two codes are not consecutive codes of this token within reach; read two new codes one after the other",
          ),
        );
      }
      const moved = claim.kind === "counter" ? { from: claim.expected, to: claim.next } : {};
      await repos.audit.append({
        tenantId,
        type: "factor.resynced",
        at: now,
        actor: auditActor(input.actor),
        userId: input.userId,
        attemptId: null,
        factorId: credential.factorId,
        data: { credentialId: credential.id, ...moved },
      });
      const resynced = await repos.credentials.findById(tenantId, input.userId, credential.id);
      return ok(viewCredential(kinds, resynced ?? credential));
    });
  }
}
