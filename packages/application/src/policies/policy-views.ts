import type { StoredPolicy } from "../ports/repositories.port.js";
import type { AppError } from "../shared/application.errors.js";

export const policyNotFound = (policyId: string): AppError => ({
  code: "policy_not_found",
  message: `no policy "${policyId}"`,
});

/** The public shape of a stored policy. */
export const viewPolicy = (p: StoredPolicy) => ({
  id: p.id,
  version: p.version,
  name: p.name,
  mode: p.mode,
  requiredSteps: p.requiredSteps,
  factors: p.factors,
  verifyWindow: p.verifyWindow,
  attemptTtlSeconds: p.attemptTtlSeconds,
  lockout: p.lockout,
  createdAt: p.createdAt,
});
export type PolicyView = ReturnType<typeof viewPolicy>;
