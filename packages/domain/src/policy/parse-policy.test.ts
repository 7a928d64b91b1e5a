import { aPolicy } from "../testing/index.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPolicyIssues, parsePolicyDefinition, parseStoredPolicyDefinition } from "./parse-policy.js";
import type { PolicyIssue } from "./policy.errors.js";
import type { PolicyDefinition } from "./policy.js";

const minimal = () => ({
  name: "Two tokens",
  mode: "fixed",
  requiredSteps: 1,
  factors: [{ id: "token_1", label: "Token 1", type: "totp" }],
});

function valid(input: unknown): PolicyDefinition {
  const r = parsePolicyDefinition(input);
  if (!r.ok) throw new Error(`expected a valid policy, got:\n${formatPolicyIssues(r.error.issues)}`);
  return r.value;
}

function issuesOf(input: unknown): readonly PolicyIssue[] {
  const r = parsePolicyDefinition(input);
  if (r.ok) throw new Error(`expected an invalid policy, got ${JSON.stringify(r.value)}`);
  expect(r.error.code).toBe("invalid_policy");
  return r.error.issues;
}

const paths = (issues: readonly PolicyIssue[]) => issues.map((i) => i.path);
const issueAt = (issues: readonly PolicyIssue[], path: string): PolicyIssue => {
  const found = issues.find((i) => i.path === path);
  if (!found) throw new Error(`no issue at ${path}; issues: ${JSON.stringify(issues)}`);
  return found;
};

describe("parsePolicyDefinition: defaults", () => {
  it("fills every default into a valid minimal policy", () => {
    expect(valid(minimal())).toEqual({
      name: "Two tokens",
      mode: "fixed",
      requiredSteps: 1,
      factors: [{ id: "token_1", label: "Token 1", type: "totp", options: { algorithm: "SHA1", digits: 6, period: 30 } }],
      verifyWindow: 1,
      attemptTtlSeconds: 600,
      lockout: { maxFailures: 5, baseSeconds: 300, maxSeconds: 3600 },
    });
  });

  it("fills HOTP defaults (SHA1, 6 digits) without a period", () => {
    const def = valid({ ...minimal(), factors: [{ id: "c1", label: "Counter", type: "hotp" }] });
    expect(def.factors[0]).toEqual({ id: "c1", label: "Counter", type: "hotp", options: { algorithm: "SHA1", digits: 6 } });
  });

  it("fills missing lockout fields individually", () => {
    expect(valid({ ...minimal(), lockout: { maxFailures: 3 } }).lockout).toEqual({ maxFailures: 3, baseSeconds: 300, maxSeconds: 3600 });
  });

  it("keeps explicit values (window 0, SHA512/8/60, random mode, custom TTL and lockout)", () => {
    const def = valid({
      name: "Strict",
      mode: "random",
      requiredSteps: 2,
      factors: [
        { id: "a", label: "A", type: "totp", options: { algorithm: "SHA512", digits: 8, period: 60 } },
        { id: "b", label: "B", type: "hotp", options: { algorithm: "SHA256", digits: 8 } },
      ],
      verifyWindow: 0,
      attemptTtlSeconds: 120,
      lockout: { maxFailures: 10, baseSeconds: 60, maxSeconds: 600 },
    });
    expect(def).toMatchObject({ mode: "random", requiredSteps: 2, verifyWindow: 0, attemptTtlSeconds: 120 });
    expect(def.factors.map((f) => f.options)).toEqual([
      { algorithm: "SHA512", digits: 8, period: 60 },
      { algorithm: "SHA256", digits: 8 },
    ]);
    expect(def.lockout).toEqual({ maxFailures: 10, baseSeconds: 60, maxSeconds: 600 });
  });
});

describe("parsePolicyDefinition: strictness", () => {
  it.each([
    ["top level", { ...minimal(), window: 100000 }, "window"],
    ["top level id (identity belongs to the store)", { ...minimal(), id: "p1" }, "id"],
    ["lockout", { ...minimal(), lockout: { foo: 1 } }, "lockout.foo"],
    ["factor", { ...minimal(), factors: [{ ...minimal().factors[0], secret: "JBSWY3DPEHPK3PXP" }] }, "factors[0].secret"],
    ["factor options", { ...minimal(), factors: [{ ...minimal().factors[0], options: { window: 5 } }] }, "factors[0].options.window"],
    [
      "HOTP options reject a TOTP period",
      { ...minimal(), factors: [{ id: "c", label: "C", type: "hotp", options: { period: 30 } }] },
      "factors[0].options.period",
    ],
  ])("rejects an unknown key at the %s, with its path", (_where, input, path) => {
    const issue = issueAt(issuesOf(input), path);
    expect(issue.message).toMatch(/^unknown field "[^"]+" \(allowed: /);
  });

  it.each([
    ["requiredSteps", { requiredSteps: "1" }, "requiredSteps", 'must be an integer, got the string "1"'],
    ["requiredSteps", { requiredSteps: true }, "requiredSteps", "must be an integer, got a boolean"],
    ["requiredSteps", { requiredSteps: 1.5 }, "requiredSteps", "must be an integer, got the number 1.5"],
    ["verifyWindow", { verifyWindow: true }, "verifyWindow", "must be one of 0, 1, got a boolean"],
    ["verifyWindow", { verifyWindow: "1" }, "verifyWindow", 'must be one of 0, 1, got the string "1"'],
    ["attemptTtlSeconds", { attemptTtlSeconds: "600" }, "attemptTtlSeconds", 'must be an integer, got the string "600"'],
    ["lockout.maxFailures", { lockout: { maxFailures: "5" } }, "lockout.maxFailures", 'must be an integer, got the string "5"'],
    ["mode", { mode: "FIXED" }, "mode", 'must be one of "fixed", "random", got the string "FIXED"'],
    ["name", { name: 42 }, "name", "must be a string, got the number 42"],
  ])("does not coerce %s (%j)", (_field, patch, path, message) => {
    expect(issueAt(issuesOf({ ...minimal(), ...patch }), path).message).toBe(message);
  });

  it('does not coerce factor options ("6" is not 6, "30" is not 30)', () => {
    const issues = issuesOf({
      ...minimal(),
      factors: [{ id: "t", label: "T", type: "totp", options: { digits: "6", period: "30", algorithm: "sha1" } }],
    });
    expect(paths(issues).sort()).toEqual(["factors[0].options.algorithm", "factors[0].options.digits", "factors[0].options.period"]);
    expect(issueAt(issues, "factors[0].options.digits").message).toBe('must be one of 6, 8, got the string "6"');
  });

  it("rejects a non-object policy, factor, options and lockout with what came instead", () => {
    expect(issuesOf(null)).toEqual([{ path: "", message: "a policy must be an object, got null" }]);
    expect(issuesOf([minimal()])[0]?.message).toBe("a policy must be an object, got an array");
    const issues = issuesOf({ ...minimal(), requiredSteps: 1, factors: ["token_1"], lockout: [] });
    expect(issueAt(issues, "factors[0]").message).toBe('must be an object, got the string "token_1"');
    expect(issueAt(issues, "lockout").message).toBe("must be an object, got an array");
    const opts = issuesOf({ ...minimal(), factors: [{ id: "t", label: "T", type: "totp", options: 6 }] });
    expect(issueAt(opts, "factors[0].options").message).toBe("must be an object, got the number 6");
  });

  it("reports missing required fields", () => {
    expect(paths(issuesOf({})).sort()).toEqual(["factors", "mode", "name", "requiredSteps"]);
    const f = issuesOf({ ...minimal(), factors: [{}] });
    expect(paths(f).sort()).toEqual(["factors[0].id", "factors[0].label", "factors[0].type"]);
    expect(f.every((i) => i.message === "is required")).toBe(true);
  });

  it("rejects an empty factor list and more than 16 factors", () => {
    expect(issueAt(issuesOf({ ...minimal(), factors: [] }), "factors").message).toBe("must list at least one factor");
    const many = aPolicy().withTotpFactors(17).withSteps(1).definition();
    expect(issueAt(issuesOf(many), "factors").message).toBe("must list at most 16 factors, got 17");
  });

  it("rejects blank names and labels, and ids that are not slugs", () => {
    const issues = issuesOf({ ...minimal(), name: "   ", factors: [{ id: "Token 1", label: " ", type: "totp" }] });
    expect(issueAt(issues, "name").message).toBe("must not be empty");
    expect(issueAt(issues, "factors[0].label").message).toBe("must not be empty");
    expect(issueAt(issues, "factors[0].id").message).toMatch(/^must be a slug .* got the string "Token 1"$/);
  });

  it("reports a hole in a sparse factor list instead of skipping it", () => {
    const factors: unknown[] = [{ id: "a", label: "A", type: "totp" }];
    factors.length = 2; // factors[1] is a hole, not even undefined
    expect(issueAt(issuesOf({ ...minimal(), factors }), "factors[1]").message).toMatch(/^must be an object/);
  });
});

describe("parsePolicyDefinition: factors", () => {
  it('names a duplicate id at the second occurrence: factors[1].id: duplicate id "token_2" …', () => {
    const def = aPolicy()
      .withFactors([{ id: "token_1" }, { id: "token_2", label: "Second" }, { id: "token_2", label: "Third" }])
      .definition();
    const issues = issuesOf(def);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("factors[2].id");
    expect(issues[0]?.message).toBe('duplicate id "token_2" (also factors[1].id)');
    expect(formatPolicyIssues(issues)).toBe('factors[2].id: duplicate id "token_2" (also factors[1].id)');

    const pair = issuesOf(
      aPolicy()
        .withFactors([
          { id: "token_2", label: "One" },
          { id: "token_2", label: "Two" },
        ])
        .definition(),
    );
    expect(formatPolicyIssues(pair)).toMatch(/^factors\[1\]\.id: duplicate id "token_2"/);
  });

  it("rejects duplicate labels, ignoring case and surrounding spaces, because authenticator apps list by label", () => {
    const issues = issuesOf(
      aPolicy()
        .withFactors([{ label: "Phone" }, { label: " phone " }])
        .definition(),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("factors[1].label");
    expect(issues[0]?.message).toMatch(/^duplicate label " phone " \(also factors\[0\]\.label\)/);
  });

  it("compares labels as people see them: composed and decomposed accents, compatibility forms, inner spacing", () => {
    const pairs: ReadonlyArray<readonly [string, string]> = [
      ["Caf\u00e9", "Cafe\u0301"], // é composed, and e + combining acute
      ["Ｐｈｏｎｅ", "phone"], // full-width letters
      ["My  phone", "my phone"],
    ];
    for (const [a, b] of pairs) {
      const issues = issuesOf(
        aPolicy()
          .withFactors([{ label: a }, { label: b }])
          .definition(),
      );
      expect(
        issues.map((i) => i.path),
        `${a} / ${b}`,
      ).toEqual(["factors[1].label"]);
      expect(issues[0]?.message).toMatch(/^duplicate label/);
    }
    // Stored composed, so it shows and compares the same everywhere.
    expect(
      valid(
        aPolicy()
          .withFactors([{ label: "Cafe\u0301" }])
          .definition(),
      ).factors[0]?.label,
    ).toBe("Caf\u00e9");
  });

  it.each([
    ["a zero-width space", "Goo\u200bgle", "U+200B at 3"],
    ["only a zero-width space", "\u200b", "U+200B at 0"],
    ["a right-to-left override", "abc\u202edef", "U+202E at 3"],
    ["a line separator", "a\u2028b", "U+2028 at 1"],
    ["a noncharacter", "a\uffffb", "U+FFFF at 1"],
    ["a control character", "a\u0007b", "U+0007 at 1"],
  ])("refuses a label with %s, naming the character", (_what, label, where) => {
    const issues = issuesOf(aPolicy().withFactors([{ label }]).definition());
    expect(issues).toEqual([
      { path: "factors[0].label", message: `must not contain invisible, control or direction characters (${where})` },
    ]);
  });

  it("refuses a policy name with unseen characters too", () => {
    expect(issuesOf({ ...minimal(), name: "Login\u200b" })).toEqual([
      { path: "name", message: "must not contain invisible, control or direction characters (U+200B at 5)" },
    ]);
  });

  it.each(["push", "webauthn"])("accepts %s, a listed type whose kind module exists, as implemented", (type) => {
    const parsed = parsePolicyDefinition({ ...minimal(), factors: [{ id: "x", label: "X", type }] });
    const issues = parsed.ok ? [] : parsed.error.issues;
    expect(issues.filter((i) => i.message.includes("not implemented"))).toEqual([]);
  });

  it("accepts a backup_code factor, which has no options, and refuses any", () => {
    const parsed = parsePolicyDefinition({ ...minimal(), factors: [{ id: "codes", label: "Backup codes", type: "backup_code" }] });
    expect(parsed.ok && parsed.value.factors).toEqual([{ id: "codes", label: "Backup codes", type: "backup_code", options: {} }]);
    const issues = issuesOf({ ...minimal(), factors: [{ id: "codes", label: "Codes", type: "backup_code", options: { digits: 6 } }] });
    expect(issues).toEqual([{ path: "factors[0].options.digits", message: 'unknown field "digits" (allowed: )' }]);
  });

  it.each(["TOTP", "otp", "", "hotp ", 1, null])("rejects the unknown type %j — never treated as totp", (type) => {
    const issue = issueAt(issuesOf({ ...minimal(), factors: [{ id: "x", label: "X", type }] }), "factors[0].type");
    expect(issue.message).toMatch(/^must be one of totp, hotp, email, sms, push, webauthn, backup_code, got /);
  });
});

describe("parsePolicyDefinition: steps and lockout bounds", () => {
  it("rejects requiredSteps 0 and requiredSteps above the number of factors", () => {
    expect(issueAt(issuesOf({ ...minimal(), requiredSteps: 0 }), "requiredSteps").message).toBe("must be between 1 and 16, got 0");
    expect(issueAt(issuesOf({ ...minimal(), requiredSteps: 2 }), "requiredSteps").message).toBe(
      "must be at most the number of factors (1), got 2",
    );
    expect(valid(aPolicy().withTotpFactors(3).withSteps(3).definition()).requiredSteps).toBe(3);
  });

  it("S7 caps lockout.maxFailures at 100: 100 is accepted, 101 rejected, 0 rejected", () => {
    expect(valid({ ...minimal(), lockout: { maxFailures: 100 } }).lockout.maxFailures).toBe(100);
    expect(issueAt(issuesOf({ ...minimal(), lockout: { maxFailures: 101 } }), "lockout.maxFailures").message).toBe(
      "must be between 1 and 100, got 101",
    );
    expect(paths(issuesOf({ ...minimal(), lockout: { maxFailures: 0 } }))).toEqual(["lockout.maxFailures"]);
  });

  it("requires lockout.maxSeconds ≥ lockout.baseSeconds", () => {
    expect(issueAt(issuesOf({ ...minimal(), lockout: { baseSeconds: 600, maxSeconds: 300 } }), "lockout.maxSeconds").message).toBe(
      "must be at least lockout.baseSeconds (600), got 300",
    );
  });

  it("bounds attemptTtlSeconds to 30…3600", () => {
    expect(paths(issuesOf({ ...minimal(), attemptTtlSeconds: 29 }))).toEqual(["attemptTtlSeconds"]);
    expect(paths(issuesOf({ ...minimal(), attemptTtlSeconds: 3601 }))).toEqual(["attemptTtlSeconds"]);
    expect(valid({ ...minimal(), attemptTtlSeconds: 30 }).attemptTtlSeconds).toBe(30);
  });

  it("S4 accepts only a window of 0 or 1", () => {
    expect(issueAt(issuesOf({ ...minimal(), verifyWindow: 2 }), "verifyWindow").message).toBe("must be one of 0, 1, got the number 2");
  });
});

describe("parsePolicyDefinition: reporting", () => {
  it("reports every problem at once, each with its path", () => {
    const issues = issuesOf({
      name: "",
      mode: "shuffle",
      requiredSteps: "2",
      verifyWindow: 5,
      factors: [
        { id: "a", label: "A", type: "carrier_pigeon" },
        { id: "b", label: "B", type: "totp", options: { digits: 7 } },
        { id: "b", label: "b", type: "totp" },
      ],
      lockout: { maxFailures: 101, extra: true },
      debug: true,
    });
    expect(paths(issues).sort()).toEqual(
      [
        "debug",
        "name",
        "mode",
        "factors[0].type",
        "factors[1].options.digits",
        "factors[2].id",
        "factors[2].label",
        "requiredSteps",
        "verifyWindow",
        "lockout.extra",
        "lockout.maxFailures",
      ].sort(),
    );
  });

  it("formats issues one per line as `path: message`, a root issue without a path", () => {
    expect(
      formatPolicyIssues([
        { path: "factors[1].id", message: 'duplicate id "token_2"' },
        { path: "", message: "a policy must be an object, got null" },
        { path: "lockout.maxFailures", message: "must be between 1 and 100, got 101" },
      ]),
    ).toBe(
      'factors[1].id: duplicate id "token_2"\na policy must be an object, got null\nlockout.maxFailures: must be between 1 and 100, got 101',
    );
    expect(formatPolicyIssues([])).toBe("");
  });

  it("returns a deeply frozen policy: mutation throws (strict mode)", () => {
    const def = valid(aPolicy().withTotpFactors(2).definition());
    expect(Object.isFrozen(def)).toBe(true);
    expect(() => {
      (def as { name: string }).name = "changed";
    }).toThrow(TypeError);
    expect(() => {
      (def.lockout as { maxFailures: number }).maxFailures = 100;
    }).toThrow(TypeError);
    expect(() => {
      (def.factors as unknown[]).push({});
    }).toThrow(TypeError);
    expect(() => {
      (def.factors[0]?.options as { digits: number }).digits = 8;
    }).toThrow(TypeError);
    expect(def.lockout.maxFailures).toBe(5);
  });

  it("does not share or freeze the caller's input", () => {
    const input = minimal();
    const def = valid(input);
    expect(Object.isFrozen(input)).toBe(false);
    input.factors[0]!.label = "changed";
    expect(def.factors[0]?.label).toBe("Token 1");
  });

  it("the policy builder builds through validation and refuses what validation refuses", () => {
    const policy = aPolicy().random().withSteps(2).withTotpFactors(3).withId("p-1").withVersion(4).build();
    expect(policy).toMatchObject({ id: "p-1", version: 4, mode: "random", requiredSteps: 2 });
    expect(policy.factors.map((f) => f.id)).toEqual(["token_1", "token_2", "token_3"]);
    expect(Object.isFrozen(policy)).toBe(true);
    expect(() => aPolicy().withTotpFactors(2).withSteps(3).build()).toThrow(/requiredSteps: must be at most the number of factors/);
  });
});

describe("parsePolicyDefinition: properties", () => {
  it("garbage input never throws: it is either a valid policy or a typed invalid_policy error with issues", () => {
    const garbage = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withSparseArray: true,
      withTypedArray: true,
      withObjectString: true,
    });
    fc.assert(
      fc.property(garbage, (input) => {
        const r = parsePolicyDefinition(input);
        if (r.ok) return;
        expect(r.error.code).toBe("invalid_policy");
        expect(r.error.issues.length).toBeGreaterThan(0);
        for (const issue of r.error.issues) {
          expect(typeof issue.path).toBe("string");
          expect(issue.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("garbage near a valid policy (any field replaced by anything) never throws and names the field it rejects", () => {
    const keys = ["name", "mode", "requiredSteps", "factors", "verifyWindow", "attemptTtlSeconds", "lockout"] as const;
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.anything(), (key, value) => {
        const input: Record<string, unknown> = { ...minimal(), [key]: value };
        const r = parsePolicyDefinition(input);
        if (!r.ok) {
          expect(r.error.issues.length).toBeGreaterThan(0);
          expect(r.error.issues.every((i) => i.path.startsWith(key))).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("parseStoredPolicyDefinition: stored versions stay readable when text rules get stricter", () => {
  const stored = {
    ...minimal(),
    name: "Login\u200b",
    factors: [
      { id: "a", label: "Phone\u200b", type: "totp" },
      { id: "b", label: "phone", type: "totp" },
    ],
  };

  it("refuses, for a new write, a zero-width character in a label and look-alike labels", () => {
    expect(parsePolicyDefinition(stored).ok).toBe(false);
  });

  it("reads the same definition as stored, text unchanged", () => {
    const parsed = parseStoredPolicyDefinition(stored);
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && parsed.value.factors.map((f) => f.label)).toEqual(["Phone\u200b", "phone"]);
  });

  it("still refuses what no version ever accepted: an unknown kind, bad options, a broken structure", () => {
    expect(parseStoredPolicyDefinition({ ...minimal(), factors: [{ id: "a", label: "A", type: "carrier_pigeon" }] }).ok).toBe(false);
    expect(parseStoredPolicyDefinition({ ...minimal(), factors: [{ id: "a", label: "A", type: "totp", options: { digits: 7 } }] }).ok).toBe(
      false,
    );
    expect(parseStoredPolicyDefinition({ ...minimal(), requiredSteps: 9 }).ok).toBe(false);
  });
});
