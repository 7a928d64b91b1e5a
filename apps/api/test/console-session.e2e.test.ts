/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are JSON that each test asserts field by field */
// The admin console's sign-in and sessions over HTTP on a real PostgreSQL (issue 15): the password then the operator's
// own chain (TOTP) into a session cookie; /v1 with the session and its CSRF token, scoped to the operator's tenant and
// role; no data without a session; idle and absolute timeouts; sign-out; lockout under parallel wrong passwords.
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { decodeBase32, generateTotp, timeStepAt } from "@mfa-chain/totp";
import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, twoFactorPolicy, uniqueId, type ApiClient, type TestApi } from "./support/api.js";
import { ConsoleBrowser, OPERATOR_PASSWORD as PASSWORD, consoleOperator } from "./support/console.js";

const database = useTestDatabase("api_console");
const demoDatabase = useTestDatabase("api_console_demo");
let api: TestApi;
let tenantA: { tenantId: string; apiKey: string; client: ApiClient };
let tenantB: { tenantId: string; apiKey: string; client: ApiClient };

beforeAll(async () => {
  api = await startTestApi(database.url);
  tenantA = await api.tenant("admin");
  tenantB = await api.tenant("admin");
  expect((await tenantA.client.post("/v1/policies", twoFactorPolicy("login"))).status).toBe(201);
  expect((await tenantB.client.post("/v1/policies", twoFactorPolicy("secret-login"))).status).toBe(201);
});
afterAll(async () => {
  await api?.close();
});

describe("console sign-in", () => {
  it("passes the password then the operator's TOTP chain: an HttpOnly, SameSite=Strict session cookie, then /v1 as the operator", async () => {
    const { username, id, browser } = await consoleOperator(api, "admin", tenantA.tenantId);
    const first = await browser.call("POST", "/console/session", { username, password: PASSWORD });
    expect(first.status).toBe(200);
    const setCookie = first.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^mfa_console=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    // Half-way (password only) is not signed in.
    expect((await browser.call("GET", "/console/session")).status).toBe(401);
    const wrong = await browser.call("POST", "/console/session/code", { code: "000000" });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ signedIn: false, session: null });
    const right = await browser.call("POST", "/console/session/code", { code: browser.code() });
    expect(right.body).toMatchObject({ signedIn: true, session: { operator: { id, username, role: "admin", scope: tenantA.tenantId } } });
    browser.csrf = right.body.session.csrfToken;
    const session = await browser.call("GET", "/console/session");
    expect(session.status).toBe(200);
    expect(session.body.csrfToken).toBe(browser.csrf);
    expect(session.headers.get("cache-control")).toBe("no-store");
    const policies = await browser.send("GET", "/v1/policies");
    expect(policies.status).toBe(200);
    expect(policies.body.policies.map((p: any) => p.id)).toEqual(["login"]);
  });

  it("every operator action is audited with the operator's id as the actor", async () => {
    const { username, id, browser } = await consoleOperator(api, "admin", tenantA.tenantId);
    await browser.signIn(username);
    const userId = uniqueId("u");
    expect((await browser.send("POST", `/v1/users/${userId}/unlock`)).status).toBe(200);
    const events = await tenantA.client.get(`/v1/audit-events?userId=${userId}`);
    expect(events.body.events).toEqual([expect.objectContaining({ type: "user.unlocked", actor: { kind: "operator", id } })]);
  });

  it("an unknown operator and a wrong password get the same 401 sign_in_failed, and set no cookie", async () => {
    const { username, browser } = await consoleOperator(api, "viewer", tenantA.tenantId);
    const wrong = await browser.call("POST", "/console/session", { username, password: "not the passphrase" });
    const unknown = await browser.call("POST", "/console/session", { username: "nobody-at-all", password: PASSWORD });
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.body.code).toBe("sign_in_failed");
      expect(r.headers.get("set-cookie")).toBeNull();
    }
    expect((await browser.call("POST", "/console/session", { username, password: PASSWORD, extra: 1 })).status).toBe(400);
  });

  it("a code without a sign-in in progress is refused (401 sign_in_failed)", async () => {
    const browser = new ConsoleBrowser(api, "JBSWY3DPEHPK3PXP");
    const r = await browser.call("POST", "/console/session/code", { code: "123456" });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe("sign_in_failed");
  });
});

describe("console sessions guard the data", () => {
  it("no data without a session: /v1 with no cookie, a made-up cookie, or a half-way session is 401", async () => {
    const stranger = new ConsoleBrowser(api, "JBSWY3DPEHPK3PXP");
    expect((await stranger.send("GET", "/v1/policies")).status).toBe(401);
    stranger.cookie = `mfa_console=${"A".repeat(43)}`;
    stranger.csrf = "whatever";
    expect((await stranger.send("GET", "/v1/policies")).status).toBe(403); // a wrong CSRF token is refused first
    const { username, browser } = await consoleOperator(api, "admin", tenantA.tenantId);
    expect((await browser.call("POST", "/console/session", { username, password: PASSWORD })).status).toBe(200);
    const { csrfTokenFor } = await import("../src/http/console-session.js");
    browser.csrf = csrfTokenFor((browser.cookie as string).slice("mfa_console=".length));
    const halfWay = await browser.send("GET", "/v1/policies");
    expect(halfWay.status).toBe(401);
    expect(halfWay.body.code).toBe("unauthorized");
  });

  it("a missing or wrong CSRF token → 403, on reads and writes alike, and nothing changes", async () => {
    const { username, browser } = await consoleOperator(api, "admin", tenantA.tenantId);
    await browser.signIn(username);
    const csrf = browser.csrf as string;
    browser.csrf = null;
    const read = await browser.send("GET", "/v1/policies");
    expect(read.status).toBe(403);
    expect(read.body.code).toBe("forbidden");
    const write = await browser.send("POST", "/v1/policies", undefined, { ...twoFactorPolicy("sneaky") });
    expect(write.status).toBe(403);
    browser.csrf = `${csrf.slice(0, -1)}${csrf.endsWith("A") ? "B" : "A"}`;
    expect((await browser.send("DELETE", "/v1/policies/login")).status).toBe(403);
    expect((await browser.call("DELETE", "/console/session")).status).toBe(403);
    browser.csrf = csrf;
    expect((await browser.send("GET", "/v1/policies/sneaky")).status).toBe(404);
    expect((await browser.send("GET", "/v1/policies/login")).status).toBe(200);
  });

  it("tenant isolation: an operator of one tenant cannot read another's, even naming it", async () => {
    const { username, browser } = await consoleOperator(api, "admin", tenantA.tenantId);
    await browser.signIn(username);
    const other = await browser.send("GET", "/v1/policies", tenantB.tenantId);
    expect(other.status).toBe(403);
    expect(JSON.stringify(other.body)).not.toContain("secret-login");
    expect((await browser.send("GET", "/v1/policies/secret-login", tenantB.tenantId)).status).toBe(403);
    expect((await browser.send("GET", "/v1/audit-events", tenantB.tenantId)).status).toBe(403);
    // Nor the console's own tenant (the operators' credentials).
    expect((await browser.send("GET", "/v1/policies", "console")).status).toBe(403);
    // Its own tenant, named or not, is fine; and it never sees the other's policy there.
    const own = await browser.send("GET", "/v1/policies", tenantA.tenantId);
    expect(own.status).toBe(200);
    expect(own.body.policies.map((p: any) => p.id)).toEqual(["login"]);
  });

  it("an operator of every tenant names the tenant in Mfa-Tenant (400 without it), but never the console's", async () => {
    const { username, browser } = await consoleOperator(api, "admin", null);
    await browser.signIn(username);
    expect((await browser.send("GET", "/v1/policies")).status).toBe(400);
    expect((await browser.send("GET", "/v1/policies", tenantB.tenantId)).body.policies.map((p: any) => p.id)).toEqual(["secret-login"]);
    expect((await browser.send("GET", "/v1/policies", tenantA.tenantId)).body.policies.map((p: any) => p.id)).toEqual(["login"]);
    // The console's own tenant is outside the tenant-id grammar: no header can name it.
    expect((await browser.send("GET", "/v1/policies", "_console")).status).toBe(400);
    expect((await browser.send("GET", "/v1/policies", "Not A Tenant!")).status).toBe(400);
  });

  it("a viewer reads but cannot change anything (403), and nothing changes", async () => {
    const { username, browser } = await consoleOperator(api, "viewer", tenantA.tenantId);
    await browser.signIn(username);
    expect((await browser.send("GET", "/v1/policies")).status).toBe(200);
    const userId = uniqueId("u");
    const unlock = await browser.send("POST", `/v1/users/${userId}/unlock`);
    expect(unlock.status).toBe(403);
    expect((await browser.send("POST", "/v1/policies", undefined, twoFactorPolicy("viewer-made"))).status).toBe(403);
    expect((await tenantA.client.get("/v1/policies/viewer-made")).status).toBe(404);
  });

  it("signing out ends the session: the same cookie is refused afterwards", async () => {
    const { username, browser } = await consoleOperator(api, "admin", tenantA.tenantId);
    await browser.signIn(username);
    const cookie = browser.cookie;
    const out = await browser.call("DELETE", "/console/session", undefined, { "x-csrf-token": browser.csrf as string });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^mfa_console=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
    browser.cookie = cookie;
    expect((await browser.send("GET", "/v1/policies")).status).toBe(401);
    expect((await browser.call("GET", "/console/session")).status).toBe(401);
  });

  it("idle timeout: 30 minutes without a request ends the session; activity keeps it; 12 hours end it whatever", async () => {
    const { username, browser } = await consoleOperator(api, "admin", tenantA.tenantId);
    await browser.signIn(username);
    // Active every 20 minutes: still signed in after an hour.
    for (let i = 0; i < 3; i += 1) {
      api.clock.advance(20 * 60_000);
      expect((await browser.send("GET", "/v1/policies")).status).toBe(200);
    }
    api.clock.advance(31 * 60_000);
    expect((await browser.send("GET", "/v1/policies")).status).toBe(401);

    const second = await consoleOperator(api, "admin", tenantA.tenantId);
    await second.browser.signIn(second.username);
    for (let i = 0; i < 37; i += 1) {
      api.clock.advance(20 * 60_000);
      const r = await second.browser.send("GET", "/v1/policies");
      expect(r.status).toBe(i < 35 ? 200 : 401); // 36 × 20 min = 12 h
    }
  });
});

describe("console lockout", () => {
  it("20 parallel wrong passwords lock the operator: at most 5 counted, all answered 401 like an unknown name, and then even the right password is refused", async () => {
    const { username, id, browser } = await consoleOperator(api, "admin", tenantA.tenantId);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${api.url}/console/session`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username, password: `wrong guess ${i}` }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as any })),
      ),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(replies.every((r) => r.body.code === "sign_in_failed")).toBe(true);
    // The lock holds for the right password too, and no session is opened; the answer is an unknown name's.
    const right = await browser.call("POST", "/console/session", { username, password: PASSWORD });
    const unknown = await fetch(`${api.url}/console/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "no-such-operator", password: PASSWORD }),
    });
    expect(right.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(right.body).toEqual(await unknown.json());
    expect(right.headers.get("retry-after")).toBeNull();
    expect(browser.cookie).toBeNull();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const counted = await client.query(
        "select count(*)::int as n from audit_events where tenant_id = '_console' and user_id = $1 and type = 'operator.sign_in_failed' and data->>'reason' = 'password'",
        [id],
      );
      expect(counted.rows[0].n).toBe(5);
      const lock = await client.query(
        "select consecutive_failures, locked_until from lockouts where tenant_id = '_console' and user_id = $1",
        [id],
      );
      expect(lock.rows[0].consecutive_failures).toBe(5);
      expect(lock.rows[0].locked_until).not.toBeNull();
    } finally {
      await client.end();
    }
  });

  it("wrong codes count on the same counter: the operator's chain locks them out too", async () => {
    const { username, browser } = await consoleOperator(api, "admin", tenantA.tenantId);
    expect((await browser.call("POST", "/console/session", { username, password: PASSWORD })).status).toBe(200);
    const replies = await Promise.all(Array.from({ length: 20 }, () => browser.call("POST", "/console/session/code", { code: "000000" })));
    const lockedOut = replies.filter((r) => r.status === 423 || r.body?.lockedUntil !== null);
    expect(lockedOut.length).toBeGreaterThan(0);
    const right = await browser.call("POST", "/console/session/code", { code: browser.code() });
    expect(right.status).toBe(423);
    expect((await browser.call("POST", "/console/session", { username, password: PASSWORD })).status).toBe(401);
  });
});

describe("console demo operator", () => {
  it("demo mode creates a demo operator once, its password and authenticator secret handed over to show once, and it signs in", async () => {
    const demo = await startTestApi(null, { MFA_DEMO: "true" });
    try {
      const started = await demo.server.started;
      const created = started.demoOperator?.created;
      expect(started.demoOperator?.username).toBe("demo-admin");
      expect(created?.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
      expect(created?.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
      const first = await fetch(`${demo.url}/console/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "demo-admin", password: created?.password }),
      });
      expect(first.status).toBe(200);
      const cookie = (first.headers.get("set-cookie") ?? "").split(";")[0] as string;
      const step = timeStepAt(demo.clock.now(), 30) + 1;
      const code = generateTotp(decodeBase32(created?.totpSecret ?? ""), step * 30_000, { algorithm: "SHA1", digits: 6, period: 30 });
      const second = await fetch(`${demo.url}/console/session/code`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie },
        body: JSON.stringify({ code }),
      });
      const body = (await second.json()) as any;
      expect(body.signedIn).toBe(true);
      // An operator of every tenant, working on the demo tenant.
      const policies = await fetch(`${demo.url}/v1/policies`, {
        headers: { cookie, "x-csrf-token": body.session.csrfToken, "mfa-tenant": "demo" },
      });
      expect(policies.status).toBe(200);
    } finally {
      await demo.close();
    }
  });
});

describe("the tenant's API keys from the console", () => {
  it("an admin operator issues a key (shown once), lists it without the key, revokes it, and the API refuses it from then on; audited as the operator", async () => {
    const { username, id, browser } = await consoleOperator(api, "admin", tenantA.tenantId);
    await browser.signIn(username);
    const issued = await browser.send("POST", "/v1/api-keys", undefined, { name: "billing", role: "service" });
    expect(issued.status).toBe(201);
    expect(issued.headers.get("cache-control")).toBe("no-store");
    const key = issued.body.apiKey as string;
    const asKey = () => fetch(`${api.url}/v1/policies`, { headers: { authorization: `Bearer ${key}` } });
    expect((await asKey()).status).toBe(200);
    const listed = await browser.send("GET", "/v1/api-keys");
    expect(listed.body.keys).toContainEqual(
      expect.objectContaining({ keyId: issued.body.keyId, name: "billing", role: "service", revokedAt: null }),
    );
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect((await browser.send("POST", `/v1/api-keys/${issued.body.keyId}/revoke`)).status).toBe(200);
    expect((await asKey()).status).toBe(401);
    expect((await browser.send("POST", `/v1/api-keys/${issued.body.keyId}/revoke`)).status).toBe(404);
    const events = (await tenantA.client.get("/v1/audit-events?type=api_key.issued&type=api_key.revoked")).body.events as any[];
    const mine = events.filter((e) => e.data.keyId === issued.body.keyId);
    expect(mine.map((e) => [e.type, e.actor])).toEqual([
      ["api_key.revoked", { kind: "operator", id }],
      ["api_key.issued", { kind: "operator", id }],
    ]);
  });

  it("an API key, a viewer, or an operator of another tenant cannot manage a tenant's keys", async () => {
    const keys = await tenantA.client.get("/v1/api-keys");
    expect(keys.status).toBe(403);
    expect((await tenantA.client.post("/v1/api-keys", { name: "sneaky", role: "admin" })).status).toBe(403);
    const viewer = await consoleOperator(api, "viewer", tenantA.tenantId);
    await viewer.browser.signIn(viewer.username);
    expect((await viewer.browser.send("GET", "/v1/api-keys")).status).toBe(403);
    expect((await viewer.browser.send("POST", "/v1/api-keys", undefined, { name: "sneaky", role: "admin" })).status).toBe(403);
    const admin = await consoleOperator(api, "admin", tenantA.tenantId);
    await admin.browser.signIn(admin.username);
    const victim = (await admin.browser.send("POST", "/v1/api-keys", undefined, { name: "victim", role: "service" })).body;
    const outsider = await consoleOperator(api, "admin", tenantB.tenantId);
    await outsider.browser.signIn(outsider.username);
    expect((await outsider.browser.send("POST", `/v1/api-keys/${victim.keyId}/revoke`)).status).toBe(404);
    expect((await outsider.browser.send("GET", "/v1/api-keys")).body.keys.map((k: any) => k.keyId)).not.toContain(victim.keyId);
    expect((await fetch(`${api.url}/v1/policies`, { headers: { authorization: `Bearer ${victim.apiKey}` } })).status).toBe(200);
  });
});

async function sql<R = any>(text: string, params: unknown[] = [], url = database.url): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

describe("console security review", () => {
  it("a viewer reads only what the console shows: no vault entries or codes, no Mfa-Acting-User, no dev routes", async () => {
    const userId = uniqueId("u");
    const added = await tenantA.client.post("/v1/vault/entries", {
      name: "shared",
      type: "hotp",
      issuer: "Example",
      accountName: "ops",
      secret: "JBSWY3DPEHPK3PXP",
    });
    expect(added.status).toBe(201);
    const entryId = added.body.id as string;
    // The user may read its codes: a service key acting for them would get one.
    const granted = await tenantA.client.post(`/v1/vault/entries/${entryId}/grants`, {
      principal: { kind: "user", id: userId },
      permission: "read_code",
    });
    expect(granted.status).toBeLessThan(300);
    const { username, browser } = await consoleOperator(api, "viewer", tenantA.tenantId);
    await browser.signIn(username);
    const asUser = (path: string) =>
      browser.call("GET", path, undefined, { "x-csrf-token": browser.csrf as string, "mfa-acting-user": userId });
    expect((await asUser("/v1/vault/entries")).status).toBe(403);
    expect((await browser.send("GET", "/v1/vault/entries")).status).toBe(403);
    expect((await browser.send("GET", `/v1/vault/entries/${entryId}/code`)).status).toBe(403);
    expect((await asUser(`/v1/vault/entries/${entryId}/code`)).status).toBe(403);
    expect((await browser.send("GET", "/v1/dev/attempts/att_x/current-code")).status).toBe(403);
    expect((await browser.send("GET", "/v1/attempts/att_x")).status).toBe(403);
    // Reading the HOTP code would have advanced its counter: it did not move.
    const [entry] = await sql("select counter from vault_entries where tenant_id = $1 and id = $2", [tenantA.tenantId, entryId]);
    expect(Number(entry.counter)).toBe(0);
    // What the console shows stays readable.
    for (const path of [
      "/v1/policies",
      "/v1/policies/login",
      "/v1/users",
      `/v1/users/${userId}/factors`,
      "/v1/audit-events",
      "/v1/settings",
    ])
      expect([path, (await browser.send("GET", path)).status]).toEqual([path, 200]);
  });

  it("the console's tenant id is reserved: no tenant of that id can be created, and a key of the console tenant is refused", async () => {
    const { username, browser } = await consoleOperator(api, "admin", null);
    await browser.signIn(username);
    const made = await browser.call(
      "POST",
      "/console/tenants",
      { id: "_console", name: "Mine" },
      { "x-csrf-token": browser.csrf as string },
    );
    expect(made.status).toBe(400);
    // A key moved under the console tenant (as if one had been issued there) speaks for no one.
    const issued = await browser.send("POST", "/v1/api-keys", tenantA.tenantId, { name: "moved", role: "admin" });
    expect(issued.status).toBe(201);
    await sql("update api_keys set tenant_id = '_console' where tenant_id = $1 and id = $2", [tenantA.tenantId, issued.body.keyId]);
    const asKey = await fetch(`${api.url}/v1/policies`, { headers: { authorization: `Bearer ${issued.body.apiKey}` } });
    expect(asKey.status).toBe(401);
    // The console's tenant is the one the console made.
    const [row] = await sql("select name from tenants where id = '_console'");
    expect(row.name).toBe("Admin console operators");
  });

  it("Mfa-Tenant naming a tenant that does not exist: 404 problem+json before any handler, and nothing is written", async () => {
    const { username, browser } = await consoleOperator(api, "admin", null);
    await browser.signIn(username);
    const ghost = uniqueId("ghost").toLowerCase();
    const settings = await browser.send("PUT", "/v1/settings", ghost, { notificationsEnabled: true });
    expect(settings.status).toBe(404);
    expect(settings.headers.get("content-type")).toContain("application/problem+json");
    expect(settings.body.code).toBe("tenant_not_found");
    expect((await browser.send("POST", `/v1/users/${uniqueId("u")}/unlock`, ghost)).status).toBe(404);
    expect((await browser.send("GET", "/v1/policies", ghost)).status).toBe(404);
    const [written] = await sql("select count(*)::int as n from audit_events where tenant_id = $1", [ghost]);
    expect(written.n).toBe(0);
    const [users] = await sql("select count(*)::int as n from users where tenant_id = $1", [ghost]);
    expect(users.n).toBe(0);
  });

  it("a signed-out session never comes back: last-seen refreshes racing the sign-out leave it ended", async () => {
    const { username, browser } = await consoleOperator(api, "admin", tenantA.tenantId);
    await browser.signIn(username);
    api.clock.advance(60_000); // every request now refreshes last_seen_at
    const racing = Array.from({ length: 15 }, () => browser.send("GET", "/v1/policies"));
    const cookie = browser.cookie as string;
    await browser.send("DELETE", "/console/session");
    await Promise.all(racing);
    const sessionId = (await import("../src/http/console-session.js")).sessionIdOf(cookie.slice("mfa_console=".length));
    const [row] = await sql("select ended_at from operator_sessions where id = $1", [sessionId]);
    expect(row.ended_at).not.toBeNull();
    browser.cookie = cookie;
    expect((await browser.send("GET", "/v1/policies")).status).toBe(401);
  });
});

describe("the demo operator outside demo mode", () => {
  it("is disabled on a start without demo mode as disable-operator does it: it cannot sign in, its sessions end, audited", async () => {
    const demo = await startTestApi(demoDatabase.url, { MFA_DEMO: "true" });
    const created = (await demo.server.started).demoOperator?.created;
    const keySpec = demo.keySpec;
    const signIn = (url: string) =>
      fetch(`${url}/console/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "demo-admin", password: created?.password }),
      });
    let cookie = "";
    try {
      expect(created).toBeDefined();
      const opened = await signIn(demo.url);
      expect(opened.status).toBe(200);
      cookie = (opened.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    } finally {
      await demo.close();
    }
    const { sessionIdOf } = await import("../src/http/console-session.js");
    const sessionId = sessionIdOf(cookie.slice("mfa_console=".length));
    const plain = await startTestApi(demoDatabase.url, { MFA_SECRET_KEYS: keySpec });
    try {
      const refused = await signIn(plain.url);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as any).code).toBe("sign_in_failed");
      const [row] = await sql("select id, disabled_at from operators where username = 'demo-admin'", [], demoDatabase.url);
      expect(row.disabled_at).not.toBeNull();
      // The half-way session of the demo start ended with it, and the disable is in the console's audit trail.
      const [session] = await sql("select ended_at from operator_sessions where id = $1", [sessionId], demoDatabase.url);
      expect(session.ended_at).not.toBeNull();
      const events = await sql(
        "select type, actor_kind, data from audit_events where tenant_id = '_console' and user_id = $1 and type = 'operator.disabled'",
        [row.id],
        demoDatabase.url,
      );
      expect(events).toEqual([{ type: "operator.disabled", actor_kind: "system", data: { sessionsEnded: 1 } }]);
    } finally {
      await plain.close();
    }
  });

  it("writes its sign-in to a new file readable by its user only: an existing file's mode is not kept, a symlink is not followed, a missing directory is made", async () => {
    const { showDemoOperator } = await import("../src/boot/demo-operator.js");
    const dir = mkdtempSync(join(tmpdir(), "demo-op-"));
    const isTTY = process.stdout.isTTY;
    const write = process.stdout.write;
    try {
      Object.defineProperty(process.stdout, "isTTY", { value: false, configurable: true });
      process.stdout.write = (() => true) as typeof process.stdout.write;
      const demo = { username: "demo-admin", created: { password: "pw-1", totpSecret: "S", otpauthUri: "otpauth://totp/x" } };
      // Missing directory: made.
      showDemoOperator(demo, "http://x", "missing/.data/db", dir, undefined);
      const made = join(dir, "missing/.data/demo-operator");
      expect(readFileSync(made, "utf8")).toContain("pw-1");
      expect(statSync(made).mode & 0o777).toBe(0o600);
      // An existing world-readable file: replaced by one readable by this user only.
      const file = join(dir, "demo-operator");
      writeFileSync(file, "old", { mode: 0o644 });
      showDemoOperator(demo, "http://x", ".data", dir, undefined);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, "utf8")).toContain("pw-1");
      // A symlink planted at the path: the file it points to is untouched.
      const target = join(dir, "target");
      writeFileSync(target, "precious", { mode: 0o644 });
      rmSync(file);
      symlinkSync(target, file);
      showDemoOperator(demo, "http://x", ".data", dir, undefined);
      expect(readFileSync(target, "utf8")).toBe("precious");
      expect(lstatSync(file).isSymbolicLink()).toBe(false);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      Object.defineProperty(process.stdout, "isTTY", { value: isTTY, configurable: true });
      process.stdout.write = write;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
