// The operator's vault commands (`pnpm mfa vault …`): the vault's use cases over the database, as the operator (an admin)
// or, with --as, on behalf of a user of the tenant (checked against that user's grants). Every change and every code
// read is audited like the API's (actor: system). Seeds come from a file, never from the command line (shell history,
// process lists), and are never printed.
import { readFileSync } from "node:fs";
import {
  AddVaultEntry,
  GrantVaultAccess,
  ListVaultEntries,
  ReadVaultCode,
  RevokeVaultAccess,
  type AppError,
  type SecretCipher,
  type VaultEntryView,
  type VaultRequester,
} from "@mfa-chain/application";
import { RandomIdGenerator } from "@mfa-chain/crypto";
import { VAULT_PERMISSIONS, VAULT_PRINCIPAL_KINDS, type VaultPermission, type VaultPrincipal } from "@mfa-chain/domain";
import { PostgresUnitOfWork, type Db } from "@mfa-chain/infra-postgres";
import { otp, parseKeyUri } from "@mfa-chain/totp";
import { readSeed } from "../http/vault-seed.js";

export const VAULT_USAGE = `  vault add <tenantId> <file> [--name <name>] [--dry-run] [--as <userId>]
                                   add the otpauth:// URIs of a file (one a line; - for stdin); --dry-run reports each line's fate and adds nothing
  vault list <tenantId> [--as <userId>]                              the entries (never their seeds)
  vault code <tenantId> <entry> [--as <userId>]                      the entry's current code (by id or name; audited)
  vault grant|revoke <tenantId> <entry> user:<id>|group:<id> read_code|manage`;

export interface VaultCliOptions {
  readonly name?: string | undefined;
  readonly as?: string | undefined;
  readonly dryRun?: boolean | undefined;
}

type Out = (line: string) => void;

function services(db: Db, cipher: SecretCipher) {
  const deps = { uow: new PostgresUnitOfWork(db), clock: { now: Date.now }, ids: new RandomIdGenerator(), cipher, generator: otp };
  return {
    add: new AddVaultEntry(deps),
    list: new ListVaultEntries(deps),
    read: new ReadVaultCode(deps),
    grant: new GrantVaultAccess(deps),
    revoke: new RevokeVaultAccess(deps),
  };
}

const problem = (e: AppError): string => `${e.code}: ${e.message}`;

/** The name a URI's entry gets without --name: "Issuer: account", or the account alone. */
function defaultName(uri: string): string {
  try {
    const p = parseKeyUri(uri, { unknownParameters: "refuse" });
    return p.issuer === "" ? p.accountName : `${p.issuer}: ${p.accountName}`;
  } catch {
    return "";
  }
}

function readLines(file: string): string[] {
  const text = readFileSync(file === "-" ? 0 : file, "utf8");
  return text.split(/\r?\n/);
}

function parsePrincipal(text: string | undefined): VaultPrincipal | null {
  const m = /^([a-z]+):(.+)$/.exec(text ?? "");
  if (!m || !(VAULT_PRINCIPAL_KINDS as readonly string[]).includes(m[1] as string)) return null;
  return { kind: m[1] as VaultPrincipal["kind"], id: m[2] as string };
}

/** Runs one vault command; returns the exit code (0 done, 2 refused or wrong usage, 1 some lines of an import failed). */
export async function runVaultCommand(
  db: Db,
  cipher: SecretCipher,
  args: readonly string[],
  options: VaultCliOptions,
  out: Out,
  fail: (message: string) => never,
): Promise<number> {
  const [sub, tenantId, target, principalText, permissionText] = args;
  if (!tenantId) fail(`vault: give a subcommand and a tenant id\n${VAULT_USAGE}`);
  const s = services(db, cipher);
  const requester: VaultRequester = {
    tenantId,
    actor: { kind: "system" },
    admin: options.as === undefined,
    userId: options.as ?? null,
    clientAddress: null,
  };
  const entryOf = async (ref: string | undefined): Promise<VaultEntryView> => {
    if (!ref) fail("vault: give an entry (its id or name)");
    const listed = await s.list.execute({ requester });
    if (!listed.ok) fail(`vault: ${problem(listed.error)}`);
    const found = listed.value.find((e) => e.id === ref) ?? listed.value.find((e) => e.name === ref);
    if (!found) fail(`vault: no entry "${ref}" that ${options.as ? `user "${options.as}" may read` : "this tenant has"}`);
    return found;
  };

  switch (sub ?? "") {
    case "add": {
      if (!target) fail("vault add: give a file of otpauth:// URIs (one a line; - for stdin)");
      const lines = readLines(target)
        .map((line, i) => ({ n: i + 1, uri: line.trim() }))
        .filter((l) => l.uri !== "" && !l.uri.startsWith("#"));
      if (options.name !== undefined && lines.length !== 1) fail("vault add: --name needs a file of exactly one URI");
      const existing = new Set<string>();
      const listed = await s.list.execute({ requester });
      if (listed.ok) for (const e of listed.value) existing.add(e.name);
      let failed = 0;
      for (const { n, uri } of lines) {
        const name = options.name ?? defaultName(uri);
        const read = readSeed({ uri });
        if (!read.ok) {
          failed += 1;
          out(`line ${n}: refused: ${read.issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`);
          continue;
        }
        if (existing.has(name)) {
          read.seed.secret.fill(0);
          failed += 1;
          out(`line ${n}: refused: an entry named "${name}" exists`);
          continue;
        }
        if (options.dryRun) {
          read.seed.secret.fill(0);
          existing.add(name);
          out(`line ${n}: would add "${name}" (${read.seed.type}, ${read.seed.algorithm}, ${read.seed.digits} digits)`);
          continue;
        }
        const added = await s.add.execute({ requester, name, seed: read.seed });
        if (!added.ok) {
          failed += 1;
          out(`line ${n}: refused: ${problem(added.error)}`);
          continue;
        }
        existing.add(name);
        out(`line ${n}: added ${added.value.id} "${name}"`);
      }
      out(`${options.dryRun ? "dry run: " : ""}${lines.length - failed} of ${lines.length} ${options.dryRun ? "would be added" : "added"}`);
      return failed === 0 ? 0 : 1;
    }
    case "list": {
      const listed = await s.list.execute({ requester });
      if (!listed.ok) fail(`vault list: ${problem(listed.error)}`);
      for (const e of listed.value) {
        const timing = e.period === null ? `counter ${e.counter}` : `${e.period} s`;
        out(`${e.id}\t${e.name}\t${e.type} ${e.algorithm} ${e.digits} digits, ${timing}\t${e.tags.join(",")}`);
      }
      return 0;
    }
    case "code": {
      const entry = await entryOf(target);
      const read = await s.read.execute({ requester, entryId: entry.id });
      if (!read.ok) fail(`vault code: ${problem(read.error)}`);
      const c = read.value;
      out(c.remainingSeconds === null ? `${c.code} (counter ${c.counter})` : `${c.code} (valid ${c.remainingSeconds} s more)`);
      if (c.next) out(`next: ${c.next.code}`);
      return 0;
    }
    case "grant":
    case "revoke": {
      const entry = await entryOf(target);
      const principal = parsePrincipal(principalText);
      if (!principal) fail(`vault ${sub}: give the principal as user:<id> or group:<id>`);
      const permission = (VAULT_PERMISSIONS as readonly string[]).includes(permissionText ?? "")
        ? (permissionText as VaultPermission)
        : fail(`vault ${sub}: give the permission: ${VAULT_PERMISSIONS.join(" or ")}`);
      const changed = await (sub === "grant" ? s.grant : s.revoke).execute({ requester, entryId: entry.id, principal, permission });
      if (!changed.ok) fail(`vault ${sub}: ${problem(changed.error)}`);
      const grants = changed.value.grants.map((g) => `${g.principal.kind}:${g.principal.id} ${g.permission}`);
      out(`${entry.id} "${entry.name}": ${grants.length === 0 ? "no grants" : grants.join(", ")}`);
      return 0;
    }
    default:
      fail(`vault: unknown subcommand ${JSON.stringify(sub ?? "")}\n${VAULT_USAGE}`);
  }
}
