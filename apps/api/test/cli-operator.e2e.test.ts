/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are JSON that each test asserts field by field */
// `create-operator` against a real PostgreSQL (issue 15): the password read from standard input (never the command
// line), the authenticator app's secret and otpauth:// URI printed once, and the operator then signs in to the API's
// console with both; bad input and a taken name are refused with exit code 2 and create nothing.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKeyringKey } from "@mfa-chain/crypto";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { decodeBase32, generateTotp, timeStepAt } from "@mfa-chain/totp";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { startTestApi, uniqueId } from "./support/api.js";

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
      const secret = /secret: ([A-Z2-7]+)/.exec(made.stdout)?.[1] ?? "";
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
      expect(made.stdout).toMatch(new RegExp(`uri: +otpauth://totp/[^\\s]*secret=${secret}`));
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
