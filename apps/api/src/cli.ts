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
import { checkOperatorArgs, createOperatorCommand, readPassword } from "./boot/operator-cli.js";

const USAGE = `usage: pnpm mfa <command>   (built: node apps/api/dist/cli.js <command>)
  create-tenant <tenantId> [--name <name>] [--role admin|service]   create a tenant and print its first API key
  create-key <tenantId> [--name <name>] [--role admin|service]      print a new API key for an existing tenant
  revoke-key <tenantId> <keyId>                                     revoke an API key: every API process refuses it at once
  create-operator <name> --role admin|viewer [--tenant <id>]        create a console operator: the password is read from
                                                                    standard input; the authenticator app's secret is shown once
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
      const options = databaseOptions();
      if (options.url && !process.env.MFA_SECRET_KEYS)
        fail("create-operator: set MFA_SECRET_KEYS (the API's keyring): the secret is sealed with it");
      if (options.url && !process.env.MFA_CODE_HASH_KEY) fail("create-operator: set MFA_CODE_HASH_KEY (the API's code hash key)");
      const embedded = options.url ? null : (options.dataDir ?? null);
      const keyring = loadKeyring(process.env.MFA_SECRET_KEYS, embedded);
      const codeHasher = loadCodeHasher(process.env.MFA_CODE_HASH_KEY, embedded);
      return withDatabase(async (database) => {
        out(`create-operator: ${database.description}`);
        let made;
        try {
          made = await createOperatorCommand(database, keyring, codeHasher, checked);
        } catch (error) {
          fail(`create-operator: ${error instanceof Error ? error.message : String(error)}`);
        }
        out(`operator ${made.operator.username} (${made.operator.role}, ${made.operator.scope ?? "every tenant"}): ${made.operator.id}`);
        out("authenticator app (shown this once): add the secret or the otpauth:// URI to an app");
        out(`  secret: ${made.totpSecret}`);
        out(`  uri:    ${made.otpauthUri}`);
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
