// A policy's version history (for the console's diff), and a preview of how attempts draw their chain from a version:
// drawn by the domain's own drawChain, as StartAttempt does, with every factor of the policy taken as confirmed, or
// with one user's enrolled factors (found as StartAttempt finds them, shared/enrolled-factors.ts).
import {
  drawChain,
  err,
  isLocked,
  ok,
  possibleChainCount,
  USER_ID_PATTERN,
  viewOf,
  type FactorView,
  type Instant,
  type RandomSource,
  type Result,
} from "@mfa-chain/domain";
import type { Kinds } from "../kinds/index.js";
import type { Clock } from "../ports/clock.port.js";
import type { UnitOfWork } from "../ports/repositories.port.js";
import { enrolledFactorIds } from "../shared/enrolled-factors.js";
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
  /**
   * How many different chains an attempt may get (1 in fixed mode); for one user, from their enrolled factors (0 when
   * none can be drawn, or the user is locked).
   */
  readonly possibleChains: number;
  /** Chains drawn now, as attempts would draw them: factor ids in the order they must be passed (none when the user cannot start: too few factors, or locked). */
  readonly samples: readonly (readonly string[])[];
  /** Present when the preview is for one user: what StartAttempt would find for them. */
  readonly user?: UserChainPreview;
}

export interface UserChainPreview {
  readonly userId: string;
  /** The policy's factors the user can pass now (active, confirmed, still usable), in policy order: the pool a chain is drawn from. */
  readonly enrolled: readonly FactorView[];
  /** StartAttempt's refusal for want of factors, as data (enroll `needed` of `missing`); null when a chain can be drawn. */
  readonly notEnrolled: { readonly message: string; readonly missing: readonly FactorView[]; readonly needed: number } | null;
  /** Until when the user is locked out (StartAttempt refuses a locked user before anything else); null when not locked. */
  readonly lockedUntil: Instant | null;
}

export interface PreviewChainInput {
  readonly actor: Actor;
  readonly policyId: string;
  readonly version?: number;
  readonly samples: number;
  /**
   * Preview for this user's enrolled factors, as StartAttempt draws them (of the latest version only: not with
   * `version`); absent, every factor is taken as enrolled. A user the tenant does not know has none.
   */
  readonly userId?: string;
}

export class PreviewChain {
  constructor(
    private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock; readonly random: RandomSource; readonly kinds: Kinds },
  ) {}

  async execute(input: PreviewChainInput): Promise<Result<ChainPreview, AppError>> {
    if (!Number.isSafeInteger(input.samples) || input.samples < 1 || input.samples > MAX_PREVIEW_SAMPLES) {
      return err({ code: "invalid_input", message: `samples: an integer from 1 to ${MAX_PREVIEW_SAMPLES}` });
    }
    const { userId } = input;
    if (userId !== undefined && !USER_ID_PATTERN.test(userId)) return err({ code: "invalid_input", message: "userId: not a user id" });
    // A start always takes the latest version: a user's preview of another one would show what no start does.
    if (userId !== undefined && input.version !== undefined)
      return err({
        code: "invalid_input",
        message: "version: a preview for one user (userId) is of the latest version, the one attempts start with; leave version out",
      });
    const { tenantId } = input.actor;
    const found = await this.deps.uow.run(async (r) => {
      const policy =
        input.version === undefined
          ? await r.policies.findLatest(tenantId, input.policyId)
          : await r.policies.findVersion(tenantId, input.policyId, input.version);
      if (!policy || userId === undefined) return { policy, user: null };
      // A user the tenant does not know yet is previewed as a start would treat them: no factors, not locked.
      const lock = await r.lockouts.find(tenantId, userId);
      const enrolled = await enrolledFactorIds(r, this.deps.kinds, tenantId, userId, policy);
      return { policy, user: { enrolled, lockedUntil: isLocked(lock, this.deps.clock.now()) ? lock.lockedUntil : null } };
    });
    const { policy, user } = found;
    if (!policy) {
      return err(
        input.version === undefined
          ? policyNotFound(input.policyId)
          : { code: "policy_not_found", message: `policy "${input.policyId}" has no version ${input.version}` },
      );
    }
    const pool = user === null ? new Set(policy.factors.map((f) => f.id)) : user.enrolled;
    const samples: string[][] = [];
    let notEnrolled: UserChainPreview["notEnrolled"] = null;
    // A locked user gets no chain: StartAttempt refuses the lock before it looks at factors.
    const locked = user !== null && user.lockedUntil !== null;
    for (let i = 0; i < input.samples && notEnrolled === null && !locked; i++) {
      const drawn = drawChain(policy, pool, this.deps.random);
      if (!drawn.ok) {
        // Every factor enrolled always draws (a validated policy has requiredSteps ≤ its factors); a user may not.
        if (user === null) return err({ code: "invalid_input", message: drawn.error.message });
        notEnrolled = { message: drawn.error.message, missing: drawn.error.missing, needed: drawn.error.needed };
      } else samples.push(drawn.value.chain);
    }
    const drawnFrom = policy.factors.filter((f) => pool.has(f.id));
    return ok({
      policyId: policy.id,
      version: policy.version,
      mode: policy.mode,
      requiredSteps: policy.requiredSteps,
      factorCount: policy.factors.length,
      possibleChains: notEnrolled || locked ? 0 : possibleChainCount({ ...policy, factors: drawnFrom }),
      samples,
      ...(user === null || userId === undefined
        ? {}
        : { user: { userId, enrolled: drawnFrom.map(viewOf), notEnrolled, lockedUntil: user.lockedUntil } }),
    });
  }
}
