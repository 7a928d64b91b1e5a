// aPolicy(): a fluent builder for validated policies. `build()` goes through parsePolicyDefinition and throws on
// anything invalid, so a test can never run against a policy the product would refuse.
import {
  formatPolicyIssues,
  parsePolicyDefinition,
  type ChainMode,
  type LockoutSettings,
  type OtpAlgorithm,
  type OtpDigits,
  type Policy,
  type TotpPeriod,
} from "../index.js";

/** A factor as a tenant would write it; omitted fields get the builder's or the policy's defaults. */
export interface FactorInput {
  id?: string;
  label?: string;
  type?: "totp" | "hotp";
  options?: { algorithm?: OtpAlgorithm; digits?: OtpDigits; period?: TotpPeriod };
}

/** The raw (unvalidated) definition: a plain, mutable, JSON-like object. */
export interface PolicyDefinitionInput {
  name: string;
  mode: ChainMode;
  requiredSteps: number;
  factors: Record<string, unknown>[];
  verifyWindow?: number;
  attemptTtlSeconds?: number;
  lockout?: Partial<LockoutSettings>;
}

const DEFAULT_FACTOR_COUNT = 2;

export class PolicyBuilder {
  private id = "test-policy";
  private version = 1;
  private name = "Test policy";
  private mode: ChainMode = "fixed";
  private steps: number | undefined;
  /** Null until a factor is set: then the default two TOTP factors are used. */
  private factors: FactorInput[] | null = null;
  private verifyWindow: number | undefined;
  private attemptTtlSeconds: number | undefined;
  private lockout: Partial<LockoutSettings> | undefined;

  fixed(): this {
    this.mode = "fixed";
    return this;
  }

  random(): this {
    this.mode = "random";
    return this;
  }

  withMode(mode: ChainMode): this {
    this.mode = mode;
    return this;
  }

  /** requiredSteps; by default every factor is required. */
  withSteps(steps: number): this {
    this.steps = steps;
    return this;
  }

  /** Replaces the factors with `count` TOTP factors `token_1`…`token_<count>`, labelled `Token 1`…. */
  withTotpFactors(count: number, options: FactorInput["options"] = {}): this {
    this.factors = Array.from({ length: count }, (_, i) => ({ type: "totp" as const, options: { ...options }, ...numbered(i + 1) }));
    return this;
  }

  /** Replaces the factors with `count` HOTP factors `counter_1`…. */
  withHotpFactors(count: number, options: Omit<NonNullable<FactorInput["options"]>, "period"> = {}): this {
    this.factors = Array.from({ length: count }, (_, i) => ({
      type: "hotp" as const,
      options: { ...options },
      id: `counter_${i + 1}`,
      label: `Counter ${i + 1}`,
    }));
    return this;
  }

  /** Appends one factor (to an empty list if no factor was set yet); id and label default to the next `token_<n>`. */
  withFactor(factor: FactorInput = {}): this {
    const list = this.factors ?? [];
    list.push({ type: "totp", ...numbered(list.length + 1), ...factor });
    this.factors = list;
    return this;
  }

  withFactors(factors: readonly FactorInput[]): this {
    this.factors = [];
    for (const f of factors) this.withFactor(f);
    return this;
  }

  withLockout(lockout: Partial<LockoutSettings>): this {
    this.lockout = { ...this.lockout, ...lockout };
    return this;
  }

  withVerifyWindow(window: 0 | 1): this {
    this.verifyWindow = window;
    return this;
  }

  withAttemptTtlSeconds(ttl: number): this {
    this.attemptTtlSeconds = ttl;
    return this;
  }

  withName(name: string): this {
    this.name = name;
    return this;
  }

  withId(id: string): this {
    this.id = id;
    return this;
  }

  withVersion(version: number): this {
    this.version = version;
    return this;
  }

  /** The raw definition this builder would validate: a fresh copy each call, free to corrupt in validation tests. */
  definition(): PolicyDefinitionInput {
    const factors = (this.factors ?? defaultFactors()).map(toRawFactor);
    const def: PolicyDefinitionInput = {
      name: this.name,
      mode: this.mode,
      requiredSteps: this.steps ?? factors.length,
      factors,
    };
    if (this.verifyWindow !== undefined) def.verifyWindow = this.verifyWindow;
    if (this.attemptTtlSeconds !== undefined) def.attemptTtlSeconds = this.attemptTtlSeconds;
    if (this.lockout !== undefined) def.lockout = { ...this.lockout };
    return def;
  }

  /** A validated, deeply frozen Policy; throws with every issue listed if the definition is invalid. */
  build(): Policy {
    const parsed = parsePolicyDefinition(this.definition());
    if (!parsed.ok) throw new Error(`aPolicy(): invalid policy\n${formatPolicyIssues(parsed.error.issues)}`);
    return Object.freeze({ ...parsed.value, id: this.id, version: this.version });
  }
}

const numbered = (n: number): { id: string; label: string } => ({ id: `token_${n}`, label: `Token ${n}` });

const defaultFactors = (): FactorInput[] =>
  Array.from({ length: DEFAULT_FACTOR_COUNT }, (_, i) => ({ type: "totp" as const, ...numbered(i + 1) }));

function toRawFactor(f: FactorInput): Record<string, unknown> {
  const raw: Record<string, unknown> = { id: f.id, label: f.label, type: f.type };
  if (f.options !== undefined) {
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(f.options)) if (value !== undefined) options[key] = value;
    raw.options = options;
  }
  return raw;
}

/** A fixed-mode policy with two TOTP factors, both required, and default window, TTL and lockout. */
export const aPolicy = (): PolicyBuilder => new PolicyBuilder();
