/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are JSON that each test asserts field by field */
// Console operators' passkeys over HTTP on a real PostgreSQL (issue 15): a signed-in operator registers a passkey
// (/console/passkeys, session + CSRF, a recent sign-in), then signs in with the password and the passkey
// (POST /console/session/challenge, then the assertion to /console/session/code); an operator without one still uses
// the authenticator app. The real ceremony (@simplewebauthn/server behind packages/webauthn) and a software
// authenticator of real keys; the console's relying party is localhost on the port the API listens on.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { SoftwareAuthenticator } from "@mfa-chain/webauthn/testing";
import { Writable } from "node:stream";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "./support/api.js";
import { OPERATOR_PASSWORD, consoleOperator, type ConsoleBrowser } from "./support/console.js";

const database = useTestDatabase("api_console_passkey");
let api: TestApi;
let origin: string;

beforeAll(async () => {
  api = await startTestApi(database.url);
  origin = `http://localhost:${new URL(api.url).port}`;
});
afterAll(async () => api?.close());

/** A new operator signed in with the authenticator app, and an authenticator for the console's relying party. */
async function signedIn() {
  const made = await consoleOperator(api, "viewer", null);
  await made.browser.signIn(made.username);
  return { ...made, auth: new SoftwareAuthenticator("ES256", "localhost", origin) };
}

/** Registers the authenticator's passkey for the signed-in operator; answers the confirmed factor. */
async function registerPasskey(browser: ConsoleBrowser, auth: SoftwareAuthenticator) {
  const started = await browser.send("POST", "/console/passkeys");
  expect(started.status).toBe(201);
  const confirmed = await browser.send("POST", `/console/passkeys/${started.body.factor.id}/confirm`, undefined, {
    response: auth.register(started.body.publicKey.challenge),
  });
  expect(confirmed.body).toMatchObject({ confirmed: true, factor: { status: "active", type: "webauthn", factorId: "passkey" } });
  return confirmed.body.factor;
}

/** Signs out and passes the password again: the answer names the next factor. */
async function passwordAgain(browser: ConsoleBrowser, username: string) {
  expect((await browser.send("DELETE", "/console/session")).status).toBe(204);
  browser.csrf = null;
  const first = await browser.call("POST", "/console/session", { username, password: OPERATOR_PASSWORD });
  expect(first.status).toBe(200);
  return first.body;
}

const challenge = async (browser: ConsoleBrowser) => {
  const issued = await browser.call("POST", "/console/session/challenge");
  expect(issued.status).toBe(200);
  return issued.body.publicKey.challenge as string;
};

async function auditOf(operatorId: string): Promise<{ type: string; actor_id: string | null }[]> {
  const c = new pg.Client({ connectionString: database.url });
  await c.connect();
  try {
    const { rows } = await c.query("select type, actor_id from audit_events where tenant_id = '_console' and user_id = $1 order by seq", [
      operatorId,
    ]);
    return rows;
  } finally {
    await c.end();
  }
}

describe("registering a passkey (/console/passkeys)", () => {
  it("needs a session (401) and its CSRF token (403), changing nothing", async () => {
    const { browser } = await signedIn();
    const csrf = browser.csrf;
    browser.csrf = null;
    const noCsrf = await browser.send("POST", "/console/passkeys");
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.headers.get("content-type")).toContain("application/problem+json");
    expect((await browser.send("GET", "/console/passkeys")).status).toBe(403);
    browser.csrf = csrf;
    expect((await browser.send("GET", "/console/passkeys")).body).toEqual({ passkeys: [] });
    const cookie = browser.cookie;
    browser.cookie = null;
    const noSession = await browser.send("POST", "/console/passkeys");
    expect(noSession.status).toBe(401);
    expect(noSession.body.code).toBe("unauthorized");
    browser.cookie = cookie;
    expect((await browser.send("GET", "/console/passkeys")).body).toEqual({ passkeys: [] });
  });

  it("answers creation options for the console's relying party (localhost), refuses a registration from another origin (counted), then registers", async () => {
    const { browser, auth, id } = await signedIn();
    const started = await browser.send("POST", "/console/passkeys");
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      factor: { status: "pending", type: "webauthn" },
      publicKey: { rp: { id: "localhost" }, authenticatorSelection: { userVerification: "required" } },
    });
    const elsewhere = new SoftwareAuthenticator("ES256", "localhost", "http://localhost:1");
    const refused = await browser.send("POST", `/console/passkeys/${started.body.factor.id}/confirm`, undefined, {
      response: elsewhere.register(started.body.publicKey.challenge),
    });
    expect(refused.body).toMatchObject({ confirmed: false, failuresRemaining: 4 });
    expect((await browser.send("GET", "/console/passkeys")).body.passkeys).toEqual([]);
    const factor = await registerPasskey(browser, auth);
    const listed = await browser.send("GET", "/console/passkeys");
    expect(listed.body.passkeys).toEqual([expect.objectContaining({ id: factor.id, status: "active" })]);
    const audit = await auditOf(id);
    expect(audit.filter((e) => e.type === "factor.confirmed")).toContainEqual({ type: "factor.confirmed", actor_id: id });
  });

  it("refuses bad input with 400 problem+json: a malformed registration, an id that is not one", async () => {
    const { browser } = await signedIn();
    const started = await browser.send("POST", "/console/passkeys");
    const bad = await browser.send("POST", `/console/passkeys/${started.body.factor.id}/confirm`, undefined, { response: { id: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect((await browser.send("POST", "/console/passkeys/not%20an%20id/confirm", undefined, { response: {} })).status).toBe(400);
    expect((await browser.send("DELETE", "/console/passkeys/nope")).status).toBe(404);
  });

  it("needs a sign-in of the last 5 minutes to register or remove (reauthentication_required)", async () => {
    const { browser, auth } = await signedIn();
    const factor = await registerPasskey(browser, auth);
    api.clock.advance(301_000);
    try {
      const late = await browser.send("POST", "/console/passkeys");
      expect(late.status).toBe(403);
      expect(late.body.code).toBe("reauthentication_required");
      expect((await browser.send("DELETE", `/console/passkeys/${factor.id}`)).body.code).toBe("reauthentication_required");
      expect((await browser.send("GET", "/console/passkeys")).body.passkeys).toHaveLength(1);
    } finally {
      api.clock.advance(-301_000);
    }
  });
});

describe("signing in with a passkey", () => {
  it("after the password the next factor is the passkey: the challenge, a wrong origin refused and counted, then the right assertion signs in", async () => {
    const { browser, auth, username, id } = await signedIn();
    const factor = await registerPasskey(browser, auth);
    const first = await passwordAgain(browser, username);
    expect(first).toMatchObject({ stage: "passkey", nextFactor: { id: "passkey", type: "webauthn", label: "Passkey" } });
    // The authenticator app's code does not pass a passkey step, and is not counted.
    const code = await browser.call("POST", "/console/session/code", { code: browser.code() });
    expect(code.status).toBe(400);
    expect(code.body.code).toBe("invalid_input");
    const issued = await browser.call("POST", "/console/session/challenge");
    expect(issued.body).toMatchObject({ factorId: "passkey", publicKey: { rpId: "localhost", userVerification: "required" } });
    expect(issued.body.publicKey.allowCredentials).toEqual([expect.objectContaining({ id: auth.credentialIdB64 })]);
    const wrong = await browser.call("POST", "/console/session/code", {
      response: auth.assert(issued.body.publicKey.challenge, { origin: "https://evil.example.net" }),
    });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ signedIn: false, failuresRemaining: 4, session: null });
    expect((await browser.call("GET", "/console/session")).status).toBe(401);
    const right = await browser.call("POST", "/console/session/code", { response: auth.assert(await challenge(browser)) });
    expect(right.body).toMatchObject({ signedIn: true, session: { operator: { id, username } } });
    browser.csrf = right.body.session.csrfToken;
    expect((await browser.send("GET", "/console/passkeys")).body.passkeys).toEqual([expect.objectContaining({ id: factor.id })]);
    const types = (await auditOf(id)).map((e) => e.type);
    expect(types.filter((t) => t === "operator.signed_in")).toHaveLength(2);
    expect(types).toContain("attempt.step_failed");
  });

  it("an operator without a passkey still signs in with the authenticator app; its step takes no challenge and no assertion", async () => {
    const { browser, username } = await signedIn();
    const first = await passwordAgain(browser, username);
    expect(first).toMatchObject({ stage: "code", nextFactor: { id: "totp", type: "totp" } });
    const issued = await browser.call("POST", "/console/session/challenge");
    expect(issued.status).toBe(409);
    expect(issued.body.code).toBe("challenge_not_supported");
    const assertion = new SoftwareAuthenticator("ES256", "localhost", origin).assert("AAAA");
    expect((await browser.call("POST", "/console/session/code", { response: assertion })).status).toBe(400);
    expect((await browser.call("POST", "/console/session/code", { code: "1", response: assertion })).status).toBe(400);
    // A code is accepted once, and at most one step ahead: the next sign-in's code is from the next 30 seconds.
    api.clock.advance(30_000);
    const right = await browser.call("POST", "/console/session/code", { code: browser.code() });
    expect(right.body).toMatchObject({ signedIn: true, failuresRemaining: 5 });
  });

  it("no challenge without a sign-in in progress", async () => {
    const { browser } = await signedIn();
    // Signed in already: nothing is half-way.
    expect((await browser.call("POST", "/console/session/challenge")).body.code).toBe("sign_in_failed");
    browser.cookie = null;
    const none = await browser.call("POST", "/console/session/challenge");
    expect(none.status).toBe(401);
    expect(none.body.code).toBe("sign_in_failed");
  });

  it("the lockout holds: 5 refused assertions lock the operator; then no challenge, and the right password fails too", async () => {
    const { browser, auth, username } = await signedIn();
    await registerPasskey(browser, auth);
    await passwordAgain(browser, username);
    let last: any;
    for (let i = 0; i < 5; i++) {
      last = await browser.call("POST", "/console/session/code", { response: auth.assert(await challenge(browser), { rpId: "evil.com" }) });
      expect(last.body.signedIn).toBe(false);
    }
    expect(last.body).toMatchObject({ failuresRemaining: 0, lockedUntil: expect.any(String) });
    const locked = await browser.call("POST", "/console/session/challenge");
    expect(locked.status).toBe(423);
    expect(locked.body.code).toBe("user_locked");
    const again = await browser.call("POST", "/console/session", { username, password: OPERATOR_PASSWORD });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe("sign_in_failed");
  });
});

describe("removing a passkey", () => {
  it("removes it (the operator signs in with the authenticator app again), but never the last factor they can sign in with", async () => {
    const { browser, auth, username, id } = await signedIn();
    const factor = await registerPasskey(browser, auth);
    // Without the authenticator app, the passkey is all the operator can sign in with.
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    try {
      await c.query(
        "update credentials set status = 'revoked', revoked_at = now() where tenant_id = '_console' and user_id = $1 and factor_id = 'totp'",
        [id],
      );
      const refused = await browser.send("DELETE", `/console/passkeys/${factor.id}`);
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe("last_sign_in_factor");
      expect((await browser.send("GET", "/console/passkeys")).body.passkeys).toHaveLength(1);
      await c.query(
        "update credentials set status = 'active', revoked_at = null where tenant_id = '_console' and user_id = $1 and factor_id = 'totp'",
        [id],
      );
    } finally {
      await c.end();
    }
    const removed = await browser.send("DELETE", `/console/passkeys/${factor.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body.factor).toMatchObject({ id: factor.id, status: "revoked" });
    expect((await browser.send("GET", "/console/passkeys")).body.passkeys).toEqual([]);
    expect((await passwordAgain(browser, username)).nextFactor).toMatchObject({ type: "totp" });
  });

  it("refuses another operator's passkey (404), leaving it in place", async () => {
    const owner = await signedIn();
    const factor = await registerPasskey(owner.browser, owner.auth);
    const other = await signedIn();
    expect((await other.browser.send("DELETE", `/console/passkeys/${factor.id}`)).status).toBe(404);
    expect((await owner.browser.send("GET", "/console/passkeys")).body.passkeys).toHaveLength(1);
  });
});

describe("the console's origin moving to another host while operators have passkeys", () => {
  it("keeps the relying party the passkeys belong to (they still sign in) and warns naming MFA_CONSOLE_ORIGIN", async () => {
    const { browser, auth, username, id } = await signedIn();
    await registerPasskey(browser, auth);
    const stored = async () => {
      const c = new pg.Client({ connectionString: database.url });
      await c.connect();
      try {
        const { rows } = await c.query("select rp_id, origins from webauthn_relying_parties where tenant_id = '_console'");
        return rows;
      } finally {
        await c.end();
      }
    };
    const before = await stored();
    expect(before).toEqual([{ rp_id: "localhost", origins: [origin] }]);
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const moved = await startTestApi(
      database.url,
      { MFA_SECRET_KEYS: api.keySpec, MFA_CONSOLE_ORIGIN: "https://console.example.com", LOG_LEVEL: "warn" },
      { logger: pino({ level: "warn" }, stream) },
    );
    await moved.close();
    expect(await stored()).toEqual(before);
    const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => /MFA_CONSOLE_ORIGIN/.test(l.msg));
    expect(warning?.level).toBe(40);
    expect(warning?.msg).toContain(username);
    // The operator still signs in with the passkey at the console's origin.
    await passwordAgain(browser, username);
    const right = await browser.call("POST", "/console/session/code", { response: auth.assert(await challenge(browser)) });
    expect(right.body).toMatchObject({ signedIn: true, session: { operator: { id, username } } });
  });
});
