// Reading and deleting policies.
import { err, ok, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import { policyNotFound, viewPolicy, type PolicyView } from "./policy-views.js";

export class GetPolicy {
  constructor(private readonly deps: { readonly uow: UnitOfWork }) {}

  /** The latest version, or an exact one when `version` is given (also of a deleted policy's history). */
  async execute(input: { actor: Actor; policyId: string; version?: number }): Promise<Result<PolicyView, AppError>> {
    const { tenantId } = input.actor;
    const found = await this.deps.uow.run((r) =>
      input.version === undefined
        ? r.policies.findLatest(tenantId, input.policyId)
        : r.policies.findVersion(tenantId, input.policyId, input.version),
    );
    if (found) return ok(viewPolicy(found));
    if (input.version === undefined) return err(policyNotFound(input.policyId));
    // Say whether the policy or only the version is missing.
    const latest = await this.deps.uow.run((r) => r.policies.findLatest(tenantId, input.policyId));
    return err(
      latest
        ? {
            code: "policy_not_found",
            message: `policy "${input.policyId}" has no version ${input.version} (its latest is ${latest.version})`,
          }
        : policyNotFound(input.policyId),
    );
  }
}

export class ListPolicies {
  constructor(private readonly deps: { readonly uow: UnitOfWork }) {}

  async execute(input: { actor: Actor }): Promise<PolicyView[]> {
    const all = await this.deps.uow.run((r) => r.policies.listLatest(input.actor.tenantId));
    return all.map(viewPolicy);
  }
}

export class DeletePolicy {
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock }) {}

  /** Deleting stops new attempts; attempts already running finish on their version. */
  async execute(input: { actor: Actor; policyId: string }): Promise<Result<{ deleted: true }, AppError>> {
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (r) => {
      const now = this.deps.clock.now();
      if (!(await r.policies.markDeleted(tenantId, input.policyId, now))) return err(policyNotFound(input.policyId));
      await r.audit.append({
        tenantId,
        type: "policy.deleted",
        at: now,
        actor: auditActor(input.actor),
        userId: null,
        attemptId: null,
        factorId: null,
        data: { policyId: input.policyId },
      });
      return ok({ deleted: true as const });
    });
  }
}
