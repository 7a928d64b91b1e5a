import { adminKey, aPolicy, errorOf, TestApp, unwrap } from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const admin = adminKey();

describe("ListPolicyVersions, PreviewChain", () => {
  let app: TestApp;
  beforeEach(async () => {
    app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login").withTotpFactors(3).withSteps(2));
  });

  it("ListPolicyVersions: every version, newest first, of the caller's tenant only", async () => {
    unwrap(
      await app.savePolicy.execute({
        actor: admin,
        policyId: "login",
        definition: aPolicy().random().withTotpFactors(3).withSteps(3).definition(),
        mode: "update",
      }),
    );
    const versions = unwrap(await app.listPolicyVersions.execute({ actor: admin, policyId: "login" }));
    expect(versions.map((v) => [v.version, v.mode, v.requiredSteps])).toEqual([
      [2, "random", 3],
      [1, "fixed", 2],
    ]);
    expect(errorOf(await app.listPolicyVersions.execute({ actor: adminKey("tenant-2"), policyId: "login" })).code).toBe("policy_not_found");
  });

  it("PreviewChain: fixed mode always draws the first N in policy order; random mode N distinct of M, counted", async () => {
    const fixed = unwrap(await app.previewChain.execute({ actor: admin, policyId: "login", samples: 5 }));
    expect(fixed).toMatchObject({ mode: "fixed", requiredSteps: 2, factorCount: 3, possibleChains: 1 });
    expect(fixed.samples).toEqual(Array(5).fill(["token_1", "token_2"]));
    unwrap(
      await app.savePolicy.execute({
        actor: admin,
        policyId: "login",
        definition: aPolicy().random().withTotpFactors(3).withSteps(2).definition(),
        mode: "update",
      }),
    );
    const random = unwrap(await app.previewChain.execute({ actor: admin, policyId: "login", samples: 20 }));
    expect(random).toMatchObject({ version: 2, mode: "random", possibleChains: 6 });
    expect(random.samples).toHaveLength(20);
    for (const chain of random.samples) {
      expect(chain).toHaveLength(2);
      expect(new Set(chain).size).toBe(2);
      for (const id of chain) expect(["token_1", "token_2", "token_3"]).toContain(id);
    }
    // An older version is previewed as it was.
    expect(unwrap(await app.previewChain.execute({ actor: admin, policyId: "login", version: 1, samples: 1 })).mode).toBe("fixed");
  });

  it("PreviewChain: refuses a sample count out of range and names a missing policy or version", async () => {
    for (const samples of [0, 21, 1.5]) {
      expect(errorOf(await app.previewChain.execute({ actor: admin, policyId: "login", samples })).code).toBe("invalid_input");
    }
    expect(errorOf(await app.previewChain.execute({ actor: admin, policyId: "nope", samples: 1 })).code).toBe("policy_not_found");
    expect(errorOf(await app.previewChain.execute({ actor: admin, policyId: "login", version: 9, samples: 1 })).code).toBe(
      "policy_not_found",
    );
  });
});
