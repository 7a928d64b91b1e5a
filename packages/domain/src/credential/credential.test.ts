import { aCredential, aPolicy, secondsAfter, TEST_EPOCH } from "../testing/index.js";
import { describe, expect, it } from "vitest";
import type { PolicyFactor } from "../policy/factor-type.js";
import { PENDING_ENROLLMENT_TTL_SECONDS, isPendingExpired, paramsOf, satisfies } from "./credential.js";

const policy = aPolicy()
  .withFactors([
    { id: "token_1", label: "Phone" },
    { id: "token_2", label: "Yubikey", options: { algorithm: "SHA256", digits: 8, period: 60 } },
    { id: "counter_1", label: "Card", type: "hotp", options: { digits: 8 } },
  ])
  .build();
const factor = (id: string): PolicyFactor => {
  const f = policy.factors.find((x) => x.id === id);
  if (!f) throw new Error(`no factor ${id}`);
  return f;
};

describe("credential", () => {
  it("paramsOf copies a factor's OTP parameters (HOTP has no period)", () => {
    expect(paramsOf(factor("token_2"))).toEqual({ type: "totp", algorithm: "SHA256", digits: 8, period: 60 });
    expect(paramsOf(factor("counter_1"))).toEqual({ type: "hotp", algorithm: "SHA1", digits: 8 });
  });

  it("an active credential provisioned for the factor satisfies it", () => {
    for (const id of ["token_1", "token_2", "counter_1"]) {
      expect(satisfies(aCredential().forFactor(factor(id)).build(), factor(id))).toBe(true);
    }
  });

  it("S13 a pending or revoked credential never satisfies a step", () => {
    expect(satisfies(aCredential().forFactor(factor("token_1")).pending().build(), factor("token_1"))).toBe(false);
    expect(satisfies(aCredential().forFactor(factor("token_1")).revoked().build(), factor("token_1"))).toBe(false);
  });

  it("a credential for another slot does not satisfy the factor, even with equal parameters", () => {
    const forOther = aCredential().forFactor(factor("token_1")).withFactorId("token_3").build();
    expect(satisfies(forOther, factor("token_1"))).toBe(false);
  });

  it.each([
    ["another algorithm", { type: "totp", algorithm: "SHA1", digits: 8, period: 60 }],
    ["other digits", { type: "totp", algorithm: "SHA256", digits: 6, period: 60 }],
    ["another period", { type: "totp", algorithm: "SHA256", digits: 8, period: 30 }],
    ["another type", { type: "hotp", algorithm: "SHA256", digits: 8 }],
  ] as const)("a credential provisioned with %s does not satisfy the factor", (_what, params) => {
    const credential = aCredential().forFactor(factor("token_2")).withParams(params).build();
    expect(satisfies(credential, factor("token_2"))).toBe(false);
  });

  it("a TOTP credential does not satisfy a HOTP factor of equal algorithm and digits", () => {
    const credential = aCredential()
      .forFactor(factor("counter_1"))
      .withParams({ type: "totp", algorithm: "SHA1", digits: 8, period: 30 })
      .build();
    expect(satisfies(credential, factor("counter_1"))).toBe(false);
  });

  it("a pending enrollment expires after 15 minutes; active and revoked ones never do", () => {
    expect(PENDING_ENROLLMENT_TTL_SECONDS).toBe(900);
    const pending = aCredential().createdAt(TEST_EPOCH).pending().build();
    expect(isPendingExpired(pending, secondsAfter(899.999))).toBe(false);
    expect(isPendingExpired(pending, secondsAfter(900))).toBe(true);
    expect(isPendingExpired(aCredential().build(), secondsAfter(10_000))).toBe(false);
    expect(isPendingExpired(aCredential().revoked().build(), secondsAfter(10_000))).toBe(false);
  });
});
