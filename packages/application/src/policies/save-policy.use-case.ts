// Creates a policy (version 1) or writes a new version of an existing one. Running attempts keep their version.
import { err, formatPolicyIssues, ok, parsePolicyDefinition, POLICY_ID_PATTERN, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import { policyNotFound, viewPolicy, type PolicyView } from "./policy-views.js";

export interface SavePolicyInput {
  readonly actor: Actor;
  readonly policyId: string;
  readonly definition: unknown;
  /** create: the id must be new; update: it must exist. */
  readonly mode: "create" | "update";
}

export class SavePolicy {
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock }) {}

  async execute(input: SavePolicyInput): Promise<Result<PolicyView, AppError>> {
    if (!POLICY_ID_PATTERN.test(input.policyId)) {
      return err({
        code: "invalid_input",
        message: `policy id must be a lowercase slug (a-z, 0-9, "_", "-"; 1–64), got ${JSON.stringify(input.policyId)}`,
      });
    }
    const parsed = parsePolicyDefinition(input.definition);
    if (!parsed.ok) {
      return err({ code: "invalid_policy", message: formatPolicyIssues(parsed.error.issues), issues: parsed.error.issues });
    }
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const latest = await repos.policies.findLatest(tenantId, input.policyId);
      if (input.mode === "create" && (latest || (await repos.policies.findVersion(tenantId, input.policyId, 1)))) {
        // A deleted policy's id is not reused: old attempts and audit events still name its versions.
        return err<AppError>({
          code: "policy_exists",
          message: latest
            ? `policy "${input.policyId}" already exists; update it to make a new version`
            : `policy id "${input.policyId}" belonged to a deleted policy; choose another id`,
        });
      }
      if (input.mode === "update" && !latest) return err(policyNotFound(input.policyId));
      const now = this.deps.clock.now();
      const stored = { ...parsed.value, id: input.policyId, version: (latest?.version ?? 0) + 1, tenantId, createdAt: now };
      if (!(await repos.policies.insert(stored))) {
        return err<AppError>({
          code: "policy_exists",
          message: `policy "${input.policyId}" was changed concurrently; read it and try again`,
        });
      }
      await repos.audit.append({
        tenantId,
        type: input.mode === "create" ? "policy.created" : "policy.updated",
        at: now,
        actor: auditActor(input.actor),
        userId: null,
        attemptId: null,
        factorId: null,
        data: { policyId: stored.id, version: stored.version },
      });
      return ok(viewPolicy(stored));
    });
  }
}
