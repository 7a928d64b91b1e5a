// Tenants and their API keys: created, issued and revoked by an operator (the CLI, the demo set-up), each change audited
// in the same transaction (S26); and resolving a presented key to the tenant and role it speaks for.
import { err, ok, type AuditEvent, type AuditEventType, type Instant, type Result } from "@mfa-chain/domain";
import type { ApiKeyMinter } from "../ports/api-key-minter.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { IdGenerator } from "../ports/id-generator.port.js";
import type { ApiKeyRole, Repositories, UnitOfWork } from "../ports/repositories.port.js";
import type { Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";

export interface TenantDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly keys: ApiKeyMinter;
}

/** A tenant id: lowercase letters, digits, "_" and "-", 1–64, starting with a letter or digit. */
export const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const MAX_NAME = 200;

export interface IssuedApiKey {
  readonly tenantId: string;
  readonly keyId: string;
  readonly role: ApiKeyRole;
  /** The key itself: shown once to whoever asked for it, never stored or logged. */
  readonly apiKey: string;
}

const invalid = (message: string): Result<never, AppError> => err({ code: "invalid_input", message });

function checkTenantId(tenantId: string): Result<never, AppError> | null {
  return TENANT_ID.test(tenantId)
    ? null
    : invalid(`tenant id: lowercase letters, digits, "_" and "-", 1–64 characters, starting with a letter or digit`);
}

function checkName(name: string, what: string): Result<never, AppError> | null {
  const trimmed = name.trim();
  return trimmed.length > 0 && trimmed.length <= MAX_NAME && !/\p{Cc}/u.test(name)
    ? null
    : invalid(`${what}: 1–${MAX_NAME} characters, no control characters`);
}

function checkRole(role: string): Result<never, AppError> | null {
  return role === "admin" || role === "service" ? null : invalid(`role: expected "admin" or "service", got ${JSON.stringify(role)}`);
}

/** An operator's change: tenant-wide, made by the system rather than an API key. */
const operatorEvent = (tenantId: string, type: AuditEventType, at: Instant, data: AuditEvent["data"]): AuditEvent => ({
  tenantId,
  type,
  at,
  actor: { kind: "system" },
  userId: null,
  attemptId: null,
  factorId: null,
  data,
});

async function issueIn(repos: Repositories, deps: TenantDeps, input: { tenantId: string; name: string; role: ApiKeyRole }, at: Instant) {
  const { apiKey, keyHash } = deps.keys.mint();
  const keyId = `key_${deps.ids.newId()}`;
  await repos.apiKeys.insert({
    tenantId: input.tenantId,
    id: keyId,
    name: input.name,
    keyHash,
    role: input.role,
    createdAt: at,
    revokedAt: null,
  });
  await repos.audit.append(operatorEvent(input.tenantId, "api_key.issued", at, { keyId, name: input.name, role: input.role }));
  return { tenantId: input.tenantId, keyId, role: input.role, apiKey };
}

/** Creates a tenant with its first API key. */
export class CreateTenant {
  constructor(private readonly deps: TenantDeps) {}

  async execute(input: { tenantId: string; name: string; role: ApiKeyRole }): Promise<Result<IssuedApiKey, AppError>> {
    const bad = checkTenantId(input.tenantId) ?? checkName(input.name, "name") ?? checkRole(input.role);
    if (bad) return bad;
    return this.deps.uow.run(async (repos) => {
      const at = this.deps.clock.now();
      if (!(await repos.tenants.insert({ id: input.tenantId, name: input.name.trim(), createdAt: at }))) {
        return err({ code: "tenant_exists", message: `tenant "${input.tenantId}" already exists` });
      }
      await repos.audit.append(operatorEvent(input.tenantId, "tenant.created", at, { name: input.name.trim() }));
      return ok(await issueIn(repos, this.deps, { tenantId: input.tenantId, name: `${input.role} key`, role: input.role }, at));
    });
  }
}

/**
 * Issues a new API key for a tenant. With `replacing`, the tenant's live keys of the same name are revoked in the same
 * transaction (a key re-issued at every start, such as the demo page's).
 */
export class IssueApiKey {
  constructor(private readonly deps: TenantDeps) {}

  async execute(input: { tenantId: string; name: string; role: ApiKeyRole; replacing?: boolean }): Promise<Result<IssuedApiKey, AppError>> {
    const bad = checkTenantId(input.tenantId) ?? checkName(input.name, "key name") ?? checkRole(input.role);
    if (bad) return bad;
    const name = input.name.trim();
    return this.deps.uow.run(async (repos) => {
      const at = this.deps.clock.now();
      if (!(await repos.tenants.find(input.tenantId))) return err({ code: "tenant_not_found", message: `no tenant "${input.tenantId}"` });
      if (input.replacing) {
        for (const keyId of await repos.apiKeys.revoke(input.tenantId, { name }, at)) {
          await repos.audit.append(operatorEvent(input.tenantId, "api_key.revoked", at, { keyId, name, reason: "replaced" }));
        }
      }
      return ok(await issueIn(repos, this.deps, { tenantId: input.tenantId, name, role: input.role }, at));
    });
  }
}

/** Revokes one API key: every API process refuses it from the moment the revocation commits. */
export class RevokeApiKey {
  constructor(private readonly deps: Pick<TenantDeps, "uow" | "clock">) {}

  async execute(input: { tenantId: string; keyId: string }): Promise<Result<{ readonly keyId: string }, AppError>> {
    const bad = checkTenantId(input.tenantId);
    if (bad) return bad;
    return this.deps.uow.run(async (repos) => {
      const at = this.deps.clock.now();
      const revoked = await repos.apiKeys.revoke(input.tenantId, { id: input.keyId }, at);
      if (revoked.length === 0) {
        return err({ code: "api_key_not_found", message: `tenant "${input.tenantId}" has no live API key "${input.keyId}"` });
      }
      await repos.audit.append(operatorEvent(input.tenantId, "api_key.revoked", at, { keyId: input.keyId, reason: "revoked" }));
      return ok({ keyId: input.keyId });
    });
  }
}

/** Who a presented key speaks for: its tenant and role; null for an unknown or revoked key. */
export class ResolveApiKey {
  constructor(private readonly deps: Pick<TenantDeps, "uow">) {}

  async execute(keyHash: string): Promise<Actor | null> {
    const key = await this.deps.uow.run((repos) => repos.apiKeys.findByHash(keyHash));
    if (!key || key.revokedAt !== null) return null;
    // A key of a tenant outside the grammar (the console's own, CONSOLE_TENANT) never speaks for anyone.
    if (!TENANT_ID.test(key.tenantId)) return null;
    return { tenantId: key.tenantId, keyId: key.id, role: key.role };
  }
}
