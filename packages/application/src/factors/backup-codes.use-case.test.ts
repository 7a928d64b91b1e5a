// Backup codes through the use cases (SPEC §3, S18–S20): a set of ten single-use codes, shown once at enrollment, kept
// only as keyed hashes; active at once, replaced as a whole, never confirmed, resynchronised or peeked at.
import type { AppError, CredentialView } from "@mfa-chain/application";
import { BACKUP_CODE_COUNT, canonicalBackupCode, type Result, type VerifyOutcome } from "@mfa-chain/domain";
import {
  adminKey,
  aPolicy,
  errorOf,
  serviceKey,
  TEST_EPOCH,
  TEST_TENANT,
  TestApp,
  unwrap,
  type BackupCodesEnrollment,
  type FactorInput,
} from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const service = serviceKey();

/** Three groups of five characters of Crockford's base32 (no I, L, O or U). */
const SHOWN_CODE = /^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/;

/**
 * Saves policy `id` with `otpFactors` followed by a backup-code slot `codes`, all required, in fixed order. The policy
 * builder only writes OTP factors, so the backup-code factor is added to its raw definition, as a tenant would write it.
 */
async function givenBackupPolicy(app: TestApp, id: string, otpFactors: readonly FactorInput[] = []): Promise<void> {
  const definition = aPolicy().withId(id).withFactors(otpFactors).definition();
  definition.factors.push({ id: "codes", label: "Backup codes", type: "backup_code" });
  definition.requiredSteps = definition.factors.length;
  unwrap(await app.savePolicy.execute({ actor: adminKey(), policyId: id, definition, mode: "create" }), "givenBackupPolicy");
}

const outcomeOf = (r: Result<VerifyOutcome, AppError>): VerifyOutcome => unwrap(r, "verify");

describe("Backup codes (S18–S20)", () => {
  let app: TestApp;
  beforeEach(async () => {
    app = new TestApp();
    await givenBackupPolicy(app, "recovery");
  });

  /** The user's backup-code credential of the slot, as a client sees it. */
  const listed = async (userId = "alice"): Promise<CredentialView[]> =>
    (await app.listFactors.execute({ actor: service, userId })).filter((c) => c.factorId === "codes");
  const activeView = async (userId = "alice"): Promise<CredentialView | undefined> =>
    (await listed(userId)).find((c) => c.status === "active");
  /** Starts a one-step attempt on the backup codes and submits `code`. */
  const redeem = async (code: string, userId = "alice"): Promise<VerifyOutcome> => {
    const { attemptId } = await app.start(userId, "recovery");
    return outcomeOf(await app.verify(attemptId, "codes", code));
  };

  describe("enrollment", () => {
    let enrollment: BackupCodesEnrollment;
    beforeEach(async () => {
      enrollment = await app.enrollBackupCodes("alice", "recovery", "codes", service);
    });

    it("shows ten distinct codes of Crockford's base32, grouped XXXXX-XXXXX-XXXXX", () => {
      expect(enrollment.codes).toHaveLength(BACKUP_CODE_COUNT);
      expect(BACKUP_CODE_COUNT).toBe(10);
      expect(new Set(enrollment.codes).size).toBe(10);
      for (const code of enrollment.codes) {
        expect(code).toMatch(SHOWN_CODE);
        expect(code).not.toMatch(/[ILOU]/);
      }
      // Distinct as typed, too: no two codes of the set read the same once canonical.
      expect(new Set(enrollment.codes.map(canonicalBackupCode)).size).toBe(10);
      // Only the codes are shown: no OTP secret, URI or QR code, and no OTP secret was generated.
      expect(Object.keys(enrollment.shown)).toEqual(["codes"]);
      expect(app.otp.generatedSecrets).toEqual([]);
    });

    it("is active at once, with 10 remaining and nothing to confirm, audited as enrolled and confirmed", async () => {
      expect(enrollment.confirmBefore).toBeNull();
      const expected: CredentialView = {
        id: enrollment.credential.id,
        factorId: "codes",
        label: "Backup codes",
        type: "backup_code",
        status: "active",
        params: { type: "backup_code" },
        createdAt: TEST_EPOCH,
        confirmedAt: TEST_EPOCH,
        revokedAt: null,
        remaining: 10,
      };
      expect(enrollment.credential).toEqual(expected);
      expect(await listed()).toEqual([expected]);
      expect(app.store.credentials(TEST_TENANT).map((c) => [c.id, c.status])).toEqual([[enrollment.credential.id, "active"]]);
      expect(app.auditEvents().slice(-2)).toMatchObject([
        { type: "factor.enrolled", factorId: "codes", data: { credentialId: enrollment.credential.id, authorizedBy: "first_enrollment" } },
        { type: "factor.confirmed", factorId: "codes", data: { credentialId: enrollment.credential.id } },
      ]);
      // Usable straight away: an attempt starts without a confirmation.
      expect((await app.start("alice", "recovery")).currentFactor).toEqual({ id: "codes", label: "Backup codes", type: "backup_code" });
    });

    it("S18 the store holds only keyed hashes, bound to the credential: no code appears, canonical or as shown", () => {
      const [row] = app.store.credentials(TEST_TENANT);
      if (!row) throw new Error("no credential stored");
      if (!("codeHashes" in row.material)) throw new Error("not a backup-code credential");
      const { codeHashes } = row.material;
      expect(Object.keys(row.material)).toEqual(["codeHashes"]);
      expect(codeHashes).toHaveLength(10);
      expect(new Set(codeHashes).size).toBe(10);
      const dump = JSON.stringify(app.store.credentials(TEST_TENANT));
      const audit = JSON.stringify(app.auditEvents());
      for (const code of enrollment.codes) {
        const canonical = canonicalBackupCode(code);
        if (canonical === null) throw new Error(`shown code ${code} is not well formed`);
        for (const form of [code, canonical]) {
          expect(dump).not.toContain(form);
          expect(audit).not.toContain(form);
        }
        // Each code's hash is keyed to its purpose, tenant and credential.
        expect(codeHashes.filter((h) => app.hasher.matches(canonical, ["backup_code", TEST_TENANT, row.id], h))).toHaveLength(1);
        expect(codeHashes.some((h) => app.hasher.matches(canonical, ["backup_code", TEST_TENANT, "id-9999"], h))).toBe(false);
      }
      // The view never carries the hashes.
      expect(Object.keys(enrollment.credential)).not.toContain("codeHashes");
      expect(Object.keys(enrollment.credential)).not.toContain("material");
    });
  });

  describe("redeeming", () => {
    let codes: readonly string[];
    beforeEach(async () => {
      ({ codes } = await app.enrollBackupCodes("alice", "recovery", "codes"));
    });

    it.each([
      ["as shown", (c: string) => c],
      ["in lowercase", (c: string) => c.toLowerCase()],
      ["without hyphens", (c: string) => c.replace(/-/g, "")],
      ["in lowercase without hyphens", (c: string) => c.replace(/-/g, "").toLowerCase()],
    ])("S19 one code passes a step, typed %s, and is used up", async (_how, typed) => {
      const outcome = await redeem(typed(codes[3]!));
      expect(outcome).toMatchObject({ success: true, complete: true, failure: null });
      expect(app.failures("alice")).toBe(0);
      expect(app.auditTypes().slice(-2)).toEqual(["attempt.step_succeeded", "attempt.completed"]);
      expect((await activeView())?.remaining).toBe(9);
    });

    it("S19 a used code fails on its next use (in any form) and counts; remaining drops to 9; the other codes still pass", async () => {
      const [first, second] = codes as [string, string];
      expect((await redeem(first)).success).toBe(true);
      expect((await activeView())?.remaining).toBe(9);
      for (const [i, again] of [first, first.toLowerCase().replace(/-/g, "")].entries()) {
        const outcome = await redeem(again);
        expect(outcome.success).toBe(false);
        expect(["code_replayed", "invalid_code"]).toContain(outcome.failure);
        expect(app.failures("alice")).toBe(i + 1);
      }
      expect(app.auditEvents().at(-1)).toMatchObject({ type: "attempt.step_failed", factorId: "codes", data: { failures: 2 } });
      expect((await activeView())?.remaining).toBe(9);
      expect(await redeem(second)).toMatchObject({ success: true, complete: true });
      expect((await activeView())?.remaining).toBe(8);
      expect(app.failures("alice")).toBe(0);
    });

    it("a wrong code fails as invalid_code, counts on the lockout counter, and spends nothing", async () => {
      const outcome = await redeem(app.wrongCode("alice", "codes"));
      expect(outcome).toMatchObject({ success: false, failure: "invalid_code", failuresRemaining: 4, lockedUntil: null });
      expect(app.failures("alice")).toBe(1);
      expect(app.auditEvents().at(-1)).toMatchObject({
        type: "attempt.step_failed",
        factorId: "codes",
        data: { reason: "invalid_code", step: 1, failures: 1 },
      });
      expect((await activeView())?.remaining).toBe(10);
    });

    it("S12 a code of the wrong shape fails as invalid_code_format and counts", async () => {
      for (const [i, code] of ["123456", "", codes[0]!.slice(0, -1), `${codes[0]!}X`, codes[0]!.replace(/-/g, "_")].entries()) {
        expect(await redeem(code), JSON.stringify(code)).toMatchObject({ success: false, failure: "invalid_code_format" });
        expect(app.failures("alice")).toBe(i + 1);
      }
      expect((await activeView())?.remaining).toBe(10);
    });

    it("S8 five wrong codes lock the user: then even an unused code is refused unchecked, and stays unused", async () => {
      const { attemptId } = await app.start("alice", "recovery");
      for (let i = 1; i <= 5; i++) await app.verify(attemptId, "codes", app.wrongCode("alice", "codes"));
      expect(app.failures("alice")).toBe(5);
      const lockedUntil = app.store.lockState(TEST_TENANT, "alice").lockedUntil;
      expect(lockedUntil).not.toBeNull();
      const hashesBefore = app.hasher.hashes;
      expect(errorOf(await app.verify(attemptId, "codes", codes[0]!))).toMatchObject({ code: "user_locked", lockedUntil });
      expect(app.hasher.hashes).toBe(hashesBefore);
      expect((await activeView())?.remaining).toBe(10);
    });

    it("S19 one user's codes do not pass another user's step", async () => {
      const bobs = await app.enrollBackupCodes("bob", "recovery", "codes");
      for (const code of bobs.codes.slice(0, 3)) expect(await redeem(code)).toMatchObject({ success: false, failure: "invalid_code" });
      expect((await activeView("bob"))?.remaining).toBe(10);
      expect((await activeView("alice"))?.remaining).toBe(10);
    });
  });

  describe("S20 a new set replaces the old one", () => {
    let old: BackupCodesEnrollment;
    beforeEach(async () => {
      old = await app.enrollBackupCodes("alice", "recovery", "codes", service);
    });

    it("S29 re-enrolling with a service key needs a re-authentication; nothing is written without one", async () => {
      const credentials = app.store.credentials(TEST_TENANT);
      const auditBefore = app.auditEvents().length;
      const error = errorOf(await app.enrollFactor.execute({ actor: service, userId: "alice", policyId: "recovery", factorId: "codes" }));
      expect(error.code).toBe("reauthentication_required");
      expect(app.store.credentials(TEST_TENANT)).toEqual(credentials);
      expect(app.auditEvents()).toHaveLength(auditBefore);
      // The old codes still work.
      expect((await redeem(old.codes[0]!)).success).toBe(true);
    });

    it("S29 with a fresh completed attempt, a service key may re-enroll", async () => {
      const reauthAttemptId = await app.completedAttempt("alice", "recovery");
      const renewed = unwrap(
        await app.enrollFactor.execute({ actor: service, userId: "alice", policyId: "recovery", factorId: "codes", reauthAttemptId }),
      );
      expect(renewed.credential).toMatchObject({ status: "active", remaining: 10 });
      expect(
        app
          .auditEvents()
          .filter((e) => e.type === "factor.enrolled")
          .at(-1)?.data,
      ).toMatchObject({ authorizedBy: "reauthentication" });
    });

    it("an admin re-enrollment revokes the old set at once: its codes no longer pass, the new ones do", async () => {
      app.clock.advanceSeconds(60);
      const renewed = await app.enrollBackupCodes("alice", "recovery", "codes", adminKey());
      expect(renewed.credential.id).not.toBe(old.credential.id);
      expect(renewed.confirmBefore).toBeNull();
      expect(renewed.credential).toMatchObject({ status: "active", remaining: 10, confirmedAt: app.clock.now() });
      expect(renewed.codes.filter((c) => old.codes.includes(c))).toEqual([]);
      const statuses = Object.fromEntries(app.store.credentials(TEST_TENANT).map((c) => [c.id, [c.status, c.revokedAt]]));
      expect(statuses).toEqual({
        [old.credential.id]: ["revoked", app.clock.now()],
        [renewed.credential.id]: ["active", null],
      });
      expect(app.auditEvents().slice(-2)).toMatchObject([
        { type: "factor.enrolled", data: { credentialId: renewed.credential.id, authorizedBy: "admin" } },
        { type: "factor.confirmed", data: { credentialId: renewed.credential.id } },
      ]);

      for (const code of old.codes.slice(0, 3)) expect(await redeem(code)).toMatchObject({ success: false, failure: "invalid_code" });
      expect(await redeem(renewed.codes[0]!)).toMatchObject({ success: true, complete: true });
      expect((await activeView())?.remaining).toBe(9);
      expect((await listed()).find((c) => c.id === old.credential.id)).toMatchObject({ status: "revoked", revokedAt: app.clock.now() });
    });
  });

  describe("what a backup-code factor does not do", () => {
    let enrollment: BackupCodesEnrollment;
    beforeEach(async () => {
      enrollment = await app.enrollBackupCodes("alice", "recovery", "codes");
    });

    it("cannot be resynchronised: invalid_input, nothing counted or spent", async () => {
      const codes = [enrollment.codes[0]!, enrollment.codes[1]!] as const;
      const error = errorOf(
        await app.resyncHotpFactor.execute({ actor: service, userId: "alice", credentialId: enrollment.credential.id, codes }),
      );
      expect(error.code).toBe("invalid_input");
      expect(app.failures("alice")).toBe(0);
      expect((await activeView())?.remaining).toBe(10);
      expect(app.auditTypes()).not.toContain("factor.resynced");
    });

    it("cannot be confirmed: it is active already (enrollment_not_pending), nothing counted or spent", async () => {
      const error = errorOf(
        await app.confirmFactor.execute({
          actor: service,
          userId: "alice",
          credentialId: enrollment.credential.id,
          code: enrollment.codes[0]!,
        }),
      );
      expect(error.code).toBe("enrollment_not_pending");
      expect(app.failures("alice")).toBe(0);
      expect(await activeView()).toMatchObject({ id: enrollment.credential.id, status: "active", remaining: 10 });
    });

    it("S32 has no live code to peek at: an error, never a code", async () => {
      const { attemptId } = await app.start("alice", "recovery");
      const peeked = await app.peekCurrentCode.execute({ actor: service, attemptId });
      const error = errorOf(peeked);
      expect(error.code).toBe("invalid_input");
      for (const code of enrollment.codes) expect(JSON.stringify(peeked)).not.toContain(code);
      expect((await activeView())?.remaining).toBe(10);
    });

    it("S32 a chain of a TOTP factor and backup codes peeks the TOTP code, then refuses at the backup-code step", async () => {
      await givenBackupPolicy(app, "login", [{ id: "token_1", label: "Token 1", type: "totp" }]);
      await app.enrollAndConfirm("alice", "login", ["token_1"]);
      const { attemptId } = await app.start("alice", "login");
      const first = unwrap(await app.peekCurrentCode.execute({ actor: service, attemptId }));
      expect(first).toEqual({ factorId: "token_1", code: app.rightCode("alice", "token_1") });
      expect(outcomeOf(await app.verify(attemptId, "token_1", first.code))).toMatchObject({ success: true, complete: false });
      expect(errorOf(await app.peekCurrentCode.execute({ actor: service, attemptId })).code).toBe("invalid_input");
      expect(outcomeOf(await app.verify(attemptId, "codes", app.rightCode("alice", "codes")))).toMatchObject({
        success: true,
        complete: true,
      });
    });
  });
  describe("a used-up or replaced set", () => {
    it("once every code is used, the slot counts as not enrolled: no attempt draws a step the user cannot pass", async () => {
      const { codes } = await app.enrollBackupCodes("alice", "recovery", "codes", service);
      for (const code of codes) expect(await redeem(code)).toMatchObject({ success: true, complete: true });
      expect((await activeView())?.remaining).toBe(0);
      const refused = errorOf(await app.startAttempt.execute({ actor: service, userId: "alice", policyId: "recovery" }));
      expect(refused).toMatchObject({ code: "factors_not_enrolled", needed: 1 });
      expect(refused.code === "factors_not_enrolled" && refused.missing.map((f) => f.id)).toEqual(["codes"]);
      // A new set (an admin's, as the user can no longer re-authenticate) makes the slot passable again.
      const fresh = await app.enrollBackupCodes("alice", "recovery", "codes", adminKey());
      expect(await redeem(fresh.codes[0] as string)).toMatchObject({ success: true, complete: true });
    });

    it("a replaced set shows no codes remaining", async () => {
      await app.enrollBackupCodes("alice", "recovery", "codes", service);
      await app.enrollBackupCodes("alice", "recovery", "codes", adminKey());
      const views = await listed();
      expect(views.filter((v) => v.status === "revoked").map((v) => v.remaining)).toEqual([0]);
      expect(views.filter((v) => v.status === "active").map((v) => v.remaining)).toEqual([BACKUP_CODE_COUNT]);
    });
  });
});
