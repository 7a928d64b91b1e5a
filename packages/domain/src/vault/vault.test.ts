import { describe, expect, it } from "vitest";
import {
  checkPrincipal,
  checkVaultLabels,
  checkVaultSeed,
  isAllowed,
  isReadBurst,
  isVisible,
  totpWindow,
  wantsNextCode,
  type VaultCaller,
  type VaultGrant,
  type VaultSeedInput,
} from "./vault.js";

const totpSeed: VaultSeedInput = {
  type: "totp",
  secretBytes: 20,
  issuer: "Acme",
  accountName: "team@acme.test",
  algorithm: "SHA256",
  digits: 8,
  period: 60,
  counter: null,
};

const fieldsOf = (s: VaultSeedInput) => {
  const r = checkVaultSeed(s);
  return r.ok ? [] : r.issues.map((i) => i.field);
};

describe("checkVaultSeed", () => {
  it("keeps every parameter of an acceptable TOTP or HOTP seed", () => {
    expect(checkVaultSeed(totpSeed)).toEqual({
      ok: true,
      params: { type: "totp", issuer: "Acme", accountName: "team@acme.test", algorithm: "SHA256", digits: 8, period: 60, counter: null },
    });
    const hotp = checkVaultSeed({ ...totpSeed, type: "hotp", period: null, counter: 42, algorithm: "SHA512", digits: 6 });
    expect(hotp.ok && hotp.params).toMatchObject({ type: "hotp", counter: 42, period: null, algorithm: "SHA512" });
  });

  it.each<[string, Partial<VaultSeedInput>, string]>([
    ["an empty secret", { secretBytes: 0 }, "secret"],
    ["a secret under 80 bits", { secretBytes: 9 }, "secret"],
    ["a secret over 64 bytes", { secretBytes: 65 }, "secret"],
    ["an unsupported algorithm", { algorithm: "MD5" }, "algorithm"],
    ["7 digits", { digits: 7 }, "digits"],
    ["a 45 s period", { period: 45 }, "period"],
    ["a counter on TOTP", { counter: 3 }, "counter"],
    ["an unknown type", { type: "motp" }, "type"],
    ["a control character in the issuer", { issuer: "Ac\u0007me" }, "issuer"],
  ])("refuses %s, naming the field", (_, change, field) => {
    expect(fieldsOf({ ...totpSeed, ...change })).toContain(field);
  });

  it("refuses an HOTP seed without a counter or with a period, and reports every problem at once", () => {
    expect(fieldsOf({ ...totpSeed, type: "hotp", period: null, counter: null })).toEqual(["counter"]);
    expect(fieldsOf({ ...totpSeed, type: "hotp", period: 30, counter: -1 })).toEqual(["period", "counter"]);
    expect(fieldsOf({ ...totpSeed, secretBytes: 4, digits: 7, algorithm: "SHA3" })).toEqual(["secret", "algorithm", "digits"]);
  });

  it("accepts exactly 80 bits", () => {
    expect(checkVaultSeed({ ...totpSeed, secretBytes: 10 }).ok).toBe(true);
  });
});

describe("checkVaultLabels", () => {
  it("trims the name and sorts and de-duplicates tags", () => {
    expect(checkVaultLabels({ name: " Payroll ", tags: ["b", "a", "b"], notes: "n" })).toEqual({
      ok: true,
      name: "Payroll",
      tags: ["a", "b"],
      notes: "n",
    });
  });
  it("refuses an empty name, an empty tag and too many tags", () => {
    const r = checkVaultLabels({ name: "  ", tags: ["", ...Array.from({ length: 20 }, (_, i) => `t${i}`)], notes: "" });
    expect(r.ok ? [] : r.issues.map((i) => i.field)).toEqual(["name", "tags", "tags[0]"]);
  });
});

describe("access", () => {
  const grants: VaultGrant[] = [
    { entryId: "e", principal: { kind: "user", id: "alice" }, permission: "read_code" },
    { entryId: "e", principal: { kind: "group", id: "ops" }, permission: "manage" },
  ];
  const user = (userId: string, groups: string[] = []): VaultCaller => ({ kind: "user", userId, groups });

  it("an admin may do everything, even on an entry without grants", () => {
    expect(isAllowed({ kind: "admin" }, [], "manage")).toBe(true);
    expect(isAllowed({ kind: "admin" }, [], "read_code")).toBe(true);
  });
  it("a user reads with a read_code grant but may not manage with it", () => {
    expect(isAllowed(user("alice"), grants, "read_code")).toBe(true);
    expect(isAllowed(user("alice"), grants, "manage")).toBe(false);
  });
  it("a group's manage grant lets its members manage and read", () => {
    expect(isAllowed(user("bob", ["ops"]), grants, "manage")).toBe(true);
    expect(isAllowed(user("bob", ["ops"]), grants, "read_code")).toBe(true);
    expect(isAllowed(user("bob", ["dev"]), grants, "read_code")).toBe(false);
  });
  it("a user id that equals a group id gets nothing from the group's grant", () => {
    expect(isVisible(user("ops"), grants)).toBe(false);
    expect(isVisible(user("carol"), grants)).toBe(false);
  });
  it("checks principal ids", () => {
    expect(checkPrincipal({ kind: "user", id: "alice@example.com" })).toBeNull();
    expect(checkPrincipal({ kind: "group", id: "Ops Team" })?.field).toBe("group");
    expect(checkPrincipal({ kind: "user", id: "a/b" })?.field).toBe("user");
  });
});

describe("code timing", () => {
  it("gives the step, the whole seconds left (rounded up) and the end of the step", () => {
    expect(totpWindow(59_000, 30)).toEqual({ step: 1, remainingSeconds: 1, validUntil: 60_000 });
    expect(totpWindow(60_000, 30)).toEqual({ step: 2, remainingSeconds: 30, validUntil: 90_000 });
    expect(totpWindow(60_001, 60)).toEqual({ step: 1, remainingSeconds: 60, validUntil: 120_000 });
    expect(totpWindow(115_500, 60)).toEqual({ step: 1, remainingSeconds: 5, validUntil: 120_000 });
  });
  it("wants the next code under 5 seconds", () => {
    expect(wantsNextCode(5)).toBe(false);
    expect(wantsNextCode(4)).toBe(true);
  });
  it("flags reads past the burst threshold", () => {
    expect(isReadBurst(10, 10)).toBe(false);
    expect(isReadBurst(11, 10)).toBe(true);
  });
});
