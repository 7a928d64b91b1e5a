/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are JSON that each test asserts field by field */
// `create-operator` against a real PostgreSQL (issue 15): the password read from standard input (never the command
// line), the authenticator app's secret and otpauth:// URI printed once, and the operator then signs in to the API's
// console with both; bad input and a taken name are refused with exit code 2 and create nothing. Then the commands for an
// operator who left or lost a password or phone: disable-operator (the sign-in answered as a wrong password, sessions
// ended) and enable-operator, reset-operator-password and reset-operator-authenticator (sessions ended, lockout cleared).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKeyringKey } from "@mfa-chain/crypto";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { decodeBase32, generateTotp, timeStepAt } from "@mfa-chain/totp";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { startTestApi, uniqueId, type TestApi } from "./support/api.js";
import { ConsoleBrowser } from "./support/console.js";

const database = useTestDatabase("api_cli_operator");
const appDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const secretKeys = `k1:${generateKeyringKey()}`;
const hashKey = randomBytes(32).toString("base64");
const PASSWORD = "a passphrase typed on standard input";

/** Runs the CLI with `input` on its standard input. */
function cli(args: string[], input: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@mfa-chain/source", "src/cli.ts", ...args], {
      cwd: appDir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        DATABASE_URL: database.url,
        MFA_SECRET_KEYS: secretKeys,
        MFA_CODE_HASH_KEY: hashKey,
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The authenticator app's secret a command printed once, with its otpauth:// URI on the next line. */
function shownSecret(stdout: string): string {
  expect(stdout).toContain("authenticator app (shown this once): add the secret or the otpauth:// URI to an app");
  const secret = /\n {2}secret: ([A-Z2-7]+)\n/.exec(stdout)?.[1] ?? "";
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  expect(stdout).toMatch(new RegExp(`\\n {2}uri: {4}otpauth://totp/[^\\s]*secret=${secret}`));
  return secret;
}

async function operatorCount(): Promise<number> {
  const sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  try {
    return Number((await sql.query("select count(*) as n from operators")).rows[0].n);
  } catch {
    return 0; // no operators table before the first migration
  } finally {
    await sql.end();
  }
}

describe("mfa create-operator", () => {
  it("reads the password from stdin, shows the secret once, and the operator signs in to the console with both", async () => {
    const api = await startTestApi(database.url, { MFA_SECRET_KEYS: secretKeys, MFA_CODE_HASH_KEY: hashKey });
    try {
      const { tenantId } = await api.tenant("admin");
      const name = uniqueId("ops").toLowerCase();
      const made = await cli(["create-operator", name, "--role", "viewer", "--tenant", tenantId], `${PASSWORD}\n`);
      expect(made.stderr).toBe("");
      expect(made.code).toBe(0);
      expect(made.stdout).toContain(`operator ${name} (viewer, ${tenantId}): op_`);
      const secret = shownSecret(made.stdout);
      expect(made.stdout).not.toContain(PASSWORD);

      // Sign in as the console does: the password, then a code of the new authenticator (the step after the confirmation's).
      const signIn = await fetch(`${api.url}/console/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: name, password: PASSWORD }),
      });
      expect(signIn.status).toBe(200);
      const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      const code = generateTotp(decodeBase32(secret), (timeStepAt(Date.now(), 30) + 1) * 30_000, {
        algorithm: "SHA1",
        digits: 6,
        period: 30,
      });
      const second = await fetch(`${api.url}/console/session/code`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie },
        body: JSON.stringify({ code }),
      });
      const body = (await second.json()) as any;
      expect(body.signedIn).toBe(true);
      expect(body.session.operator).toMatchObject({ username: name, role: "viewer", scope: tenantId });

      // The name is taken now: refused, nothing created.
      const before = await operatorCount();
      const again = await cli(["create-operator", name, "--role", "admin"], `${PASSWORD}\n`);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/taken|exists/);
      expect(await operatorCount()).toBe(before);
    } finally {
      await api.close();
    }
  });

  it("refuses a bad role, a short or missing password, a bad name and an unknown tenant with exit code 2, creating nothing", async () => {
    const before = await operatorCount();
    const name = uniqueId("ops").toLowerCase();
    const cases: [string[], string, RegExp][] = [
      [["create-operator", name, "--role", "owner"], `${PASSWORD}\n`, /--role must be admin or viewer/],
      [["create-operator", name], `${PASSWORD}\n`, /--role must be admin or viewer/],
      [["create-operator", name, "--role", "admin"], "", /password/],
      [["create-operator", name, "--role", "admin"], "short\n", /password/],
      [["create-operator", "Not A Name", "--role", "admin"], `${PASSWORD}\n`, /operator name/],
      [["create-operator", name, "--role", "admin", "--tenant", "no-such-tenant"], `${PASSWORD}\n`, /no tenant/],
      [["create-operator", "--role", "admin"], `${PASSWORD}\n`, /give the operator's name/],
    ];
    for (const [args, input, message] of cases) {
      const refused = await cli(args, input);
      expect(refused.code, args.join(" ")).toBe(2);
      expect(refused.stderr, args.join(" ")).toMatch(message);
      expect(refused.stdout).not.toContain("secret:");
    }
    expect(await operatorCount()).toBe(before);
  });
});

/** An operator made by create-operator (an admin of every tenant), and a browser holding their authenticator app. */
async function cliOperator(api: TestApi): Promise<{ name: string; browser: ConsoleBrowser }> {
  const name = uniqueId("ops").toLowerCase();
  const made = await cli(["create-operator", name, "--role", "admin"], `${PASSWORD}\n`);
  expect(made.code, made.stderr).toBe(0);
  return { name, browser: new ConsoleBrowser(api, shownSecret(made.stdout)) };
}

/** A password step's answer, without a cookie: the status and the problem+json body. */
async function passwordStep(api: TestApi, username: string, password: string) {
  const res = await fetch(`${api.url}/console/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  return { status: res.status, contentType: res.headers.get("content-type"), body: (await res.json()) as any };
}

describe("mfa disable-operator, enable-operator, reset-operator-password, reset-operator-authenticator", () => {
  const NEW_PASSWORD = "a new passphrase after the reset";
  /** A code of the next time step is accepted once per step: move the API's clock on between sign-ins. */
  const nextStep = (api: TestApi) => api.clock.advance(30_000);

  it("disable: the right password is answered like a wrong one and an open session gets 401; enable: they sign in again", async () => {
    const api = await startTestApi(database.url, { MFA_SECRET_KEYS: secretKeys, MFA_CODE_HASH_KEY: hashKey });
    try {
      const { name, browser } = await cliOperator(api);
      await browser.signIn(name, PASSWORD);
      expect((await browser.call("GET", "/console/session")).status).toBe(200);

      const disabled = await cli(["disable-operator", name], "");
      expect(disabled.stderr).toBe("");
      expect(disabled.code).toBe(0);
      expect(disabled.stdout).toContain(`operator ${name} disabled: they cannot sign in; 1 session(s) ended`);
      // Their next request, with the cookie they had, is refused.
      const after = await browser.send("GET", "/v1/policies", "any-tenant");
      expect(after.status).toBe(401);
      expect((await browser.call("GET", "/console/session")).status).toBe(401);
      // The right password gets exactly the answer a wrong one gets.
      const right = await passwordStep(api, name, PASSWORD);
      const wrong = await passwordStep(api, name, "not the operator's password");
      expect(right.status).toBe(401);
      expect(right.body.code).toBe("sign_in_failed");
      expect(right).toEqual(wrong);

      const again = await cli(["disable-operator", name], "");
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`operator ${name} was disabled already`);

      const enabled = await cli(["enable-operator", name], "");
      expect(enabled.stderr).toBe("");
      expect(enabled.code).toBe(0);
      expect(enabled.stdout).toContain(`operator ${name} enabled`);
      nextStep(api);
      const session = await browser.signIn(name, PASSWORD);
      expect(session.operator.username).toBe(name);
      expect((await browser.send("GET", "/v1/policies", "any-tenant")).status).not.toBe(401);
    } finally {
      await api.close();
    }
  });

  it("reset-operator-password: the new password from stdin works, the old is refused, sessions end and the lockout is cleared", async () => {
    const api = await startTestApi(database.url, { MFA_SECRET_KEYS: secretKeys, MFA_CODE_HASH_KEY: hashKey });
    try {
      const { name, browser } = await cliOperator(api);
      await browser.signIn(name, PASSWORD);
      // Locked by wrong passwords: the right one is refused too, until the reset clears the lock.
      for (let i = 0; i < 5; i += 1) expect((await passwordStep(api, name, `wrong password ${i}`)).status).toBe(401);
      expect((await passwordStep(api, name, PASSWORD)).status).toBe(401);

      const reset = await cli(["reset-operator-password", name], `${NEW_PASSWORD}\n`);
      expect(reset.stderr).toBe("");
      expect(reset.code).toBe(0);
      expect(reset.stdout).toContain(`operator ${name}: password replaced; 1 session(s) ended; lockout cleared`);
      expect(reset.stdout).not.toContain(NEW_PASSWORD);
      expect((await browser.call("GET", "/console/session")).status).toBe(401);

      expect((await passwordStep(api, name, PASSWORD)).status).toBe(401);
      nextStep(api);
      const session = await browser.signIn(name, NEW_PASSWORD);
      expect(session.operator.username).toBe(name);
    } finally {
      await api.close();
    }
  });

  it("reset-operator-authenticator: every factor revoked, a new secret shown once; the old app's code is refused, the new one's works", async () => {
    const api = await startTestApi(database.url, { MFA_SECRET_KEYS: secretKeys, MFA_CODE_HASH_KEY: hashKey });
    try {
      const { name, browser: oldApp } = await cliOperator(api);
      await oldApp.signIn(name, PASSWORD);
      for (let i = 0; i < 2; i += 1) await passwordStep(api, name, `wrong password ${i}`);

      const reset = await cli(["reset-operator-authenticator", name], "");
      expect(reset.stderr).toBe("");
      expect(reset.code).toBe(0);
      expect(reset.stdout).toContain(`operator ${name}: 1 factor(s) revoked; 1 session(s) ended; lockout cleared`);
      const secret = shownSecret(reset.stdout);
      expect(secret).not.toBe(oldApp.secret);
      expect((await oldApp.call("GET", "/console/session")).status).toBe(401);

      // The old authenticator's code, of the current time step (not a replay), is refused.
      nextStep(api);
      expect((await oldApp.call("POST", "/console/session", { username: name, password: PASSWORD })).status).toBe(200);
      const refused = await oldApp.call("POST", "/console/session/code", { code: oldApp.code() });
      expect(refused.status).toBe(200);
      expect(refused.body).toMatchObject({ signedIn: false, session: null });
      // The new one's passes the same sign-in.
      const newApp = new ConsoleBrowser(api, secret);
      newApp.cookie = oldApp.cookie;
      const passed = await newApp.call("POST", "/console/session/code", { code: newApp.code() });
      expect(passed.status).toBe(200);
      expect(passed.body.signedIn).toBe(true);
      expect(passed.body.session.operator.username).toBe(name);
    } finally {
      await api.close();
    }
  });

  it("refuses an unknown operator, a missing or extra argument, an option and a bad new password with exit code 2; --help lists them", async () => {
    const unknown = uniqueId("nobody").toLowerCase();
    const cases: [string[], string, RegExp][] = [
      [["disable-operator", unknown], "", new RegExp(`disable-operator: no operator "${unknown}"`)],
      [["enable-operator", unknown], "", new RegExp(`enable-operator: no operator "${unknown}"`)],
      [["reset-operator-password", unknown], `${NEW_PASSWORD}\n`, new RegExp(`reset-operator-password: no operator "${unknown}"`)],
      [["reset-operator-authenticator", unknown], "", new RegExp(`reset-operator-authenticator: no operator "${unknown}"`)],
      [["disable-operator"], "", /disable-operator: give the operator's name/],
      [["reset-operator-authenticator"], "", /reset-operator-authenticator: give the operator's name/],
      [["enable-operator", unknown, "other"], "", /enable-operator: give one operator name, not also "other"/],
      [["disable-operator", unknown, "--role", "admin"], "", /disable-operator: takes no options \(--role\)/],
      [["reset-operator-password", unknown], "", /reset-operator-password: give the new password on standard input/],
      [["reset-operator-password", unknown], "short\n", /reset-operator-password: password: 12–1024 characters/],
    ];
    for (const [args, input, message] of cases) {
      const refused = await cli(args, input);
      expect(refused.code, args.join(" ")).toBe(2);
      expect(refused.stderr, args.join(" ")).toMatch(message);
      expect(refused.stdout).not.toContain("secret:");
    }
    const help = await cli(["--help"], "");
    expect(help.code).toBe(0);
    for (const command of [
      "disable-operator <name>",
      "enable-operator <name>",
      "reset-operator-password <name>",
      "reset-operator-authenticator <name>",
    ])
      expect(help.stdout).toContain(command);
  });
});
