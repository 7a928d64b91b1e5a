import type { Enrollment, OtpShown, StoredCredential, TotpMaterial } from "@mfa-chain/application";
import {
  adminKey,
  aPolicy,
  errorOf,
  FakeOtp,
  serviceKey,
  TEST_EPOCH,
  TEST_ISSUER,
  TEST_TENANT,
  TestApp,
  unwrap,
} from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const service = serviceKey();

/** True when `needle` occurs as a contiguous run inside `haystack`. */
function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** What an authenticator app's enrollment showed (its secret, URI and QR code); throws for another kind. */
function otpShown(enrollment: Enrollment): OtpShown {
  if (!("secret" in enrollment.shown)) throw new Error(`enrollment ${enrollment.credential.id} showed no secret`);
  return enrollment.shown;
}

/** A stored TOTP credential's material (its sealed secret); throws for another kind. */
function totpMaterial(row: StoredCredential | undefined): TotpMaterial {
  if (!row || !("lastTimeStep" in row.material)) throw new Error("no TOTP credential stored");
  return row.material;
}

describe("EnrollFactor", () => {
  let app: TestApp;
  beforeEach(async () => {
    app = new TestApp();
    await app.givenPolicy(aPolicy().withId("login"));
  });

  const enroll = (factorId: string, extra: { actor?: typeof service; reauthAttemptId?: string; userId?: string; policyId?: string } = {}) =>
    app.enrollFactor.execute({
      actor: extra.actor ?? service,
      userId: extra.userId ?? "alice",
      policyId: extra.policyId ?? "login",
      factorId,
      ...(extra.reauthAttemptId === undefined ? {} : { reauthAttemptId: extra.reauthAttemptId }),
    });

  it("creates a pending credential for the slot, with the factor's label and options, and returns the secret once", async () => {
    const enrollment = unwrap(await enroll("token_1"));
    const shown = otpShown(enrollment);
    expect(enrollment.credential).toEqual({
      id: "id-0001",
      factorId: "token_1",
      label: "Token 1",
      type: "totp",
      status: "pending",
      params: { type: "totp", algorithm: "SHA1", digits: 6, period: 30 },
      createdAt: TEST_EPOCH,
      confirmedAt: null,
      revokedAt: null,
    });
    expect(shown.secret).toBe(app.otp.generatedSecrets[0]);
    expect(FakeOtp.decodeSecret(shown.secret)).toHaveLength(20);
    expect(shown.qr.png).toMatch(/^data:image\/png;base64,/);
    expect(enrollment.confirmBefore).toBe(TEST_EPOCH + 900_000);
    expect(app.store.hasUser(TEST_TENANT, "alice")).toBe(true);
    expect(app.store.credentials(TEST_TENANT).map((c) => [c.id, c.status])).toEqual([["id-0001", "pending"]]);
    // The view never carries the sealed secret.
    expect(Object.keys(enrollment.credential)).not.toContain("secret");
    expect(Object.keys(enrollment.credential)).not.toContain("material");
  });

  it("seals the secret at rest, bound to tenant, user and credential: the store holds no plaintext (S9)", async () => {
    const enrollment = otpShown(unwrap(await enroll("token_1")));
    const plaintext = FakeOtp.decodeSecret(enrollment.secret);
    const [row] = app.store.credentials(TEST_TENANT);
    if (!row) throw new Error("no credential stored");
    const { secret: sealed } = totpMaterial(row);
    expect(sealed.keyId).toBe(app.cipher.currentKeyId);
    expect(containsBytes(sealed.ciphertext, plaintext)).toBe(false);
    const dump = JSON.stringify(app.store.credentials(TEST_TENANT), (_k, v: unknown) =>
      v instanceof Uint8Array ? Array.from(v, (b) => b.toString(16).padStart(2, "0")).join("") : v,
    );
    expect(dump.toUpperCase()).not.toContain(enrollment.secret);
    // It opens only under its own binding.
    const binding = { tenantId: TEST_TENANT, userId: "alice", credentialId: row.id };
    expect(app.cipher.open(sealed, binding)).toEqual(plaintext);
    expect(() => app.cipher.open(sealed, { ...binding, userId: "mallory" })).toThrow();
    expect(() => app.cipher.open(sealed, { ...binding, credentialId: "id-9999" })).toThrow();
    expect(() => app.cipher.open(sealed, { ...binding, tenantId: "tenant-2" })).toThrow();
  });

  it("the otpauth URI names the issuer and an account name with the factor's label, distinct per factor", async () => {
    const one = otpShown(unwrap(await enroll("token_1")));
    const two = otpShown(unwrap(await enroll("token_2", { actor: adminKey() })));
    const accountNames = app.otp.calls.flatMap((c) => (c.kind === "keyUri" ? [c.input.accountName] : []));
    expect(accountNames).toEqual(["alice (Token 1)", "alice (Token 2)"]);
    expect(decodeURIComponent(one.otpauthUri)).toContain(`${TEST_ISSUER}:alice (Token 1)`);
    expect(decodeURIComponent(two.otpauthUri)).toContain(`${TEST_ISSUER}:alice (Token 2)`);
    expect(one.otpauthUri).not.toBe(two.otpauthUri);
    expect(one.otpauthUri).toContain(`secret=${one.secret}`);
  });

  it("a HOTP factor gets a counter-based URI starting at 0", async () => {
    await app.givenPolicy(aPolicy().withId("hotp").withHotpFactors(1, { digits: 8, algorithm: "SHA256" }));
    unwrap(await enroll("counter_1", { policyId: "hotp" }));
    const input = app.otp.calls.flatMap((c) => (c.kind === "keyUri" ? [c.input] : []))[0];
    expect(input).toMatchObject({ type: "hotp", counter: 0, digits: 8, algorithm: "SHA256" });
    expect(input?.period).toBeUndefined();
  });

  it("re-enrolling the same slot discards the earlier pending enrollment", async () => {
    const first = unwrap(await enroll("token_1"));
    const second = unwrap(await enroll("token_1"));
    expect(otpShown(second).secret).not.toBe(otpShown(first).secret);
    expect(app.store.credentials(TEST_TENANT).map((c) => c.id)).toEqual([second.credential.id]);
    const code = app.otp.codeAt(otpShown(first).secret, app.clock.now());
    const error = errorOf(await app.confirmFactor.execute({ actor: service, userId: "alice", credentialId: first.credential.id, code }));
    expect(error.code).toBe("credential_not_found");
  });

  it("a factor the policy does not have → factor_not_in_policy, naming the policy's factors", async () => {
    const error = errorOf(await enroll("token_9"));
    expect(error.code).toBe("factor_not_in_policy");
    expect(error.message).toContain("token_1, token_2");
    expect(app.store.credentials(TEST_TENANT)).toEqual([]);
  });

  it("an unknown or deleted policy → policy_not_found", async () => {
    expect(errorOf(await enroll("token_1", { policyId: "nope" })).code).toBe("policy_not_found");
    unwrap(await app.deletePolicy.execute({ actor: adminKey(), policyId: "login" }));
    expect(errorOf(await enroll("token_1")).code).toBe("policy_not_found");
    expect(app.store.credentials(TEST_TENANT)).toEqual([]);
  });

  it("is audited as factor.enrolled, without the secret", async () => {
    const enrollment = unwrap(await enroll("token_1"));
    const event = app.auditEvents().at(-1);
    expect(event).toMatchObject({
      type: "factor.enrolled",
      userId: "alice",
      factorId: "token_1",
      actor: { kind: "api_key", id: service.keyId },
      data: { credentialId: enrollment.credential.id, policyId: "login", authorizedBy: "first_enrollment" },
    });
    expect(JSON.stringify(app.auditEvents()).toUpperCase()).not.toContain(otpShown(enrollment).secret);
  });

  describe("S29: changing the factors of a user who has an active one", () => {
    beforeEach(async () => {
      await app.enrollAndConfirm("alice", "login", ["token_1", "token_2"]);
    });

    it("S29 a service key without a re-authentication → reauthentication_required, nothing written", async () => {
      const before = app.store.credentials(TEST_TENANT);
      const auditBefore = app.auditEvents().length;
      const error = errorOf(await enroll("token_1"));
      expect(error.code).toBe("reauthentication_required");
      expect(app.store.credentials(TEST_TENANT)).toEqual(before);
      expect(app.auditEvents()).toHaveLength(auditBefore);
    });

    it("S29 a pending enrollment alone does not count as an active factor (first enrollment stays open)", async () => {
      unwrap(await enroll("token_1", { userId: "bob" }));
      const again = unwrap(await enroll("token_2", { userId: "bob" }));
      expect(app.auditEvents().at(-1)?.data).toMatchObject({ credentialId: again.credential.id, authorizedBy: "first_enrollment" });
    });

    it("S29 a fresh completed attempt of the same user authorizes a service key", async () => {
      const reauthAttemptId = await app.completedAttempt("alice", "login");
      app.clock.advanceSeconds(299);
      unwrap(await enroll("token_1", { reauthAttemptId }));
      expect(app.auditEvents().at(-1)?.data).toMatchObject({ authorizedBy: "reauthentication" });
    });

    it("S29 exactly 5 minutes after completion is still fresh; one second later is stale", async () => {
      const reauthAttemptId = await app.completedAttempt("alice", "login");
      const completedAt = app.attempt(reauthAttemptId).completedAt as number;
      app.clock.set(completedAt + 300_000);
      unwrap(await enroll("token_1", { reauthAttemptId }));
      app.clock.set(completedAt + 301_000);
      expect(errorOf(await enroll("token_2", { reauthAttemptId })).code).toBe("reauthentication_required");
    });

    it("S29 another user's completed attempt is refused", async () => {
      await app.enrollAndConfirm("bob", "login", ["token_1", "token_2"]);
      const bobs = await app.completedAttempt("bob", "login");
      expect(errorOf(await enroll("token_1", { reauthAttemptId: bobs })).code).toBe("reauthentication_required");
    });

    it("S29 an attempt that is not completed, or an unknown id, is refused", async () => {
      const running = await app.start("alice", "login");
      await app.passCurrentStep(running.attemptId);
      expect(errorOf(await enroll("token_1", { reauthAttemptId: running.attemptId })).code).toBe("reauthentication_required");
      expect(errorOf(await enroll("token_1", { reauthAttemptId: "no-such-attempt" })).code).toBe("reauthentication_required");
    });

    it("S29 S27 another tenant's completed attempt of a user with the same id is refused", async () => {
      const done = await app.completedAttempt("alice", "login");
      await app.givenPolicy(aPolicy().withId("login"), adminKey("tenant-2"));
      await app.enrollAndConfirm("alice", "login", ["token_1"], adminKey("tenant-2"));
      const error = errorOf(await enroll("token_1", { actor: serviceKey("tenant-2"), reauthAttemptId: done }));
      expect(error.code).toBe("reauthentication_required");
    });

    it("S29 an admin key needs no re-authentication, and the audit says so", async () => {
      unwrap(await enroll("token_1", { actor: adminKey() }));
      expect(app.auditEvents().at(-1)).toMatchObject({ type: "factor.enrolled", data: { authorizedBy: "admin" } });
    });
  });
});
