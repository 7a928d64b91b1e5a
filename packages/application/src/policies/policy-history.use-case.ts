// A policy's version history (for the console's diff), and a preview of how attempts draw their chain from a version:
// drawn by the domain's own drawChain, as StartAttempt does, with every factor of the policy taken as confirmed.
import { drawChain, err, ok, possibleChainCount, type RandomSource, type Result } from "@mfa-chain/domain";
import type { UnitOfWork } from "../ports/repositories.port.js";
import type { Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import { policyNotFound, viewPolicy, type PolicyView } from "./policy-views.js";

/** Most draws one preview makes. */
export const MAX_PREVIEW_SAMPLES = 20;

export class ListPolicyVersions {
  constructor(private readonly deps: { readonly uow: UnitOfWork }) {}

  /** Every version of a live policy, newest first. */
  async execute(input: { actor: Actor; policyId: string }): Promise<Result<PolicyView[], AppError>> {
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (r) => {
      const latest = await r.policies.findLatest(tenantId, input.policyId);
      if (!latest) return err(policyNotFound(input.policyId));
      const versions = [viewPolicy(latest)];
      for (let v = latest.version - 1; v >= 1; v--) {
        const found = await r.policies.findVersion(tenantId, input.policyId, v);
        if (found) versions.push(viewPolicy(found));
      }
      return ok(versions);
    });
  }
}

export interface ChainPreview {
  readonly policyId: string;
  readonly version: number;
  readonly mode: PolicyView["mode"];
  readonly requiredSteps: number;
  readonly factorCount: number;
  /** How many different chains an attempt may get (1 in fixed mode). */
  readonly possibleChains: number;
  /** Chains drawn now, as attempts would draw them: factor ids in the order they must be passed. */
  readonly samples: readonly (readonly string[])[];
}

export class PreviewChain {
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly random: RandomSource }) {}

  async execute(input: { actor: Actor; policyId: string; version?: number; samples: number }): Promise<Result<ChainPreview, AppError>> {
    if (!Number.isSafeInteger(input.samples) || input.samples < 1 || input.samples > MAX_PREVIEW_SAMPLES) {
      return err({ code: "invalid_input", message: `samples: an integer from 1 to ${MAX_PREVIEW_SAMPLES}` });
    }
    const { tenantId } = input.actor;
    const policy = await this.deps.uow.run((r) =>
      input.version === undefined
        ? r.policies.findLatest(tenantId, input.policyId)
        : r.policies.findVersion(tenantId, input.policyId, input.version),
    );
    if (!policy) {
      return err(
        input.version === undefined
          ? policyNotFound(input.policyId)
          : { code: "policy_not_found", message: `policy "${input.policyId}" has no version ${input.version}` },
      );
    }
    const everyFactor = new Set(policy.factors.map((f) => f.id));
    const samples: string[][] = [];
    for (let i = 0; i < input.samples; i++) {
      const drawn = drawChain(policy, everyFactor, this.deps.random);
      if (!drawn.ok) return err({ code: "invalid_input", message: drawn.error.message });
      samples.push(drawn.value.chain);
    }
    return ok({
      policyId: policy.id,
      version: policy.version,
      mode: policy.mode,
      requiredSteps: policy.requiredSteps,
      factorCount: policy.factors.length,
      possibleChains: possibleChainCount(policy),
      samples,
    });
  }
}
