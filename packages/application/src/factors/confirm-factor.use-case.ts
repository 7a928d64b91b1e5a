// Confirms a pending enrollment with a code from the new authenticator; only then can the factor pass a step (S13).
// The code is checked by the factor's kind (kinds/), and its claim becomes the new credential's replay guard.
import { err, isPendingExpired, isWellFormedForCredential, ok, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { StoredCredential, UnitOfWork } from "../ports/repositories.port.js";
import { kindFor, type Kinds } from "../kinds/index.js";
import { auditActor, type Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import { openFactorCheck } from "../shared/factor-check.js";
import { credentialNotFound, viewCredential, type CredentialView } from "./credential-views.js";
import { revokeRememberedDevices } from "../enforcement/devices.use-case.js";
import { queueNotification, type NotificationKick } from "../notifications/notifications.js";

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
    private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock; readonly kinds: Kinds; readonly notify?: NotificationKick },
  ) {}

  async execute(input: ConfirmFactorInput): Promise<Result<CredentialView, AppError>> {
    const { tenantId } = input.actor;
    const { kinds } = this.deps;
    const committed = this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      const credential = await repos.credentials.findById(tenantId, input.userId, input.credentialId);
      if (!credential) return err(credentialNotFound(input.credentialId));
      if (credential.status !== "pending") {
        return err<AppError>({
          code: "enrollment_not_pending",
          message: `factor "${credential.id}" is ${credential.status}, not pending confirmation`,
        });
      }
      if (isPendingExpired(credential, now)) {
        return err<AppError>({ code: "enrollment_expired", message: "this enrollment was not confirmed in time; enroll again" });
      }
      const check = await openFactorCheck(repos, {
        actor: input.actor,
        userId: input.userId,
        credentialId: credential.id,
        factorId: credential.factorId,
        now,
        failedType: "factor.confirm_failed",
      });
      if (check.locked) return err(check.locked);

      const kind = kindFor(kinds, credential.params.type);
      // A kind with a challenge phase checks against the code sent at enrollment.
      const challenge = kind.challenge ? await repos.challenges.find(tenantId, kind.challenge.purposes.enroll, credential.id) : null;
      const wellFormed = isWellFormedForCredential(credential.params, input.code);
      // A kind with asynchronous work (WebAuthn's signature checks) does it first; the decision stays in check.
      const prepared =
        wellFormed && kind.prepare ? await kind.prepare(credential, input.code, { now, challenge, purpose: "enroll" }) : undefined;
      const checked = wellFormed
        ? kind.check(credential, input.code, { now, window: CONFIRM_WINDOW, challenge, prepared })
        : ({ ok: false, reason: "invalid_code_format" } as const);
      if (!checked.ok) {
        // What the failure spends (a try of the sent code) is written with the failure it counts.
        if (checked.claim) await repos.credentials.claim(tenantId, checked.claim, now);
        return err(
          await check.fail(
            checked.reason,
            "the code does not match this authenticator; check the device's clock and try the current code",
            checked.cause,
          ),
        );
      }
      // Material known only now (a WebAuthn registration's public key) is written first; a kind's uniqueness rule may
      // refuse it (a credential id registered in the tenant already, S24): the challenge is spent all the same.
      let confirmed: StoredCredential = credential;
      if (checked.material !== undefined) {
        confirmed = { ...credential, material: checked.material } as StoredCredential;
        const saved = await repos.credentials.saveMaterial(confirmed);
        // No longer pending (a parallel confirmation won, or it was abandoned or revoked): not a duplicate registration.
        if (saved === "not_pending") {
          return err<AppError>({ code: "enrollment_not_pending", message: `factor "${credential.id}" is no longer pending confirmation` });
        }
        if (saved === "refused") {
          if (challenge)
            await repos.credentials.claim(
              tenantId,
              { kind: "challenge_spent", credentialId: credential.id, purpose: challenge.purpose, challengeId: challenge.id },
              now,
            );
          return err<AppError>({
            code: "credential_already_registered",
            message: "this authenticator's credential is registered already; nothing was stored",
          });
        }
      }
      if (!(await repos.credentials.activate(tenantId, credential.id, now, checked.claim))) {
        return err<AppError>({ code: "enrollment_not_pending", message: `factor "${credential.id}" is no longer pending confirmation` });
      }
      await repos.audit.append({
        tenantId,
        type: "factor.confirmed",
        at: now,
        actor: auditActor(input.actor),
        userId: input.userId,
        attemptId: null,
        factorId: credential.factorId,
        data: { credentialId: credential.id },
      });
      // The user's factors changed: devices remembered under the old ones must pass the chain again (issue 14).
      await revokeRememberedDevices(repos, tenantId, input.userId, now, auditActor(input.actor), "factor_confirmed");
      await queueNotification(repos, { tenantId, userId: input.userId, event: "factor_added", at: now, factorLabel: credential.label });
      return ok(viewCredential(kinds, { ...confirmed, status: "active", confirmedAt: now } as StoredCredential));
    });
    // The notifications it queued (factor added, locked out) go once it committed.
    return committed.finally(() => this.deps.notify?.kick());
  }
}
