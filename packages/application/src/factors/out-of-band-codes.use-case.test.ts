// Email and SMS codes through the use cases (SPEC §3, S14–S16, S26, S30): enrolled with a destination (validated,
// sealed, shown masked) and confirmed by a sent code; a challenge phase sends a code for the attempt's step, single use,
// at most 5 tries, bound to the attempt and step, replaced by a resend; sends limited; a refused send changes nothing.
import type { AppError } from "@mfa-chain/application";
import type { Result, VerifyOutcome } from "@mfa-chain/domain";
import { adminKey, aPolicy, errorOf, TEST_TENANT, TestApp, unwrap } from "../testing/index.js";
import { beforeEach, describe, expect, it } from "vitest";

const ADDRESS = "Alice.Smith@Example.COM";
const NORMALIZED = "Alice.Smith@example.com";

/** A policy `id`: a TOTP slot then an email slot (fixed order), or the email slot alone. */
async function givenPolicy(app: TestApp, id: string, withTotp: boolean, type: "email" | "sms" = "email"): Promise<void> {
  const definition = aPolicy()
    .withId(id)
    .withFactors(withTotp ? [{ id: "app" }] : [])
    .definition();
  if (!withTotp) definition.factors = [];
  definition.factors.push({ id: "mail", label: "Email", type, options: {} } as never);
  definition.mode = "fixed";
  definition.requiredSteps = definition.factors.length;
  unwrap(await app.savePolicy.execute({ actor: adminKey(), policyId: id, definition, mode: "create" }), "givenPolicy");
}

const outcome = (r: Result<VerifyOutcome, AppError>): VerifyOutcome => unwrap(r, "verify");

describe("email codes (S14–S16)", () => {
  let app: TestApp;
  beforeEach(async () => {
    app = new TestApp();
    await givenPolicy(app, "mail-only", false);
    await givenPolicy(app, "app-then-mail", true);
  });

  async function enrolledAlice(destination = ADDRESS) {
    const enrollment = await app.enrollAny("alice", "mail-only", "mail", { destination });
    await app.confirm("alice", enrollment);
    app.clock.advanceSeconds(60);
    return enrollment;
  }

  describe("enrollment", () => {
    it("normalizes and seals the address, shows it masked, and sends a confirmation code there", async () => {
      const enrollment = await app.enrollAny("alice", "mail-only", "mail", { destination: ADDRESS });
      expect(enrollment.shown).toEqual({ destination: "A***@example.com" });
      expect(enrollment.credential.status).toBe("pending");
      expect(enrollment.credential.destination).toBe("A***@example.com");
      const [sent] = app.delivery.sent;
      expect(sent).toMatchObject({ kind: "challenge_code", channel: "email", to: NORMALIZED, purpose: "enroll" });
      // Sealed at rest: the stored credential holds no plain address.
      expect(JSON.stringify(app.store.credentials(TEST_TENANT))).not.toContain("Smith");
      expect(JSON.stringify(app.store.challenges(TEST_TENANT))).not.toContain((sent as { code: string }).code);
      const confirmed = await app.confirm("alice", enrollment);
      expect(confirmed.status).toBe("active");
    });

    it.each([
      ["control characters", "alice@example.com\r\nBcc: x@y.z"],
      ["300 characters", `${"a".repeat(288)}@example.com`],
      ["no domain", "alice"],
    ])("refuses an address with %s (invalid_input), stores and sends nothing", async (_label, destination) => {
      const error = errorOf(
        await app.enrollFactor.execute({
          actor: adminKey(),
          userId: "alice",
          policyId: "mail-only",
          factorId: "mail",
          details: { destination },
        }),
      );
      expect(error.code).toBe("invalid_input");
      expect(error.message).not.toContain(destination);
      expect(app.store.credentials(TEST_TENANT)).toEqual([]);
      expect(app.delivery.sent).toEqual([]);
    });

    it("refuses an email factor without a destination, and a TOTP factor with one", async () => {
      expect(
        errorOf(await app.enrollFactor.execute({ actor: adminKey(), userId: "alice", policyId: "mail-only", factorId: "mail" })).code,
      ).toBe("invalid_input");
      expect(
        errorOf(
          await app.enrollFactor.execute({
            actor: adminKey(),
            userId: "alice",
            policyId: "app-then-mail",
            factorId: "app",
            details: { destination: ADDRESS },
          }),
        ).code,
      ).toBe("invalid_input");
    });

    it("a wrong confirmation code counts in the lockout and spends a try; the sixth try fails even when right", async () => {
      const enrollment = await app.enrollAny("alice", "mail-only", "mail", { destination: ADDRESS });
      const right = app.delivery.lastCodeTo(NORMALIZED);
      const wrong = right === "000000" ? "111111" : "000000";
      for (let i = 1; i <= 5; i++) {
        expect(
          errorOf(
            await app.confirmFactor.execute({ actor: adminKey(), userId: "alice", credentialId: enrollment.credential.id, code: wrong }),
          ).code,
        ).toBe("invalid_code");
      }
      expect(app.failures("alice")).toBe(5);
      const sixth = await app.confirmFactor.execute({
        actor: adminKey(),
        userId: "alice",
        credentialId: enrollment.credential.id,
        code: right,
      });
      expect(sixth.ok).toBe(false);
    });

    it("a provider that refuses: delivery_unavailable, and nothing is stored", async () => {
      app.delivery.failing = "unavailable";
      const error = errorOf(
        await app.enrollFactor.execute({
          actor: adminKey(),
          userId: "alice",
          policyId: "mail-only",
          factorId: "mail",
          details: { destination: ADDRESS },
        }),
      );
      expect(error.code).toBe("delivery_unavailable");
      expect(app.store.credentials(TEST_TENANT)).toEqual([]);
      expect(app.store.sendCount(TEST_TENANT)).toBe(0);
    });
  });

  describe("the challenge phase", () => {
    beforeEach(async () => {
      await enrolledAlice();
    });

    it("S14 sends a fresh code for the step and passes the step with it, once", async () => {
      const { attemptId } = await app.start("alice", "mail-only");
      const challenge = unwrap(await app.challenge(attemptId));
      expect(challenge).toEqual({
        delivery: "send",
        factorId: "mail",
        destination: "A***@example.com",
        expiresAt: app.clock.now() + 300_000,
        resendAfter: app.clock.now() + 30_000,
      });
      const code = app.delivery.lastCodeTo(NORMALIZED);
      expect(code).toMatch(/^[0-9]{6}$/);
      expect(app.delivery.sent.at(-1)).toMatchObject({ purpose: "verify" });
      expect(JSON.stringify(app.store.challenges(TEST_TENANT))).not.toContain(code);
      expect(outcome(await app.verify(attemptId, "mail", code))).toMatchObject({ success: true, complete: true });
      const again = await app.start("alice", "mail-only");
      expect(outcome(await app.verify(again.attemptId, "mail", code)).success).toBe(false);
    });

    it("S14 a code is bound to its attempt: another attempt's code fails and counts", async () => {
      const first = await app.start("alice", "mail-only");
      unwrap(await app.challenge(first.attemptId));
      const code = app.delivery.lastCodeTo(NORMALIZED);
      const second = await app.start("alice", "mail-only");
      expect(outcome(await app.verify(second.attemptId, "mail", code))).toMatchObject({ success: false, reset: true });
      expect(app.failures("alice")).toBe(1);
    });

    it("S14 an expired code fails", async () => {
      const { attemptId } = await app.start("alice", "mail-only");
      unwrap(await app.challenge(attemptId));
      const code = app.delivery.lastCodeTo(NORMALIZED);
      app.clock.advanceSeconds(301);
      expect(outcome(await app.verify(attemptId, "mail", code)).success).toBe(false);
    });

    it("S15 a resend replaces the code (the old one fails) and resets no failure", async () => {
      const { attemptId } = await app.start("alice", "mail-only");
      unwrap(await app.challenge(attemptId));
      const old = app.delivery.lastCodeTo(NORMALIZED);
      expect(outcome(await app.verify(attemptId, "mail", old === "000000" ? "111111" : "000000")).success).toBe(false);
      app.clock.advanceSeconds(31);
      unwrap(await app.challenge(attemptId));
      const fresh = app.delivery.lastCodeTo(NORMALIZED);
      expect(app.failures("alice")).toBe(1);
      if (fresh !== old) expect(outcome(await app.verify(attemptId, "mail", old)).success).toBe(false);
      expect(outcome(await app.verify(attemptId, "mail", fresh)).success).toBe(true);
    });

    it("at most 5 tries per code: the 6th fails even when right, and counts", async () => {
      const { attemptId } = await app.start("alice", "mail-only");
      unwrap(await app.challenge(attemptId));
      const right = app.delivery.lastCodeTo(NORMALIZED);
      const wrong = right === "000000" ? "111111" : "000000";
      for (let i = 0; i < 5; i++) expect(outcome(await app.verify(attemptId, "mail", wrong)).success).toBe(false);
      expect(app.failures("alice")).toBe(5);
      await app.unlockUser.execute({ actor: adminKey(), userId: "alice" });
      const failuresBefore = app.failures("alice");
      expect(outcome(await app.verify(attemptId, "mail", right)).success).toBe(false);
      expect(app.failures("alice")).toBe(failuresBefore + 1);
    });

    it("S16 a second send within 30 s is refused (too_many_sends with retryAt), and a send 30 s later is allowed", async () => {
      const { attemptId } = await app.start("alice", "mail-only");
      unwrap(await app.challenge(attemptId));
      const refused = errorOf(await app.challenge(attemptId));
      expect(refused).toMatchObject({ code: "too_many_sends", retryAt: app.clock.now() + 30_000 });
      expect(app.delivery.sent.filter((m) => m.kind === "challenge_code" && m.purpose === "verify")).toHaveLength(1);
      app.clock.advanceSeconds(30);
      expect((await app.challenge(attemptId)).ok).toBe(true);
      expect(app.auditTypes()).toContain("challenge.send_limited");
    });

    it("S16 5 sends per 15 minutes per destination", async () => {
      const { attemptId } = await app.start("alice", "mail-only");
      for (let i = 0; i < 4; i++) {
        unwrap(await app.challenge(attemptId));
        app.clock.advanceSeconds(31);
      }
      // 4 here plus the enrollment's code: the 5 of 15 minutes (the enrollment was more than 60 s ago, within 15 min).
      expect(errorOf(await app.challenge(attemptId)).code).toBe("too_many_sends");
    });

    it("a provider that refuses: delivery_unavailable; the attempt, counters and the old code are unchanged; later it works", async () => {
      const { attemptId } = await app.start("alice", "mail-only");
      unwrap(await app.challenge(attemptId));
      const old = app.delivery.lastCodeTo(NORMALIZED);
      app.clock.advanceSeconds(31);
      const before = {
        attempt: app.attempt(attemptId),
        challenges: app.store.challenges(TEST_TENANT),
        sends: app.store.sendCount(TEST_TENANT),
      };
      app.delivery.failing = "unavailable";
      expect(errorOf(await app.challenge(attemptId))).toMatchObject({ code: "delivery_unavailable", retryable: true });
      expect({
        attempt: app.attempt(attemptId),
        challenges: app.store.challenges(TEST_TENANT),
        sends: app.store.sendCount(TEST_TENANT),
      }).toEqual(before);
      app.delivery.failing = null;
      expect((await app.challenge(attemptId)).ok).toBe(true);
      expect(app.delivery.lastCodeTo(NORMALIZED)).not.toBe(undefined);
      void old;
    });

    it("a challenge on a TOTP step: challenge_not_supported; an unknown attempt: attempt_not_found", async () => {
      await app.enrollAndConfirm("alice", "app-then-mail", ["app"]);
      const { attemptId } = await app.start("alice", "app-then-mail");
      expect(errorOf(await app.challenge(attemptId)).code).toBe("challenge_not_supported");
      expect(errorOf(await app.challenge("nope")).code).toBe("attempt_not_found");
    });

    it("passes a chain TOTP → email; the audit shows the destination masked only, never a code", async () => {
      await app.enrollAndConfirm("alice", "app-then-mail", ["app"]);
      const { attemptId } = await app.start("alice", "app-then-mail");
      await app.passCurrentStep(attemptId);
      unwrap(await app.challenge(attemptId));
      const code = app.delivery.lastCodeTo(NORMALIZED);
      expect(outcome(await app.verify(attemptId, "mail", code))).toMatchObject({ success: true, complete: true });
      const audit = JSON.stringify(app.auditEvents());
      expect(audit).toContain("A***@example.com");
      expect(audit).not.toContain("Smith");
      for (const m of app.delivery.sent) if (m.kind === "challenge_code") expect(audit).not.toContain(`"${m.code}"`);
    });

    it("S30 a code of the enrollment's namespace does not pass a step", async () => {
      const enrollment = await app.enrollAny("bob", "mail-only", "mail", { destination: "bob@example.com" });
      const enrollCode = app.delivery.lastCodeTo("bob@example.com");
      await app.confirm("bob", enrollment);
      app.clock.advanceSeconds(60);
      const { attemptId } = await app.start("bob", "mail-only");
      expect(outcome(await app.verify(attemptId, "mail", enrollCode)).success).toBe(false);
    });
  });
});

describe("sms codes", () => {
  it("enrolls an E.164 number (masked), refuses others, and passes a step with a sent code", async () => {
    const app = new TestApp();
    await givenPolicy(app, "phone", false, "sms");
    expect(
      errorOf(
        await app.enrollFactor.execute({
          actor: adminKey(),
          userId: "alice",
          policyId: "phone",
          factorId: "mail",
          details: { destination: "07700900789" },
        }),
      ).code,
    ).toBe("invalid_input");
    const enrollment = await app.enrollAny("alice", "phone", "mail", { destination: "+44 7700 900789" });
    expect(enrollment.shown).toEqual({ destination: "+44*******789" });
    expect(app.delivery.sent[0]).toMatchObject({ channel: "sms", to: "+447700900789" });
    await app.confirm("alice", enrollment);
    app.clock.advanceSeconds(60);
    const { attemptId } = await app.start("alice", "phone");
    expect(unwrap(await app.challenge(attemptId))).toMatchObject({ delivery: "send", destination: "+44*******789" });
    expect(outcome(await app.verify(attemptId, "mail", app.delivery.lastCodeTo("+447700900789"))).success).toBe(true);
  });
});
