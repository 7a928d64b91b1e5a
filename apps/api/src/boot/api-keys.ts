// API keys as the API makes them (ApiKeyMinter), and the operator's short-hands over the tenant use cases, for the CLI,
// the demo set-up and tests: each runs the use case in its own transaction, audited like every other change.
import { randomBytes } from "node:crypto";
import { CreateTenant, IssueApiKey, RevokeApiKey, type ApiKeyMinter, type ApiKeyRole, type IssuedApiKey } from "@mfa-chain/application";
import { RandomIdGenerator } from "@mfa-chain/crypto";
import { PostgresUnitOfWork, type Db } from "@mfa-chain/infra-postgres";
import { hashApiKey } from "../http/auth.js";

/** A new API key: a recognisable prefix and 256 random bits, base64url. Only its SHA-256 is stored. */
export const newApiKey = (): string => `mfa_${randomBytes(32).toString("base64url")}`;

export const API_KEY_MINTER: ApiKeyMinter = {
  mint: () => {
    const apiKey = newApiKey();
    return { apiKey, keyHash: hashApiKey(apiKey) };
  },
  hash: hashApiKey,
};

/** The tenant use cases over a database handle (a pool or an open transaction), with the system clock. */
export function tenantServices(db: Db, now: () => number = Date.now) {
  const deps = { uow: new PostgresUnitOfWork(db), clock: { now }, ids: new RandomIdGenerator(), keys: API_KEY_MINTER };
  return { createTenant: new CreateTenant(deps), issueApiKey: new IssueApiKey(deps), revokeApiKey: new RevokeApiKey(deps) };
}

function orThrow<T>(result: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }, what: string): T {
  if (!result.ok) throw new Error(`${what}: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** Creates a tenant with one key of the given role; throws when it cannot. */
export async function createTenant(db: Db, input: { id: string; name: string; role: ApiKeyRole; now?: number }): Promise<IssuedApiKey> {
  const { createTenant: create } = tenantServices(db, input.now === undefined ? Date.now : () => input.now as number);
  return orThrow(await create.execute({ tenantId: input.id, name: input.name, role: input.role }), "create tenant");
}

/** Issues another key for an existing tenant; throws when it cannot. */
export async function issueApiKey(db: Db, tenantId: string, name: string, role: ApiKeyRole, now?: number): Promise<IssuedApiKey> {
  const { issueApiKey: issue } = tenantServices(db, now === undefined ? Date.now : () => now);
  return orThrow(await issue.execute({ tenantId, name, role }), "issue API key");
}
