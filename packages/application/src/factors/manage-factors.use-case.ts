// Listing and revoking a user's enrolled factors.
import { err, ok, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { StoredCredential, UnitOfWork } from "../ports/repositories.port.js";
import type { Kinds } from "../kinds/index.js";
import { auditActor, type Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import { authorizeFactorChange } from "./authorize-factor-change.js";
import { credentialNotFound, viewCredential, type CredentialView } from "./credential-views.js";
import { revokeRememberedDevices } from "../enforcement/devices.use-case.js";
import { queueNotification, type NotificationKick } from "../notifications/notifications.js";

export class ListFactors {
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly kinds: Kinds }) {}

  async execute(input: { actor: Actor; userId: string }): Promise<CredentialView[]> {
    const all = await this.deps.uow.run((r) => r.credentials.listByUser(input.actor.tenantId, input.userId));
    return all.map((c) => viewCredential(this.deps.kinds, c));
  }
}

export class RevokeFactor {
  constructor(
    private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock; readonly kinds: Kinds; readonly notify?: NotificationKick },
  ) {}

  async execute(input: {
    actor: Actor;
    userId: string;
    credentialId: string;
    reauthAttemptId?: string;
  }): Promise<Result<CredentialView, AppError>> {
    const { tenantId } = input.actor;
    const committed = this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      const credential = await repos.credentials.findById(tenantId, input.userId, input.credentialId);
      if (!credential) return err(credentialNotFound(input.credentialId));
      if (credential.status === "revoked") {
        return err<AppError>({
          code: "factor_not_active",
          message: `factor "${credential.id}" is already revoked (at ${new Date(credential.revokedAt ?? now).toISOString()})`,
        });
      }
      const allowed = await authorizeFactorChange(repos, input.actor, input.userId, input.reauthAttemptId, now);
      if (!allowed.ok) return allowed;
      if (!(await repos.credentials.revoke(tenantId, credential.id, now))) return err(credentialNotFound(input.credentialId));
      await repos.audit.append({
        tenantId,
        type: "factor.revoked",
        at: now,
        actor: auditActor(input.actor),
        userId: input.userId,
        attemptId: null,
        factorId: credential.factorId,
        data: { credentialId: credential.id, authorizedBy: allowed.value.via },
      });
      // The user's factors changed: devices remembered under the old ones must pass the chain again (issue 14).
      await revokeRememberedDevices(repos, tenantId, input.userId, now, auditActor(input.actor), "factor_revoked");
      // The removed factor is told too (its destination, if it has one, is still sealed in its material).
      await queueNotification(repos, {
        tenantId,
        userId: input.userId,
        event: "factor_removed",
        at: now,
        factorLabel: credential.label,
        alsoTo: [credential.id],
      });
      return ok(viewCredential(this.deps.kinds, { ...credential, status: "revoked", revokedAt: now } as StoredCredential));
    });
    // The notification it queued (factor removed) goes once it committed.
    return committed.finally(() => this.deps.notify?.kick());
  }
}
