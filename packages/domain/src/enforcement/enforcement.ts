// Enforcement (SPEC §4): who must pass which chain when. Rules per tenant, versioned like policies; the decision a relying
// party asks for at sign-in, from facts the application gathers (groups, factors, grace deadline, device, location).
import type { Instant } from "../shared/time.js";
import { err, ok, type Result } from "../shared/result.js";

export const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_GRACE_PERIOD_DAYS = 30;
export const DEFAULT_REMEMBER_DEVICE_DAYS = 30;
/** A location not seen for this long counts as new again. */
export const LOCATION_MEMORY_DAYS = 90;
export const MAX_ENFORCEMENT_DAYS = 365;

/** Who a requirement applies to: every user of the tenant, or members of any of the named groups. */
export type EnforcementAudience = { readonly kind: "all" } | { readonly kind: "groups"; readonly groups: readonly string[] };

/** One requirement: its audience must pass `policyId`. The first requirement whose audience holds the user applies. */
export interface EnforcementRequirement {
  readonly appliesTo: EnforcementAudience;
  readonly policyId: string;
}

/** Risk-based prompting: a new location or a sensitive action calls for the step-up policy. */
export interface StepUpRule {
  readonly policyId: string;
  /** Action names (as the relying party sends them in `context.action`) that always take the step-up policy. */
  readonly actions: readonly string[];
  /** A country or network not seen for the user in 90 days takes the step-up policy too. */
  readonly onNewLocation: boolean;
}

export interface EnforcementRulesInput {
  readonly requirements: readonly EnforcementRequirement[];
  readonly stepUp: StepUpRule | null;
  readonly gracePeriodDays: number;
  readonly rememberDeviceDays: number;
}

export interface EnforcementRules extends EnforcementRulesInput {
  readonly version: number;
}

export interface EnforcementIssue {
  readonly field: string;
  readonly message: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Checks rules a tenant's admin sets; the policies they name are checked by the application (they must exist). */
export function checkEnforcementRules(input: EnforcementRulesInput): Result<EnforcementRulesInput, EnforcementIssue[]> {
  const issues: EnforcementIssue[] = [];
  const name = (field: string, value: string) => {
    if (!NAME.test(value)) issues.push({ field, message: `"${value}" is not a name (1-64 of A-Z a-z 0-9 . _ : -)` });
  };
  if (input.requirements.length > 50) issues.push({ field: "requirements", message: "at most 50 requirements" });
  input.requirements.forEach((r, i) => {
    name(`requirements[${i}].policyId`, r.policyId);
    if (r.appliesTo.kind === "groups") {
      if (r.appliesTo.groups.length === 0)
        issues.push({ field: `requirements[${i}].appliesTo.groups`, message: "name at least one group" });
      r.appliesTo.groups.forEach((g, j) => name(`requirements[${i}].appliesTo.groups[${j}]`, g));
    }
  });
  if (input.stepUp) {
    name("stepUp.policyId", input.stepUp.policyId);
    input.stepUp.actions.forEach((a, j) => name(`stepUp.actions[${j}]`, a));
  }
  const days = (field: string, value: number, min: number) => {
    if (!Number.isInteger(value) || value < min || value > MAX_ENFORCEMENT_DAYS) {
      issues.push({ field, message: `must be a whole number of days from ${min} to ${MAX_ENFORCEMENT_DAYS}, got ${value}` });
    }
  };
  days("gracePeriodDays", input.gracePeriodDays, 0);
  days("rememberDeviceDays", input.rememberDeviceDays, 1);
  return issues.length > 0 ? err(issues) : ok(input);
}

/** The policies rules name (each must exist when the rules are set). */
export const policiesNamedBy = (rules: EnforcementRulesInput): string[] => [
  ...new Set([...rules.requirements.map((r) => r.policyId), ...(rules.stepUp ? [rules.stepUp.policyId] : [])]),
];

/**
 * Where an address is. `unknown`: a private, loopback or reserved address, one the database does not hold, or no
 * database configured. A known location is keyed by its country, else by its network.
 */
export type LocationLookup = { readonly kind: "unknown" } | { readonly kind: "known"; readonly key: string };

/** What the application knows about the location of this sign-in. */
export type LocationFinding =
  /** Unknown or private address: it can neither prompt nor refuse (the documented fallback). */
  | { readonly kind: "unknown" }
  /** The user has no location recorded yet: this one becomes the first, and is not "new". */
  | { readonly kind: "first" }
  | { readonly kind: "seen" }
  | { readonly kind: "new" };

export interface DecisionFacts {
  /** The tenant's latest rules; null when it has none (nobody is required to use MFA). */
  readonly rules: EnforcementRules | null;
  readonly groups: readonly string[];
  readonly serviceAccount: boolean;
  readonly hasActiveFactor: boolean;
  /** The user's grace deadline: fixed at first sight, only for a user in scope without an active factor. */
  readonly graceEndsAt: Instant | null;
  readonly now: Instant;
  readonly deviceTrusted: boolean;
  readonly location: LocationFinding;
  readonly action: string | null;
}

export type DecisionReason =
  | "no_rules"
  | "service_account"
  | "not_in_scope"
  | "grace_period"
  | "grace_period_over"
  | "new_device"
  | "remembered_device"
  | "new_location"
  | "location_unknown"
  | "sensitive_action";

export interface Decision {
  readonly require: "none" | "enroll" | "chain";
  readonly policyId: string | null;
  readonly reasons: readonly DecisionReason[];
  readonly graceEndsAt: Instant | null;
}

/** The requirement that applies to a user with these groups, if any: the first whose audience holds them. */
export function requirementFor(rules: EnforcementRules, groups: readonly string[]): EnforcementRequirement | null {
  return rules.requirements.find((r) => r.appliesTo.kind === "all" || r.appliesTo.groups.some((g) => groups.includes(g))) ?? null;
}

/** Whether the user is held to MFA at all (the application fixes a grace deadline only for such users). */
export const inScope = (rules: EnforcementRules | null, groups: readonly string[], serviceAccount: boolean): boolean =>
  rules !== null && !serviceAccount && requirementFor(rules, groups) !== null;

/**
 * The decision. Order: no rules, a service account and a user outside every audience need nothing; a user without an
 * active factor must enroll once the grace period is over (inside it, nothing yet); otherwise a sensitive action or a
 * new location takes the step-up policy, a device without a valid remembered-device token takes the requirement's
 * policy, and a remembered device on a known or unknown location needs nothing. An unknown location is never a
 * reason to prompt or to refuse: the decision then rests on the device alone.
 */
export function decide(f: DecisionFacts): Decision {
  const none = (reasons: DecisionReason[], graceEndsAt: Instant | null = null): Decision => ({
    require: "none",
    policyId: null,
    reasons,
    graceEndsAt,
  });
  if (!f.rules) return none(["no_rules"]);
  if (f.serviceAccount) return none(["service_account"]);
  const requirement = requirementFor(f.rules, f.groups);
  if (!requirement) return none(["not_in_scope"]);
  if (!f.hasActiveFactor) {
    const graceEndsAt = f.graceEndsAt ?? f.now;
    if (f.now < graceEndsAt) return { require: "none", policyId: requirement.policyId, reasons: ["grace_period"], graceEndsAt };
    return { require: "enroll", policyId: requirement.policyId, reasons: ["grace_period_over"], graceEndsAt };
  }
  const reasons: DecisionReason[] = [];
  const stepUp = f.rules.stepUp;
  if (f.action !== null && stepUp?.actions.includes(f.action)) reasons.push("sensitive_action");
  if (f.location.kind === "new" && stepUp?.onNewLocation) reasons.push("new_location");
  const steppedUp = reasons.length > 0;
  reasons.push(f.deviceTrusted ? "remembered_device" : "new_device");
  if (f.location.kind === "unknown") reasons.push("location_unknown");
  if (steppedUp && stepUp) return { require: "chain", policyId: stepUp.policyId, reasons, graceEndsAt: null };
  if (!f.deviceTrusted) return { require: "chain", policyId: requirement.policyId, reasons, graceEndsAt: null };
  return { require: "none", policyId: null, reasons, graceEndsAt: null };
}

/** Whether a location last seen at `lastSeenAt` still counts as seen at `now`. */
export const stillRemembered = (lastSeenAt: Instant, now: Instant): boolean => now - lastSeenAt < LOCATION_MEMORY_DAYS * DAY_MS;

/** What the application found about a location, from the lookup and the user's remembered locations. */
export function findLocation(lookup: LocationLookup, seen: ReadonlyMap<string, Instant>, now: Instant): LocationFinding {
  if (lookup.kind === "unknown") return { kind: "unknown" };
  if (seen.size === 0) return { kind: "first" };
  const last = seen.get(lookup.key);
  return last !== undefined && stillRemembered(last, now) ? { kind: "seen" } : { kind: "new" };
}
