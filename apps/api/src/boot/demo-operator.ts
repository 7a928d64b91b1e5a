// Demo mode's console operator (issue 15): created on the first start with a random password and an authenticator app,
// both shown once to whoever started the service (on their terminal, or in a file only they can read), like the demo
// tenant's admin key. It works on every tenant, as an admin.
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { ConsoleOperators, OperatorAdmin, Services } from "@mfa-chain/application";
import { createOperatorWithTotp } from "./operators.js";

export const DEMO_OPERATOR = "demo-admin";

export interface DemoOperator {
  readonly username: string;
  /** Present on the start that created the operator: to show once. */
  readonly created?: { readonly password: string; readonly totpSecret: string; readonly otpauthUri: string };
}

export async function ensureDemoOperator(services: Services, operators: ConsoleOperators, now: () => number): Promise<DemoOperator> {
  await operators.ensureConsole();
  if (await operators.findByUsername(DEMO_OPERATOR)) return { username: DEMO_OPERATOR };
  const password = randomBytes(15).toString("base64url");
  try {
    const made = await createOperatorWithTotp(services, operators, { username: DEMO_OPERATOR, password, role: "admin", scope: null }, now);
    return { username: DEMO_OPERATOR, created: { password, totpSecret: made.totpSecret, otpauthUri: made.otpauthUri } };
  } catch (error) {
    // Another process starting at the same moment made it first.
    if (await operators.findByUsername(DEMO_OPERATOR)) return { username: DEMO_OPERATOR };
    throw error;
  }
}

/**
 * A start without demo mode: the demo operator, if there is one, is disabled as disable-operator does it (it cannot sign
 * in, its sessions end, audited); none is fine.
 */
export async function disableDemoOperator(admin: OperatorAdmin): Promise<void> {
  const disabled = await admin.disable(DEMO_OPERATOR);
  if (!disabled.ok && disabled.error.code !== "operator_not_found") throw new Error(`the demo operator: ${disabled.error.message}`);
}

/** Shows the demo operator's sign-in once: on a terminal, else in a file readable by this user only (never the log). */
export function showDemoOperator(
  demo: DemoOperator | undefined,
  url: string,
  dataDir: string,
  baseDir: string,
  databaseUrl: string | undefined,
): void {
  if (!demo?.created) return;
  const text =
    `Admin console: ${url}/admin/\n` +
    `  operator:  ${demo.username}\n  password:  ${demo.created.password}\n` +
    `  authenticator app secret (add it to an app, or scan ${demo.created.otpauthUri}):\n             ${demo.created.totpSecret}\n`;
  if (process.stdout.isTTY) {
    process.stdout.write(`\nCreated the demo console operator (shown this once, keep it):\n${text}`);
    return;
  }
  if (dataDir.startsWith("memory://")) {
    process.stdout.write(`\nCreated the demo console operator "${demo.username}" (its password is not shown: output is not a terminal).\n`);
    return;
  }
  const database =
    databaseUrl === undefined
      ? null
      : decodeURIComponent(new URL(databaseUrl).pathname.slice(1)).replace(/[^A-Za-z0-9_.-]/g, "_") || "postgres";
  const file = join(dirname(resolve(baseDir, dataDir)), database === null ? "demo-operator" : `demo-operator.${database}`);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // A stale file of an earlier demo database is removed (unlink removes a symlink, not what it points to); then a new
  // file only ("wx": never an existing one, never through a symlink), created readable by this user only.
  rmSync(file, { force: true });
  const fd = openSync(file, "wx", 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  process.stdout.write(`\nCreated the demo console operator "${demo.username}": its sign-in is in ${file} (readable by this user only).\n`);
}
