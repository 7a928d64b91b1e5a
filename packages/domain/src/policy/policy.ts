// The policy model: how many factors a chain needs, in which order, and the lockout that guards it.
import type { PolicyFactor } from "./factor-type.js";

export type ChainMode = "fixed" | "random";
export type VerifyWindow = 0 | 1;

export interface LockoutSettings {
  /** Consecutive failures that lock the user (1–100). */
  readonly maxFailures: number;
  /** First lock duration; doubles with each further lock. */
  readonly baseSeconds: number;
  /** Upper bound for a lock duration. */
  readonly maxSeconds: number;
}

/** A validated, immutable policy definition (what a tenant writes). */
export interface PolicyDefinition {
  readonly name: string;
  readonly mode: ChainMode;
  readonly requiredSteps: number;
  readonly factors: readonly PolicyFactor[];
  readonly verifyWindow: VerifyWindow;
  readonly attemptTtlSeconds: number;
  readonly lockout: LockoutSettings;
}

/** A stored policy: a definition with its identity and version. A change makes a new version. */
export interface Policy extends PolicyDefinition {
  readonly id: string;
  readonly version: number;
}

export const POLICY_DEFAULTS = {
  verifyWindow: 1 as VerifyWindow,
  attemptTtlSeconds: 600,
  lockout: { maxFailures: 5, baseSeconds: 300, maxSeconds: 3600 },
  totp: { algorithm: "SHA1", digits: 6, period: 30 },
  hotp: { algorithm: "SHA1", digits: 6 },
} as const;

export const POLICY_LIMITS = {
  nameMaxLength: 200,
  labelMaxLength: 100,
  maxFactors: 16,
  attemptTtlSeconds: { min: 30, max: 3600 },
  maxFailures: { min: 1, max: 100 },
  lockSeconds: { min: 1, max: 7 * 24 * 3600 },
} as const;

export const FACTOR_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function findFactor(policy: PolicyDefinition, factorId: string): PolicyFactor | undefined {
  return policy.factors.find((f) => f.id === factorId);
}
