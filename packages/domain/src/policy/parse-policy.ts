// Strict validation of a policy definition: unknown keys are errors, nothing is coerced, every problem is reported.
import { deepFreeze } from "../shared/deep-freeze.js";
import { err, ok, type Result } from "../shared/result.js";
import { IMPLEMENTED_FACTOR_TYPES, isImplementedFactorType, KINDS, type DomainKind, type ImplementedFactorType } from "../kinds/index.js";
import { FACTOR_TYPES, type PolicyFactor } from "./factor-type.js";
import { FACTOR_ID_PATTERN, POLICY_DEFAULTS, POLICY_LIMITS, type PolicyDefinition } from "./policy.js";
import type { InvalidPolicyError, PolicyIssue } from "./policy.errors.js";
import { checkKeys, describe, isObject, Issues, join, labelKey, readChoice, readInteger, readString, readText } from "./read.js";

function readFactor(raw: unknown, path: string, issues: Issues): PolicyFactor | undefined {
  if (!isObject(raw)) return (issues.add(path, `must be an object, got ${describe(raw)}`), undefined);
  checkKeys(raw, path, ["id", "label", "type", "options"], issues);
  const id = readString(raw, "id", path, issues, 64);
  if (id !== undefined && !FACTOR_ID_PATTERN.test(id)) {
    issues.add(
      join(path, "id"),
      `must be a slug of lowercase letters, digits, "_" or "-" (1–64, starting with a letter or digit), got ${describe(id)}`,
    );
  }
  const label = readText(raw, "label", path, issues, POLICY_LIMITS.labelMaxLength);
  const typeAt = join(path, "type");
  const type = raw.type;
  if (type === undefined) {
    issues.add(typeAt, "is required");
    return undefined;
  }
  if (!(FACTOR_TYPES as readonly unknown[]).includes(type)) {
    issues.add(typeAt, `must be one of ${FACTOR_TYPES.join(", ")}, got ${describe(type)}`);
    return undefined;
  }
  if (!isImplementedFactorType(type)) {
    issues.add(typeAt, `factor type "${String(type)}" is not implemented yet (implemented: ${IMPLEMENTED_FACTOR_TYPES.join(", ")})`);
    return undefined;
  }
  const optionsAt = join(path, "options");
  const rawOptions = raw.options === undefined ? {} : raw.options;
  if (!isObject(rawOptions)) {
    issues.add(optionsAt, `must be an object, got ${describe(rawOptions)}`);
    return undefined;
  }
  const kind = KINDS[type] as DomainKind<ImplementedFactorType, object, { readonly type: ImplementedFactorType }>;
  const options = kind.readOptions({ raw: rawOptions, at: optionsAt, issues });
  if (id === undefined || label === undefined || options === undefined) return undefined;
  return { id, label, type, options } as PolicyFactor;
}

const POLICY_KEYS = ["name", "mode", "requiredSteps", "factors", "verifyWindow", "attemptTtlSeconds", "lockout"] as const;

/**
 * Validates an untrusted policy definition. On success the value is deeply frozen; on failure every problem found is
 * listed with its path.
 */
export function parsePolicyDefinition(input: unknown): Result<PolicyDefinition, InvalidPolicyError> {
  return parseDefinition(input, new Issues());
}

/**
 * Reads a policy version as it was stored: the structure, kinds and options are checked, but text rules that may have
 * become stricter since it was written (see `Issues`) are not, so a version accepted once never becomes unreadable.
 */
export function parseStoredPolicyDefinition(input: unknown): Result<PolicyDefinition, InvalidPolicyError> {
  return parseDefinition(input, new Issues(true));
}

function parseDefinition(input: unknown, issues: Issues): Result<PolicyDefinition, InvalidPolicyError> {
  if (!isObject(input)) {
    issues.add("", `a policy must be an object, got ${describe(input)}`);
    return err({ code: "invalid_policy", issues: issues.list });
  }
  checkKeys(input, "", POLICY_KEYS, issues);
  const name = readText(input, "name", "", issues, POLICY_LIMITS.nameMaxLength);
  const mode = readChoice(input, "mode", "", issues, ["fixed", "random"] as const);

  const factors: PolicyFactor[] = [];
  let factorsValid = false;
  const rawFactors = input.factors;
  if (rawFactors === undefined) issues.add("factors", "is required");
  else if (!Array.isArray(rawFactors)) issues.add("factors", `must be an array, got ${describe(rawFactors)}`);
  else if (rawFactors.length === 0) issues.add("factors", "must list at least one factor");
  else if (rawFactors.length > POLICY_LIMITS.maxFactors) {
    issues.add("factors", `must list at most ${POLICY_LIMITS.maxFactors} factors, got ${rawFactors.length}`);
  } else {
    factorsValid = true;
    const seenIds = new Map<string, number>();
    const seenLabels = new Map<string, number>();
    // Array.from turns holes of a sparse array into undefined, so they are reported rather than skipped.
    Array.from(rawFactors as unknown[]).forEach((raw, i) => {
      const path = `factors[${i}]`;
      const factor = readFactor(raw, path, issues);
      if (!factor) factorsValid = false;
      // Duplicates are checked on the raw strings too, so they are reported beside a factor's other problems.
      const id = factor?.id ?? (isObject(raw) && typeof raw.id === "string" ? raw.id : undefined);
      const label = factor?.label ?? (isObject(raw) && typeof raw.label === "string" && raw.label.trim() ? raw.label : undefined);
      const firstId = id === undefined ? undefined : seenIds.get(id);
      if (firstId !== undefined) {
        issues.add(`${path}.id`, `duplicate id "${id}" (also factors[${firstId}].id)`);
        factorsValid = false;
      } else if (id !== undefined) seenIds.set(id, i);
      // Authenticator apps list entries by label: two factors with one label are indistinguishable to the user.
      const key = label === undefined ? undefined : labelKey(label);
      const firstLabel = key === undefined ? undefined : seenLabels.get(key);
      if (firstLabel !== undefined && !issues.lenient) {
        issues.add(`${path}.label`, `duplicate label "${label}" (also factors[${firstLabel}].label); labels must tell factors apart`);
        factorsValid = false;
      } else if (key !== undefined) seenLabels.set(key, i);
      if (factor) factors.push(factor);
    });
  }

  const requiredSteps = readInteger(input, "requiredSteps", "", issues, { min: 1, max: POLICY_LIMITS.maxFactors });
  if (requiredSteps !== undefined && factorsValid && requiredSteps > factors.length) {
    issues.add("requiredSteps", `must be at most the number of factors (${factors.length}), got ${requiredSteps}`);
  }
  const verifyWindow = readChoice(input, "verifyWindow", "", issues, [0, 1] as const, POLICY_DEFAULTS.verifyWindow);
  const attemptTtlSeconds = readInteger(
    input,
    "attemptTtlSeconds",
    "",
    issues,
    POLICY_LIMITS.attemptTtlSeconds,
    POLICY_DEFAULTS.attemptTtlSeconds,
  );

  let lockout: PolicyDefinition["lockout"] | undefined = POLICY_DEFAULTS.lockout;
  const rawLockout = input.lockout;
  if (rawLockout !== undefined) {
    if (!isObject(rawLockout)) {
      issues.add("lockout", `must be an object, got ${describe(rawLockout)}`);
      lockout = undefined;
    } else {
      checkKeys(rawLockout, "lockout", ["maxFailures", "baseSeconds", "maxSeconds"], issues);
      const d = POLICY_DEFAULTS.lockout;
      const maxFailures = readInteger(rawLockout, "maxFailures", "lockout", issues, POLICY_LIMITS.maxFailures, d.maxFailures);
      const baseSeconds = readInteger(rawLockout, "baseSeconds", "lockout", issues, POLICY_LIMITS.lockSeconds, d.baseSeconds);
      const maxSeconds = readInteger(rawLockout, "maxSeconds", "lockout", issues, POLICY_LIMITS.lockSeconds, d.maxSeconds);
      if (baseSeconds !== undefined && maxSeconds !== undefined && maxSeconds < baseSeconds) {
        issues.add("lockout.maxSeconds", `must be at least lockout.baseSeconds (${baseSeconds}), got ${maxSeconds}`);
      }
      lockout =
        maxFailures !== undefined && baseSeconds !== undefined && maxSeconds !== undefined
          ? { maxFailures, baseSeconds, maxSeconds }
          : undefined;
    }
  }

  if (
    issues.list.length > 0 ||
    name === undefined ||
    mode === undefined ||
    requiredSteps === undefined ||
    verifyWindow === undefined ||
    attemptTtlSeconds === undefined ||
    lockout === undefined
  ) {
    return err({ code: "invalid_policy", issues: issues.list });
  }
  return ok(deepFreeze({ name, mode, requiredSteps, factors, verifyWindow, attemptTtlSeconds, lockout: { ...lockout } }));
}

/** Formats issues as one line each: `factors[1].id: duplicate id "token_2"`. */
export const formatPolicyIssues = (issues: readonly PolicyIssue[]): string =>
  issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("\n");
