// Enrolls a factor for one policy slot through its kind (kinds/): new material, sealed or hashed at rest, and what the
// user is shown this once. An authenticator stays pending until a code from it confirms it; a kind that enrolls as
// active (backup codes) replaces the slot's credential in the same transaction.
import {
  err,
  findFactor,
  ok,
  paramsOf,
  PENDING_ENROLLMENT_TTL_SECONDS,
  type ImplementedFactorType,
  type Instant,
  type Result,
} from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { IdGenerator } from "../ports/id-generator.port.js";
import type { StoredCredential, UnitOfWork } from "../ports/repositories.port.js";
import { kindFor, type Kinds, type KindShown } from "../kinds/index.js";
import { auditActor, type Actor } from "../shared/actor.js";
import { InvariantViolation, type AppError } from "../shared/application.errors.js";
import { policyNotFound } from "../policies/policy-views.js";
import { answeringDeliveryFailure, type ChallengeSenderDeps } from "../shared/challenge-sender.js";
import { issueChallenge } from "../shared/challenge-issuer.js";
import { authorizeFactorChange } from "./authorize-factor-change.js";
import { viewCredential, type CredentialView } from "./credential-views.js";
import { revokeRememberedDevices } from "../enforcement/devices.use-case.js";
import { queueNotification, type NotificationKick } from "../notifications/notifications.js";

export interface EnrollFactorInput {
  readonly actor: Actor;
  readonly userId: string;
  readonly policyId: string;
  readonly factorId: string;
  readonly reauthAttemptId?: string;
  /** Kind-specific input (an email factor's `destination`), read by the kind's `acceptDetails`. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface Enrollment {
  readonly credential: CredentialView;
  /** What the user is shown this once (a secret and its QR code, a set of backup codes); never stored in the clear. */
  readonly shown: KindShown[ImplementedFactorType];
  /** Until when a pending enrollment can be confirmed; null when the kind enrolls as active. */
  readonly confirmBefore: Instant | null;
}

export interface EnrollFactorDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly kinds: Kinds;
  /** Sends the confirmation code of a kind with a challenge phase (email, SMS). */
  readonly sender: ChallengeSenderDeps;
  /** Starts sending the notifications queued (a factor added at once: backup codes) once the enrollment committed. */
  readonly notify?: NotificationKick;
}

export class EnrollFactor {
  constructor(private readonly deps: EnrollFactorDeps) {}

  async execute(input: EnrollFactorInput): Promise<Result<Enrollment, AppError>> {
    try {
      return await answeringDeliveryFailure(() => this.enroll(input));
    } catch (error) {
      if (error instanceof EnrollmentRefused) return err(error.error);
      throw error;
    }
  }

  private enroll(input: EnrollFactorInput): Promise<Result<Enrollment, AppError>> {
    const { tenantId } = input.actor;
    const { deps } = this;
    const committed = deps.uow.run(async (repos): Promise<Result<Enrollment, AppError>> => {
      const now = deps.clock.now();
      const policy = await repos.policies.findLatest(tenantId, input.policyId);
      if (!policy) return err(policyNotFound(input.policyId));
      const factor = findFactor(policy, input.factorId);
      if (!factor) {
        return err<AppError>({
          code: "factor_not_in_policy",
          message: `policy "${policy.id}" has no factor "${input.factorId}" (its factors: ${policy.factors.map((f) => f.id).join(", ")})`,
        });
      }
      const kind = kindFor(deps.kinds, factor.type);
      let details: unknown;
      if (kind.acceptDetails) {
        const accepted = kind.acceptDetails(input.details ?? {});
        if (!accepted.ok) return err<AppError>({ code: "invalid_input", message: accepted.message });
        details = accepted.value;
      } else if (input.details !== undefined && Object.keys(input.details).length > 0) {
        return err<AppError>({
          code: "invalid_input",
          message: `a factor of type ${factor.type} takes no ${Object.keys(input.details).join(", ")} at enrollment`,
        });
      }
      const allowed = await authorizeFactorChange(repos, input.actor, input.userId, input.reauthAttemptId, now);
      if (!allowed.ok) return allowed;

      await repos.users.lock(tenantId, input.userId, now);
      // Only the newest enrollment of a slot can be confirmed; earlier unconfirmed ones are discarded.
      await repos.credentials.deletePending(tenantId, input.userId, factor.id);
      const id = deps.ids.newId();
      const params = paramsOf(factor);
      const { material, shown: raw } = await kind.provision(
        { tenantId, userId: input.userId, credentialId: id, label: factor.label, ...(details === undefined ? {} : { details }) },
        params,
      );
      let shown = raw as KindShown[ImplementedFactorType];
      const pending = {
        id,
        tenantId,
        userId: input.userId,
        factorId: factor.id,
        label: factor.label,
        status: "pending" as const,
        params,
        material,
        createdAt: now,
        confirmedAt: null,
        revokedAt: null,
      } as StoredCredential;
      await repos.credentials.insert(pending);
      const audit = { tenantId, at: now, actor: auditActor(input.actor), userId: input.userId, attemptId: null, factorId: factor.id };
      await repos.audit.append({
        ...audit,
        type: "factor.enrolled",
        data: { credentialId: id, policyId: policy.id, authorizedBy: allowed.value.via },
      });
      // The user's factors change: devices remembered under the old ones must pass the chain again (issue 14).
      await revokeRememberedDevices(repos, tenantId, input.userId, now, audit.actor, "factor_enrolled");
      // A kind with a challenge phase proves the destination: a code goes there now (the provider refusing rolls the
      // enrollment back), and confirming takes it.
      // A kind that answers its challenge (WebAuthn) adds the answer to what the enrollment shows (the creation options).
      if (kind.challenge) {
        const issued = await issueChallenge(repos, deps.sender, {
          actor: input.actor,
          credential: pending,
          challenge: kind.challenge,
          purpose: "enroll",
          challengeId: id,
          attemptId: null,
          step: null,
          now,
        });
        if (!issued.ok) throw new EnrollmentRefused(issued.error);
        if (issued.value.delivery === "answer") shown = { ...(shown as object), ...issued.value.answer } as typeof shown;
      }
      if (kind.enrollsAs === "pending") {
        return ok({ credential: viewCredential(deps.kinds, pending), shown, confirmBefore: now + PENDING_ENROLLMENT_TTL_SECONDS * 1000 });
      }
      // Nothing to confirm: active at once, replacing (revoking) the slot's previous credential.
      if (!(await repos.credentials.activate(tenantId, id, now, null)))
        throw new InvariantViolation(`credential ${id} vanished inside its own transaction`);
      await repos.audit.append({ ...audit, type: "factor.confirmed", data: { credentialId: id } });
      await queueNotification(repos, { tenantId, userId: input.userId, event: "factor_added", at: now, factorLabel: factor.label });
      const active = { ...pending, status: "active", confirmedAt: now } as StoredCredential;
      return ok({ credential: viewCredential(deps.kinds, active), shown, confirmBefore: null });
    });
    return committed.finally(() => deps.notify?.kick());
  }
}

/** Rolls back an enrollment whose confirmation code could not be sent (a send limit): nothing of it stays. */
class EnrollmentRefused extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
  }
}
