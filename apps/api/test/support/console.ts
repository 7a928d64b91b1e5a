/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are JSON that each test asserts field by field */
// Test support for the admin console's end-to-end tests: a browser of one operator that keeps the session cookie and
// the CSRF token and computes the operator's TOTP codes, and operators made on the running app and signed in.
import { decodeBase32, generateTotp, timeStepAt } from "@mfa-chain/totp";
import { expect } from "vitest";
import { uniqueId, type TestApi } from "./api.js";

/** The password every test operator is made with. */
export const OPERATOR_PASSWORD = "a long operator passphrase";

/** A browser of one operator: keeps the session cookie, computes TOTP codes from the operator's secret. */
export class ConsoleBrowser {
  cookie: string | null = null;
  csrf: string | null = null;
  /** The enrollment's confirmation used the current time step: the first sign-in takes the next one. */
  private lastStep: number;

  constructor(
    private readonly api: Pick<TestApi, "url" | "clock">,
    readonly secret: string,
  ) {
    this.lastStep = timeStepAt(api.clock.now(), 30);
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${this.api.url}${path}`, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const setCookie = res.headers.get("set-cookie");
    if (setCookie) {
      const value = /^mfa_console=([^;]*)/.exec(setCookie)?.[1] ?? "";
      this.cookie = value === "" ? null : `mfa_console=${value}`;
    }
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as any };
  }

  /** A code from the next time step not used yet (a code is accepted once). */
  code(): string {
    const step = Math.max(timeStepAt(this.api.clock.now(), 30), this.lastStep + 1);
    this.lastStep = step;
    return generateTotp(decodeBase32(this.secret), step * 30_000, { algorithm: "SHA1", digits: 6, period: 30 });
  }

  /** As the console does: the cookie, the CSRF header and (for an operator of every tenant) the tenant. */
  send(method: string, path: string, tenant?: string, body?: unknown) {
    return this.call(method, path, body, {
      ...(this.csrf ? { "x-csrf-token": this.csrf } : {}),
      ...(tenant ? { "mfa-tenant": tenant } : {}),
    });
  }

  /** The password, then the TOTP code: signed in, with the session's CSRF token kept. */
  async signIn(username: string, password = OPERATOR_PASSWORD) {
    const first = await this.call("POST", "/console/session", { username, password });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ stage: "code", nextFactor: { type: "totp" } });
    const second = await this.call("POST", "/console/session/code", { code: this.code() });
    expect(second.status).toBe(200);
    expect(second.body.signedIn).toBe(true);
    this.csrf = second.body.session.csrfToken;
    return second.body.session;
  }
}

/** A new operator (a unique username, OPERATOR_PASSWORD), not signed in yet. */
export async function consoleOperator(api: TestApi, role: "viewer" | "admin", scope: string | null) {
  const username = uniqueId("op").toLowerCase();
  const made = await api.server.createOperator({ username, password: OPERATOR_PASSWORD, role, scope });
  return { username, id: made.operator.id, browser: new ConsoleBrowser(api, made.totpSecret) };
}

/** A new operator, signed in. */
export async function signedInOperator(api: TestApi, role: "viewer" | "admin", scope: string | null): Promise<ConsoleBrowser> {
  const { username, browser } = await consoleOperator(api, role, scope);
  await browser.signIn(username);
  return browser;
}

/** The operators a console test acts as, signed in: an admin and a viewer of `tenantId`, and an admin of every tenant. */
export async function signedInOperators(api: TestApi, tenantId: string) {
  return {
    scopedAdmin: await signedInOperator(api, "admin", tenantId),
    scopedViewer: await signedInOperator(api, "viewer", tenantId),
    everyAdmin: await signedInOperator(api, "admin", null),
  };
}
