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
import { authorizeFactorChange } from "./authorize-factor-change.js";
import { viewCredential, type CredentialView } from "./credential-views.js";

export interface EnrollFactorInput {
  readonly actor: Actor;
  readonly userId: string;
  readonly policyId: string;
  readonly factorId: string;
  readonly reauthAttemptId?: string;
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
}

export class EnrollFactor {
  constructor(private readonly deps: EnrollFactorDeps) {}

  async execute(input: EnrollFactorInput): Promise<Result<Enrollment, AppError>> {
    const { tenantId } = input.actor;
    const { deps } = this;
    return deps.uow.run(async (repos) => {
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
      const allowed = await authorizeFactorChange(repos, input.actor, input.userId, input.reauthAttemptId, now);
      if (!allowed.ok) return allowed;

      await repos.users.lock(tenantId, input.userId, now);
      // Only the newest enrollment of a slot can be confirmed; earlier unconfirmed ones are discarded.
      await repos.credentials.deletePending(tenantId, input.userId, factor.id);
      const kind = kindFor(deps.kinds, factor.type);
      const id = deps.ids.newId();
      const params = paramsOf(factor);
      const { material, shown: raw } = await kind.provision(
        { tenantId, userId: input.userId, credentialId: id, label: factor.label },
        params,
      );
      const shown = raw as KindShown[ImplementedFactorType];
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
      if (kind.enrollsAs === "pending") {
        return ok({ credential: viewCredential(deps.kinds, pending), shown, confirmBefore: now + PENDING_ENROLLMENT_TTL_SECONDS * 1000 });
      }
      // Nothing to confirm: active at once, replacing (revoking) the slot's previous credential.
      if (!(await repos.credentials.activate(tenantId, id, now, null)))
        throw new InvariantViolation(`credential ${id} vanished inside its own transaction`);
      await repos.audit.append({ ...audit, type: "factor.confirmed", data: { credentialId: id } });
      const active = { ...pending, status: "active", confirmedAt: now } as StoredCredential;
      return ok({ credential: viewCredential(deps.kinds, active), shown, confirmBefore: null });
    });
  }
}
