// Console operators over the in-memory fakes: the password then the operator's own chain into a session; failures of
// either on one counter; the session's pending, idle and absolute timeouts; sign-out; what creating an operator refuses.
import { beforeEach, describe, expect, it } from "vitest";
import { adminKey, consoleOperatorsOf, givenConsoleOperator, TestApp } from "../testing/index.js";
import { GetRelyingParty } from "../webauthn/relying-party.use-case.js";
import {
  CONSOLE_PASSKEY_FACTOR,
  CONSOLE_PASSKEY_POLICY,
  CONSOLE_TENANT,
  CONSOLE_TOTP_FACTOR,
  type ConsoleOperators,
  DEFAULT_SESSION_TIMEOUTS,
} from "./console.use-case.js";

const PASSWORD = "a long enough passphrase";
const session = (n: number) => n.toString(16).padStart(64, "0");

describe("ConsoleOperators", () => {
  let app: TestApp;
  let operators: ConsoleOperators;
  let operatorId: string;

  beforeEach(async () => {
    app = new TestApp();
    operators = consoleOperatorsOf(app);
    await operators.ensureConsole(); // and again in givenConsoleOperator: idempotent
    operatorId = await givenConsoleOperator(app, operators, "ann", PASSWORD);
  });

  const code = () => app.rightCode(operatorId, CONSOLE_TOTP_FACTOR, CONSOLE_TENANT);

  async function signIn(id: string): Promise<void> {
    expect((await operators.signInWithPassword({ username: "ann", password: PASSWORD, sessionId: id })).ok).toBe(true);
    const passed = await operators.submitCode({ sessionId: id, code: code() });
    expect(passed.ok && passed.value.signedIn).toBe(true);
  }

  it("signs in with the password then the chain's code; only then does the session resolve, audited as the operator", async () => {
    const first = await operators.signInWithPassword({ username: "ann", password: PASSWORD, sessionId: session(1) });
    expect(first.ok).toBe(true);
    expect(await operators.resolveSession(session(1))).toBeNull();
    const passed = await operators.submitCode({ sessionId: session(1), code: code() });
    expect(passed.ok && passed.value.signedIn).toBe(true);
    expect(await operators.resolveSession(session(1))).toEqual({ id: operatorId, username: "ann", role: "admin", scope: null });
    const audit = await app.listAuditEvents.execute({ actor: adminKey(CONSOLE_TENANT), userId: operatorId });
    expect(audit.events.map((e) => e.type)).toContain("operator.signed_in");
    expect(audit.events.find((e) => e.type === "operator.signed_in")?.actor).toEqual({ kind: "operator", id: operatorId });
  });

  it("a wrong password and an unknown name give the same answer; 5 wrong passwords lock, and the right one is refused then with that same answer", async () => {
    const unknown = await operators.signInWithPassword({ username: "nobody", password: PASSWORD, sessionId: session(2) });
    expect(!unknown.ok && unknown.error.code).toBe("sign_in_failed");
    for (let i = 0; i < 5; i += 1) {
      const wrong = await operators.signInWithPassword({ username: "ann", password: `wrong ${i}`, sessionId: session(3) });
      expect(!wrong.ok && wrong.error.code).toBe("sign_in_failed");
    }
    const locked = await operators.signInWithPassword({ username: "ann", password: PASSWORD, sessionId: session(4) });
    expect(!locked.ok && locked.error.code).toBe("sign_in_failed");
  });

  it("wrong codes count on the same counter as wrong passwords", async () => {
    for (let i = 0; i < 3; i += 1) await operators.signInWithPassword({ username: "ann", password: "wrong", sessionId: session(5) });
    expect((await operators.signInWithPassword({ username: "ann", password: PASSWORD, sessionId: session(6) })).ok).toBe(true);
    const wrongCode = () => app.wrongCode(operatorId, CONSOLE_TOTP_FACTOR, CONSOLE_TENANT);
    const one = await operators.submitCode({ sessionId: session(6), code: wrongCode() });
    expect(one.ok && one.value.outcome.failuresRemaining).toBe(1);
    const two = await operators.submitCode({ sessionId: session(6), code: wrongCode() });
    expect(two.ok && two.value.outcome.lockedUntil).not.toBeNull();
  });

  it("a code after the pending time, or for an unknown session, is refused", async () => {
    expect((await operators.signInWithPassword({ username: "ann", password: PASSWORD, sessionId: session(7) })).ok).toBe(true);
    app.clock.advance(DEFAULT_SESSION_TIMEOUTS.pendingMs);
    const late = await operators.submitCode({ sessionId: session(7), code: code() });
    expect(!late.ok && late.error.code).toBe("sign_in_failed");
    const unknown = await operators.submitCode({ sessionId: session(8), code: code() });
    expect(!unknown.ok && unknown.error.code).toBe("sign_in_failed");
  });

  it("idle and absolute timeouts end a session; sign-out ends it at once", async () => {
    await signIn(session(9));
    app.clock.advance(DEFAULT_SESSION_TIMEOUTS.idleMs - 1);
    expect(await operators.resolveSession(session(9))).not.toBeNull();
    app.clock.advance(DEFAULT_SESSION_TIMEOUTS.idleMs);
    expect(await operators.resolveSession(session(9))).toBeNull();

    app.nextPeriod();
    await signIn(session(10));
    const step = DEFAULT_SESSION_TIMEOUTS.idleMs / 2;
    let elapsed = 0;
    while (elapsed + step < DEFAULT_SESSION_TIMEOUTS.absoluteMs) {
      app.clock.advance(step);
      elapsed += step;
      expect(await operators.resolveSession(session(10))).not.toBeNull();
    }
    app.clock.advance(DEFAULT_SESSION_TIMEOUTS.absoluteMs - elapsed);
    expect(await operators.resolveSession(session(10))).toBeNull();

    app.nextPeriod();
    await signIn(session(11));
    await operators.signOut(session(11));
    expect(await operators.resolveSession(session(11))).toBeNull();
    await operators.signOut(session(12)); // unknown: nothing happens
  });

  it("refuses a bad name, a short password, an unknown scope, the console's own tenant as scope, and a taken name", async () => {
    const make = (o: Partial<{ username: string; password: string; scope: string | null }>) =>
      operators.createOperator({ username: "bob", password: PASSWORD, role: "viewer", scope: null, ...o });
    expect(await make({ username: "Bob Smith" })).toMatchObject({ ok: false, error: { code: "invalid_input" } });
    expect(await make({ password: "short" })).toMatchObject({ ok: false, error: { code: "invalid_input" } });
    expect(await make({ scope: "no-such-tenant" })).toMatchObject({ ok: false, error: { code: "tenant_not_found" } });
    expect(await make({ scope: CONSOLE_TENANT })).toMatchObject({ ok: false, error: { code: "invalid_input" } });
    expect(await make({ username: "ann" })).toMatchObject({ ok: false, error: { code: "operator_exists" } });
  });

  it("creates the passkey policy beside the app's, and keeps the console's relying party to the configuration's (audited when it changes)", async () => {
    expect(await app.uow.run((repos) => repos.policies.findLatest(CONSOLE_TENANT, CONSOLE_PASSKEY_POLICY))).toMatchObject({
      version: 1,
      factors: [{ id: CONSOLE_PASSKEY_FACTOR, type: "webauthn" }],
    });
    let rp = { id: "localhost", name: "console", origins: ["http://localhost:3000"] };
    const get = new GetRelyingParty({ uow: app.uow });
    const configured = consoleOperatorsOf(app, {
      relyingParty: { of: () => rp, get, set: app.setRelyingParty, warn: (m) => expect.fail(m) },
    });
    const admin = adminKey(CONSOLE_TENANT);
    const sets = async () =>
      (await app.listAuditEvents.execute({ actor: admin })).events.filter((e) => e.type === "webauthn.relying_party_set").length;
    await configured.ensureConsole();
    await configured.ensureConsole();
    expect(await get.execute({ actor: admin })).toMatchObject({ ok: true, value: rp });
    expect(await sets()).toBe(1);
    rp = { ...rp, origins: ["http://localhost:4000"] };
    await configured.ensureConsole();
    expect(await get.execute({ actor: admin })).toMatchObject({ ok: true, value: { origins: ["http://localhost:4000"] } });
    expect(await sets()).toBe(2);
  });

  it("never moves the relying party to another RP id while an operator has a passkey: keeps the stored one and warns, naming MFA_CONSOLE_ORIGIN", async () => {
    const localhost = { id: "localhost", name: "console", origins: ["http://localhost:3000"] };
    let rp = localhost;
    const warnings: string[] = [];
    const get = new GetRelyingParty({ uow: app.uow });
    const configured = consoleOperatorsOf(app, {
      relyingParty: { of: () => rp, get, set: app.setRelyingParty, warn: (m) => warnings.push(m) },
    });
    const admin = adminKey(CONSOLE_TENANT);
    await configured.ensureConsole();
    const actor = operators.actorFor(operatorId);
    await app.enrollAndConfirm(operatorId, CONSOLE_PASSKEY_POLICY, [CONSOLE_PASSKEY_FACTOR], actor);

    rp = { id: "console.example.com", name: "console", origins: ["https://console.example.com"] };
    await configured.ensureConsole();
    expect(await get.execute({ actor: admin })).toMatchObject({ ok: true, value: localhost });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^MFA_CONSOLE_ORIGIN: .*"localhost".*"console\.example\.com".*\(ann\)/);
    // The operator still signs in with the passkey, at the stored relying party.
    const first = await configured.signInWithPassword({ username: "ann", password: PASSWORD, sessionId: session(30) });
    expect(first).toMatchObject({ ok: true, value: { stage: "passkey" } });

    // Another origin on the same RP id is followed (the passkeys still work there).
    rp = { ...localhost, origins: ["http://localhost:4000"] };
    await configured.ensureConsole();
    expect(await get.execute({ actor: admin })).toMatchObject({ ok: true, value: rp });
    // Once no operator has a passkey, the new RP id is set.
    const [passkey] = (await app.uow.run((r) => r.credentials.listByUser(CONSOLE_TENANT, operatorId))).filter(
      (c) => c.factorId === CONSOLE_PASSKEY_FACTOR && c.status === "active",
    );
    expect(passkey).toBeDefined();
    expect((await app.revokeFactor.execute({ actor, userId: operatorId, credentialId: passkey?.id ?? "" })).ok).toBe(true);
    rp = { id: "console.example.com", name: "console", origins: ["https://console.example.com"] };
    await configured.ensureConsole();
    expect(await get.execute({ actor: admin })).toMatchObject({ ok: true, value: rp });
    expect(warnings).toHaveLength(1);
  });

  it("an operator without a passkey is asked for the app's code: no challenge, no assertion taken, nothing counted", async () => {
    const first = await operators.signInWithPassword({ username: "ann", password: PASSWORD, sessionId: session(20) });
    expect(first).toMatchObject({ ok: true, value: { stage: "code", nextFactor: { id: CONSOLE_TOTP_FACTOR } } });
    expect(await operators.signInChallenge({ sessionId: session(20) })).toMatchObject({
      ok: false,
      error: { code: "challenge_not_supported" },
    });
    expect(await operators.submitCode({ sessionId: session(20), assertion: "{}" })).toMatchObject({
      ok: false,
      error: { code: "invalid_input" },
    });
    const passed = await operators.submitCode({ sessionId: session(20), code: code() });
    expect(passed).toMatchObject({ ok: true, value: { signedIn: true, outcome: { failuresRemaining: 5 } } });
  });
});
