// Tenants and their API keys: creating them (the CLI and the demo bootstrap) and resolving a presented key.
import { randomBytes } from "node:crypto";
import type { Actor } from "@mfa-chain/application";
import type { Instant } from "@mfa-chain/domain";
import { ApiKeyRepository, TenantRepository, type ApiKeyRole, type Db } from "@mfa-chain/infra-postgres";
import { hashApiKey, type ApiKeyResolver } from "../http/auth.js";

/** A new API key: a recognisable prefix and 256 random bits, base64url. Only its SHA-256 is stored. */
export const newApiKey = (): string => `mfa_${randomBytes(32).toString("base64url")}`;

const newId = (prefix: string): string => `${prefix}_${randomBytes(12).toString("base64url")}`;

export class StoredApiKeyResolver implements ApiKeyResolver {
  private readonly keys: ApiKeyRepository;
  constructor(db: Db) {
    this.keys = new ApiKeyRepository(db);
  }
  async resolve(keyHash: string): Promise<Actor | null> {
    const record = await this.keys.findByHash(keyHash);
    if (!record || record.revokedAt !== null) return null;
    return { tenantId: record.tenantId, keyId: record.id, role: record.role };
  }
}

export interface IssuedKey {
  readonly keyId: string;
  /** The key itself: shown once to whoever asked for it, never stored or logged. */
  readonly apiKey: string;
}

export async function issueApiKey(db: Db, tenantId: string, name: string, role: ApiKeyRole, now: Instant): Promise<IssuedKey> {
  const apiKey = newApiKey();
  const keyId = newId("key");
  await new ApiKeyRepository(db).insert({ tenantId, id: keyId, name, keyHash: hashApiKey(apiKey), role, createdAt: now, revokedAt: null });
  return { keyId, apiKey };
}

/** Creates a tenant with one key of the given role. */
export async function createTenant(db: Db, input: { id: string; name: string; role: ApiKeyRole; now: Instant }): Promise<IssuedKey> {
  return db.transaction().execute(async (trx) => {
    await new TenantRepository(trx).insert({ id: input.id, name: input.name, createdAt: input.now });
    return issueApiKey(trx, input.id, `${input.role} key`, input.role, input.now);
  });
}
