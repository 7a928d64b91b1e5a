// The operator commands over the in-memory fakes: disabling ends every session and refuses the password with the answer
// a wrong one gets, enabling undoes it; a password reset or an authenticator reset ends the sessions and clears the
// lockout; an authenticator reset revokes every active factor; each change audited with the system as the actor.
import { beforeEach, describe, expect, it } from "vitest";
import { adminKey, consoleOperatorsOf, fakePasswords as passwords, givenConsoleOperator, TestApp } from "../testing/index.js";
import { CONSOLE_POLICY, CONSOLE_TENANT, CONSOLE_TOTP_FACTOR, type ConsoleOperators } from "./console.use-case.js";
import { OperatorAdmin } from "./operator-admin.use-case.js";

const PASSWORD = "a long enough passphrase";
const NEW_PASSWORD = "another long passphrase";
const session = (n: number) => n.toString(16).padStart(64, "0");
const consoleAdmin = adminKey(CONSOLE_TENANT);

describe("OperatorAdmin", () => {
  let app: TestApp;
  let operators: ConsoleOperators;
  let admin: OperatorAdmin;
  let operatorId: string;

  beforeEach(async () => {
    app = new TestApp();
    operators = consoleOperatorsOf(app);
    admin = new OperatorAdmin({ uow: app.uow, clock: app.clock, passwords });
    operatorId = await givenConsoleOperator(app, operators, "ann", PASSWORD);
  });

  const code = () => app.rightCode(operatorId, CONSOLE_TOTP_FACTOR, CONSOLE_TENANT);
  const password = (p: string, n: number) => operators.signInWithPassword({ username: "ann", password: p, sessionId: session(n) });

  async function signIn(n: number, p = PASSWORD): Promise<void> {
    expect((await password(p, n)).ok).toBe(true);
    const passed = await operators.submitCode({ sessionId: session(n), code: code() });
    expect(passed.ok && passed.value.signedIn).toBe(true);
    expect(await operators.resolveSession(session(n))).not.toBeNull();
    app.nextPeriod();
  }

  async function auditTypes(): Promise<{ type: string; actor: unknown; data: unknown }[]> {
    const { events } = await app.listAuditEvents.execute({ actor: consoleAdmin, userId: operatorId });
    return events.map((e) => ({ type: e.type, actor: e.actor, data: e.data }));
  }

  it("disable: the right password gets a wrong password's answer, every session ends (half-way too); enable undoes it", async () => {
    await signIn(1);
    expect((await password(PASSWORD, 2)).ok).toBe(true); // half-way: password passed, no code yet

    const disabled = await admin.disable("ann");
    expect(disabled).toMatchObject({ ok: true, value: { disabled: true, changed: true, sessionsEnded: 2 } });
    expect(await operators.resolveSession(session(1))).toBeNull();
    const late = await operators.submitCode({ sessionId: session(2), code: code() });
    expect(!late.ok && late.error.code).toBe("sign_in_failed");
    const refused = await password(PASSWORD, 3);
    const wrong = await operators.signInWithPassword({ username: "ann", password: "a wrong password", sessionId: session(4) });
    expect(refused).toEqual(wrong);
    expect(!refused.ok && refused.error.code).toBe("sign_in_failed");
    expect(await admin.disable("ann")).toMatchObject({ ok: true, value: { disabled: true, changed: false, sessionsEnded: 0 } });

    expect(await admin.enable("ann")).toMatchObject({ ok: true, value: { disabled: false, changed: true } });
    await signIn(5);
    expect(await admin.enable("ann")).toMatchObject({ ok: true, value: { changed: false } });

    const types = await auditTypes();
    expect(types.filter((e) => e.type === "operator.disabled")).toEqual([
      { type: "operator.disabled", actor: { kind: "system" }, data: { sessionsEnded: 2 } },
    ]);
    expect(types.filter((e) => e.type === "operator.enabled")).toHaveLength(1);
  });

  it("a disable or a password reset that lands between the password's check and its session: no sign-in comes of it", async () => {
    for (const [n, command] of [
      [10, () => admin.disable("ann")],
      [11, () => admin.resetPassword("ann", NEW_PASSWORD)],
    ] as const) {
      // The command runs once the password was found right, before the session is opened (while the chain starts).
      let ran = false;
      const racing = consoleOperatorsOf(app, {
        startAttempt: {
          execute: async (input) => {
            if (!ran) expect((await command()).ok).toBe(true);
            ran = true;
            return app.startAttempt.execute(input);
          },
        } as typeof app.startAttempt,
      });
      const signed = await racing.signInWithPassword({ username: "ann", password: PASSWORD, sessionId: session(n) });
      expect(ran).toBe(true);
      expect(!signed.ok && signed.error.code).toBe("sign_in_failed");
      const late = await racing.submitCode({ sessionId: session(n), code: code() });
      expect(!late.ok && late.error.code).toBe("sign_in_failed");
      expect(await racing.resolveSession(session(n))).toBeNull();
      expect((await admin.enable("ann")).ok).toBe(true);
      app.nextPeriod();
    }
  });

  it("reset password: the old one is refused, the new one works, sessions end and the lockout is cleared", async () => {
    await signIn(1);
    for (let i = 0; i < 5; i += 1) await password(`wrong ${i}`, 2); // locked now
    expect((await password(PASSWORD, 3)).ok).toBe(false);

    const reset = await admin.resetPassword("ann", NEW_PASSWORD);
    expect(reset).toMatchObject({ ok: true, value: { disabled: false, sessionsEnded: 1 } });
    expect(await operators.resolveSession(session(1))).toBeNull();
    expect((await password(PASSWORD, 4)).ok).toBe(false);
    await signIn(5, NEW_PASSWORD);

    const types = await auditTypes();
    expect(types.find((e) => e.type === "operator.password_reset")).toEqual({
      type: "operator.password_reset",
      actor: { kind: "system" },
      data: { sessionsEnded: 1, unlocked: true },
    });
    expect(types.find((e) => e.type === "user.unlocked")).toMatchObject({ actor: { kind: "system" }, data: { wasLocked: true } });
  });

  it("reset authenticator: every active factor is revoked, sessions end, the lockout is cleared, and a new one enrolls as a first enrollment", async () => {
    await signIn(1);
    for (let i = 0; i < 2; i += 1) await password(`wrong ${i}`, 2);
    const before = await app.listFactors.execute({ actor: consoleAdmin, userId: operatorId });
    expect(before.filter((f) => f.status === "active")).toHaveLength(1);

    const reset = await admin.resetAuthenticator("ann");
    if (!reset.ok) throw new Error(reset.error.message);
    expect(reset.value.revoked).toEqual(before.map((f) => f.id));
    expect(reset.value.sessionsEnded).toBe(1);
    expect(await operators.resolveSession(session(1))).toBeNull();
    const after = await app.listFactors.execute({ actor: consoleAdmin, userId: operatorId });
    expect(after.every((f) => f.status === "revoked")).toBe(true);
    // No factor left: the password alone does not open a session.
    expect((await password(PASSWORD, 3)).ok).toBe(false);

    // The operator's own actor may enroll again (a first enrollment), then signs in with the new authenticator.
    const actor = { ...operators.actorFor(operatorId), role: "service" as const };
    await app.confirm(operatorId, await app.enroll(operatorId, CONSOLE_POLICY, CONSOLE_TOTP_FACTOR, { actor }), actor);
    app.nextPeriod();
    await signIn(4);

    const types = await auditTypes();
    expect(types.find((e) => e.type === "operator.authenticator_reset")).toEqual({
      type: "operator.authenticator_reset",
      actor: { kind: "system" },
      data: { revoked: 1, sessionsEnded: 1, unlocked: true },
    });
    expect(types.filter((e) => e.type === "factor.revoked")).toHaveLength(1);
  });

  it("refuses an unknown operator and a bad new password, changing nothing", async () => {
    for (const result of [
      await admin.disable("nobody"),
      await admin.enable("nobody"),
      await admin.resetPassword("nobody", NEW_PASSWORD),
      await admin.resetAuthenticator("nobody"),
    ]) {
      expect(result).toMatchObject({ ok: false, error: { code: "operator_not_found", message: 'no operator "nobody"' } });
    }
    expect(await admin.resetPassword("ann", "short")).toMatchObject({ ok: false, error: { code: "invalid_input" } });
    expect(await admin.resetPassword("ann", "x".repeat(1025))).toMatchObject({ ok: false, error: { code: "invalid_input" } });
    await signIn(1);
    const types = (await auditTypes()).map((e) => e.type);
    expect(types).toContain("operator.signed_in");
    expect(types.filter((t) => /^operator\.(disabled|enabled|password_reset|authenticator_reset)$/.test(t))).toEqual([]);
  });
});
