#!/usr/bin/env node
// Operator commands: `node dist/cli.js <command>` (or `pnpm --filter @mfa-chain/api cli <command>`).
// They use the same database settings as the API: DATABASE_URL, else PGlite in MFA_DATA_DIR.
import { parseArgs } from "node:util";
import { AesGcmKeyring, generateKeyringKey } from "@mfa-chain/crypto";
import { TENANT_ID } from "@mfa-chain/application";
import { createDatabase, databaseOptionsFromEnv, migrateToLatest, runSecretsRotation } from "@mfa-chain/infra-postgres";
import { tenantServices } from "./boot/api-keys.js";
import { DatabaseUrl } from "./config.js";
import { loadKeyring } from "./boot/keyring.js";
import { runVaultCommand, VAULT_USAGE } from "./boot/vault-cli.js";
import { loadCodeHasher } from "./boot/code-hasher.js";
import {
  checkOperatorArgs,
  createOperatorCommand,
  operatorAdmin,
  readPassword,
  resetOperatorAuthenticatorCommand,
} from "./boot/operator-cli.js";
import type { CreatedOperator } from "./boot/operators.js";

const USAGE = `usage: pnpm mfa <command>   (built: node apps/api/dist/cli.js <command>)
  create-tenant <tenantId> [--name <name>] [--role admin|service]   create a tenant and print its first API key
  create-key <tenantId> [--name <name>] [--role admin|service]      print a new API key for an existing tenant
  revoke-key <tenantId> <keyId>                                     revoke an API key: every API process refuses it at once
  create-operator <name> --role admin|viewer [--tenant <id>]        create a console operator: the password is read from
                                                                    standard input; the authenticator app's secret is shown once
  disable-operator <name>                                           the operator can no longer sign in; their sessions end at once
  enable-operator <name>                                            undo disable-operator
  reset-operator-password <name>                                    a new password, read from standard input; their sessions end
                                                                    and their lockout is cleared
  reset-operator-authenticator <name>                               revoke every factor of the operator and show a new authenticator
                                                                    app's secret once; their sessions end, their lockout is cleared
  migrate                                                           bring the database to the latest schema
  secrets:rotate                                                    re-seal every factor secret and vault seed with the current key
  generate-key [<keyId>]                                            print a new MFA_SECRET_KEYS entry
${VAULT_USAGE}`;

const out = (line: string) => process.stdout.write(`${line}\n`);
const baseDir = process.env.INIT_CWD ?? process.cwd();

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** The API's database settings, checked the way the API checks them. */
function databaseOptions(): ReturnType<typeof databaseOptionsFromEnv> {
  const url = process.env.DATABASE_URL?.trim();
  const checked = url ? DatabaseUrl.safeParse(url) : undefined;
  if (checked && !checked.success) fail(`DATABASE_URL: ${checked.error.issues.map((i) => i.message).join("; ")}`);
  return databaseOptionsFromEnv(process.env, baseDir);
}

async function withDatabase<T>(work: (db: ReturnType<typeof createDatabase>) => Promise<T>): Promise<T> {
  const database = createDatabase(databaseOptions());
  try {
    await migrateToLatest(database.db);
    return await work(database);
  } finally {
    await database.close();
  }
}

/** The keys an operator's authenticator secret is sealed with: the API's (with DATABASE_URL), else the embedded store's. */
function sealingKeys(command: string): { keyring: ReturnType<typeof loadKeyring>; codeHasher: ReturnType<typeof loadCodeHasher> } {
  const options = databaseOptions();
  if (options.url && !process.env.MFA_SECRET_KEYS)
    fail(`${command}: set MFA_SECRET_KEYS (the API's keyring): the secret is sealed with it`);
  if (options.url && !process.env.MFA_CODE_HASH_KEY) fail(`${command}: set MFA_CODE_HASH_KEY (the API's code hash key)`);
  const embedded = options.url ? null : (options.dataDir ?? null);
  return {
    keyring: loadKeyring(process.env.MFA_SECRET_KEYS, embedded),
    codeHasher: loadCodeHasher(process.env.MFA_CODE_HASH_KEY, embedded),
  };
}

function showAuthenticator(made: CreatedOperator): void {
  out("authenticator app (shown this once): add the secret or the otpauth:// URI to an app");
  out(`  secret: ${made.totpSecret}`);
  out(`  uri:    ${made.otpauthUri}`);
}

/** disable-operator, enable-operator and the reset commands: the command and its one argument, the operator's name. */
function operatorCommand(positionals: readonly string[], options: Record<string, unknown>): { command: string; name: string } {
  const [command = "", name, ...extra] = positionals;
  if (!name) fail(`${command}: give the operator's name`);
  if (extra.length > 0) fail(`${command}: give one operator name, not also "${extra.join(" ")}"`);
  const given = Object.keys(options).filter((o) => options[o] !== undefined);
  if (given.length > 0) fail(`${command}: takes no options (${given.map((o) => `--${o}`).join(", ")})`);
  return { command, name };
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: "string" },
        role: { type: "string" },
        tenant: { type: "string" },
        as: { type: "string" },
        "dry-run": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const [command, arg] = positionals;
  switch (command ?? "help") {
    case "create-operator": {
      const checked = checkOperatorArgs({
        username: arg,
        role: values.role,
        tenant: values.tenant,
        password: await readPassword(process.stdin),
      });
      if (typeof checked === "string") fail(checked);
      const { keyring, codeHasher } = sealingKeys("create-operator");
      return withDatabase(async (database) => {
        out(`create-operator: ${database.description}`);
        let made;
        try {
          made = await createOperatorCommand(database, keyring, codeHasher, checked);
        } catch (error) {
          fail(`create-operator: ${error instanceof Error ? error.message : String(error)}`);
        }
        out(`operator ${made.operator.username} (${made.operator.role}, ${made.operator.scope ?? "every tenant"}): ${made.operator.id}`);
        showAuthenticator(made);
        return 0;
      });
    }
    case "disable-operator":
    case "enable-operator": {
      const { help: _help, ...options } = values;
      const { command, name } = operatorCommand(positionals, options);
      return withDatabase(async (database) => {
        out(`${command}: ${database.description}`);
        const admin = operatorAdmin(database);
        const result = command === "disable-operator" ? await admin.disable(name) : await admin.enable(name);
        if (!result.ok) fail(`${command}: ${result.error.message}`);
        const { changed, sessionsEnded } = result.value;
        if (command === "disable-operator")
          out(
            changed
              ? `operator ${name} disabled: they cannot sign in; ${sessionsEnded} session(s) ended`
              : `operator ${name} was disabled already`,
          );
        else
          out(
            changed ? `operator ${name} enabled: they sign in with their password and authenticator` : `operator ${name} was not disabled`,
          );
        return 0;
      });
    }
    case "reset-operator-password": {
      const { help: _help, ...options } = values;
      const { command, name } = operatorCommand(positionals, options);
      const password = await readPassword(process.stdin);
      if (password === "") fail(`${command}: give the new password on standard input (one line)`);
      return withDatabase(async (database) => {
        out(`${command}: ${database.description}`);
        const result = await operatorAdmin(database).resetPassword(name, password);
        if (!result.ok) fail(`${command}: ${result.error.message}`);
        out(`operator ${name}: password replaced; ${result.value.sessionsEnded} session(s) ended; lockout cleared`);
        if (result.value.disabled) out(`operator ${name} is still disabled: enable-operator lets them sign in`);
        return 0;
      });
    }
    case "reset-operator-authenticator": {
      const { help: _help, ...options } = values;
      const { command, name } = operatorCommand(positionals, options);
      const { keyring, codeHasher } = sealingKeys(command);
      return withDatabase(async (database) => {
        out(`${command}: ${database.description}`);
        let result;
        try {
          result = await resetOperatorAuthenticatorCommand(database, keyring, codeHasher, name);
        } catch (error) {
          fail(
            `${command}: ${error instanceof Error ? error.message : String(error)} (run it again: it revokes what is left and enrolls a new authenticator)`,
          );
        }
        if (!result.ok) fail(`${command}: ${result.error.message}`);
        const { revoked, sessionsEnded, disabled } = result.value;
        out(`operator ${name}: ${revoked.length} factor(s) revoked; ${sessionsEnded} session(s) ended; lockout cleared`);
        showAuthenticator(result.value);
        if (disabled) out(`operator ${name} is still disabled: enable-operator lets them sign in`);
        return 0;
      });
    }
    case "create-tenant":
    case "create-key": {
      const given = values.role ?? "admin";
      const role = given === "admin" || given === "service" ? given : fail(`--role must be admin or service, not "${given}"`);
      if (!arg || !TENANT_ID.test(arg)) fail(`${command}: give a tenant id (lowercase letters, digits, "_" and "-"; 1–64)`);
      return withDatabase(async ({ db, description }) => {
        out(`${command}: ${description}`);
        const tenants = tenantServices(db);
        const name = values.name ?? (command === "create-tenant" ? arg : `${role} key`);
        const result =
          command === "create-tenant"
            ? await tenants.createTenant.execute({ tenantId: arg, name, role })
            : await tenants.issueApiKey.execute({ tenantId: arg, name, role });
        if (!result.ok) {
          const hint = result.error.code === "tenant_exists" ? " (use create-key)" : "";
          fail(`${command}: ${result.error.message}${hint}`);
        }
        const issued = result.value;
        out(`tenant ${arg}, ${role} key ${issued.keyId}. The key (shown this once; only its hash is stored):`);
        out(issued.apiKey);
        return 0;
      });
    }
    case "revoke-key": {
      const keyId = positionals[2];
      if (!arg || !TENANT_ID.test(arg) || !keyId) fail(`revoke-key: give a tenant id and a key id (as create-key printed it)`);
      return withDatabase(async ({ db, description }) => {
        out(`revoke-key: ${description}`);
        const result = await tenantServices(db).revokeApiKey.execute({ tenantId: arg, keyId });
        if (!result.ok) fail(`revoke-key: ${result.error.message}`);
        out(`tenant ${arg}: key ${keyId} revoked`);
        return 0;
      });
    }
    case "migrate":
      return withDatabase(async ({ description }) => {
        out(`migrate: ${description}: up to date`);
        return 0;
      });
    case "secrets:rotate": {
      const options = databaseOptions();
      const keyring = loadKeyring(process.env.MFA_SECRET_KEYS, options.url ? null : (options.dataDir ?? null));
      if (options.url && !process.env.MFA_SECRET_KEYS) fail("secrets:rotate: set MFA_SECRET_KEYS (new key first, then the old ones)");
      return runSecretsRotation({ env: process.env, cipher: keyring.keyring, baseDir });
    }
    case "vault": {
      const options = databaseOptions();
      if (options.url && !process.env.MFA_SECRET_KEYS) fail("vault: set MFA_SECRET_KEYS (the API's keyring): seeds are sealed with it");
      const keyring = loadKeyring(process.env.MFA_SECRET_KEYS, options.url ? null : (options.dataDir ?? null));
      return withDatabase(({ db }) =>
        runVaultCommand(
          db,
          keyring.keyring,
          positionals.slice(1),
          { name: values.name, as: values.as, dryRun: values["dry-run"] },
          out,
          fail,
        ),
      );
    }
    case "generate-key": {
      const id = arg ?? `k${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`;
      const entry = `${id}:${generateKeyringKey()}`;
      AesGcmKeyring.parse(entry); // checks the id the way the API will
      out(entry);
      return 0;
    }
    default:
      out(USAGE);
      return command === undefined || command === "help" ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
