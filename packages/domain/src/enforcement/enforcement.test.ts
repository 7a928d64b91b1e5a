import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkEnforcementRules,
  DAY_MS,
  decide,
  findLocation,
  type DecisionFacts,
  type EnforcementRules,
  type LocationFinding,
} from "./enforcement.js";

const NOW = Date.UTC(2025, 0, 15, 12);
const rules: EnforcementRules = {
  version: 1,
  requirements: [
    { appliesTo: { kind: "groups", groups: ["admins"] }, policyId: "strong" },
    { appliesTo: { kind: "all" }, policyId: "standard" },
  ],
  stepUp: { policyId: "step-up", actions: ["wire_transfer"], onNewLocation: true },
  gracePeriodDays: 30,
  rememberDeviceDays: 30,
};
const facts = (o: Partial<DecisionFacts> = {}): DecisionFacts => ({
  rules,
  groups: [],
  serviceAccount: false,
  hasActiveFactor: true,
  graceEndsAt: null,
  now: NOW,
  deviceTrusted: false,
  location: { kind: "seen" },
  action: null,
  ...o,
});

describe("decide", () => {
  it("needs nothing without rules, for a service account, or outside every audience", () => {
    expect(decide(facts({ rules: null }))).toEqual({ require: "none", policyId: null, reasons: ["no_rules"], graceEndsAt: null });
    expect(decide(facts({ serviceAccount: true, action: "wire_transfer" })).reasons).toEqual(["service_account"]);
    const groupsOnly = { ...rules, requirements: [rules.requirements[0]!] };
    expect(decide(facts({ rules: groupsOnly, groups: ["staff"] })).reasons).toEqual(["not_in_scope"]);
  });

  it("takes the first requirement whose audience holds the user", () => {
    expect(decide(facts({ groups: ["admins"] })).policyId).toBe("strong");
    expect(decide(facts({ groups: ["staff"] })).policyId).toBe("standard");
  });

  it("lets a user without a factor in until the grace deadline, then asks them to enroll", () => {
    const graceEndsAt = NOW + DAY_MS;
    expect(decide(facts({ hasActiveFactor: false, graceEndsAt }))).toEqual({
      require: "none",
      policyId: "standard",
      reasons: ["grace_period"],
      graceEndsAt,
    });
    expect(decide(facts({ hasActiveFactor: false, graceEndsAt: NOW }))).toEqual({
      require: "enroll",
      policyId: "standard",
      reasons: ["grace_period_over"],
      graceEndsAt: NOW,
    });
  });

  it("asks a new device for the chain and lets a remembered one through", () => {
    expect(decide(facts())).toEqual({ require: "chain", policyId: "standard", reasons: ["new_device"], graceEndsAt: null });
    expect(decide(facts({ deviceTrusted: true }))).toEqual({
      require: "none",
      policyId: null,
      reasons: ["remembered_device"],
      graceEndsAt: null,
    });
  });

  it("steps up a new location and a sensitive action, even on a remembered device", () => {
    expect(decide(facts({ deviceTrusted: true, location: { kind: "new" } }))).toMatchObject({
      require: "chain",
      policyId: "step-up",
      reasons: ["new_location", "remembered_device"],
    });
    expect(decide(facts({ deviceTrusted: true, action: "wire_transfer" }))).toMatchObject({
      require: "chain",
      policyId: "step-up",
      reasons: ["sensitive_action", "remembered_device"],
    });
    expect(decide(facts({ deviceTrusted: true, action: "read_mail" })).require).toBe("none");
  });

  it("does not step up a new location when the rules do not ask for it", () => {
    const quiet = { ...rules, stepUp: { ...rules.stepUp!, onNewLocation: false } };
    expect(decide(facts({ rules: quiet, deviceTrusted: true, location: { kind: "new" } })).require).toBe("none");
  });

  it("never prompts or refuses because a location is unknown (the fallback)", () => {
    expect(decide(facts({ deviceTrusted: true, location: { kind: "unknown" } }))).toEqual({
      require: "none",
      policyId: null,
      reasons: ["remembered_device", "location_unknown"],
      graceEndsAt: null,
    });
  });

  const finding = fc.constantFrom<LocationFinding>({ kind: "unknown" }, { kind: "first" }, { kind: "seen" }, { kind: "new" });
  const anyFacts = fc.record({
    groups: fc.subarray(["admins", "staff", "ops"]),
    serviceAccount: fc.boolean(),
    hasActiveFactor: fc.boolean(),
    graceOffset: fc.integer({ min: -40, max: 40 }),
    deviceTrusted: fc.boolean(),
    location: finding,
    action: fc.constantFrom(null, "wire_transfer", "read_mail"),
  });

  it("property: an unknown location decides exactly as a seen one (never a lockout)", () => {
    fc.assert(
      fc.property(anyFacts, (a) => {
        const base = facts({ ...a, graceEndsAt: NOW + a.graceOffset * DAY_MS });
        const unknown = decide({ ...base, location: { kind: "unknown" } });
        const seen = decide({ ...base, location: { kind: "seen" } });
        expect({ ...unknown, reasons: unknown.reasons.filter((r) => r !== "location_unknown") }).toEqual(seen);
      }),
    );
  });

  it("property: a service account needs nothing; a sensitive action with a factor always takes the step-up policy", () => {
    fc.assert(
      fc.property(anyFacts, (a) => {
        const base = facts({ ...a, graceEndsAt: NOW + a.graceOffset * DAY_MS });
        expect(decide({ ...base, serviceAccount: true }).require).toBe("none");
        const sensitive = decide({ ...base, serviceAccount: false, hasActiveFactor: true, action: "wire_transfer" });
        expect(sensitive).toMatchObject({ require: "chain", policyId: "step-up" });
      }),
    );
  });
});

describe("findLocation", () => {
  const seen = new Map([
    ["country:GB", NOW - 89 * DAY_MS],
    ["country:FR", NOW - 91 * DAY_MS],
  ]);
  it("knows a location seen in the last 90 days; one seen longer ago or never is new; the first is not", () => {
    expect(findLocation({ kind: "known", key: "country:GB" }, seen, NOW)).toEqual({ kind: "seen" });
    expect(findLocation({ kind: "known", key: "country:FR" }, seen, NOW)).toEqual({ kind: "new" });
    expect(findLocation({ kind: "known", key: "country:US" }, seen, NOW)).toEqual({ kind: "new" });
    expect(findLocation({ kind: "known", key: "country:US" }, new Map(), NOW)).toEqual({ kind: "first" });
    expect(findLocation({ kind: "unknown" }, seen, NOW)).toEqual({ kind: "unknown" });
  });
});

describe("checkEnforcementRules", () => {
  it("accepts the defaults and names every bad field", () => {
    expect(checkEnforcementRules(rules).ok).toBe(true);
    const bad = checkEnforcementRules({
      requirements: [{ appliesTo: { kind: "groups", groups: [] }, policyId: "" }],
      stepUp: { policyId: "s", actions: ["bad action"], onNewLocation: true },
      gracePeriodDays: -1,
      rememberDeviceDays: 0,
    });
    expect(bad.ok ? [] : bad.error.map((i) => i.field)).toEqual([
      "requirements[0].policyId",
      "requirements[0].appliesTo.groups",
      "stepUp.actions[0]",
      "gracePeriodDays",
      "rememberDeviceDays",
    ]);
  });
});
