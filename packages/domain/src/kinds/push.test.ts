import { describe, expect, it } from "vitest";
import { Issues } from "../policy/read.js";
import { DEFAULT_PUSH_FATIGUE_LIMITS } from "../push/anti-fatigue.js";
import { push, PUSH_DEFAULTS } from "./push.js";

const read = (raw: Record<string, unknown>) => {
  const issues = new Issues();
  const options = push.readOptions({ raw, at: "factors[0].options", issues });
  return { options, issues: issues.list };
};

describe("push: a policy's options", () => {
  it("S16 defaults to the protocol's anti-fatigue limits, and suspends the factor on reported fraud", () => {
    expect(read({})).toEqual({ options: { ...DEFAULT_PUSH_FATIGUE_LIMITS, suspendOnFraud: true }, issues: [] });
    expect(PUSH_DEFAULTS).toEqual({ maxPending: 2, maxPerHour: 10, maxDenies: 3, suspendOnFraud: true });
  });

  it("S16 takes limits within their bounds, and suspendOnFraud as a boolean", () => {
    expect(read({ maxPending: 1, maxPerHour: 100, maxDenies: 20, suspendOnFraud: false }).options).toEqual({
      maxPending: 1,
      maxPerHour: 100,
      maxDenies: 20,
      suspendOnFraud: false,
    });
  });

  it.each([
    [{ maxPending: 0 }, "factors[0].options.maxPending"],
    [{ maxPending: 11 }, "factors[0].options.maxPending"],
    [{ maxPerHour: 101 }, "factors[0].options.maxPerHour"],
    [{ maxDenies: 0 }, "factors[0].options.maxDenies"],
    [{ maxDenies: 2.5 }, "factors[0].options.maxDenies"],
    [{ suspendOnFraud: "yes" }, "factors[0].options.suspendOnFraud"],
  ])("S16 refuses %j (a limit that no longer protects, or that blocks every push), naming %s", (raw, path) => {
    const { options, issues } = read(raw);
    expect(options).toBeUndefined();
    expect(issues.map((i) => i.path)).toContain(path);
  });

  it("reports an option of another kind (the policy is refused for it)", () => {
    expect(read({ codeDigits: 6 }).issues.map((i) => i.path)).toEqual(["factors[0].options.codeDigits"]);
  });

  it("provisions a credential with no params of its own: any push credential passes any push step", () => {
    expect(push.paramsOf(PUSH_DEFAULTS)).toEqual({ type: "push" });
    expect(push.sameParams({ type: "push" }, { type: "push" })).toBe(true);
  });

  it("S17 takes a challenge id as the step's code, and nothing else", () => {
    expect(push.isWellFormed("pch_Ab3dE5fG7hJ9kL1mN3pQ5rS7", PUSH_DEFAULTS)).toBe(true);
    for (const code of ["", "a b", "x".repeat(129), "pch/1", "é"]) expect(push.isWellFormed(code, PUSH_DEFAULTS)).toBe(false);
  });
});
