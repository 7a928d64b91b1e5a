// A tenant's API keys, managed from the admin console (issue 15): listed (never the keys), issued (the key shown once),
// revoked (refused by every API process from the commit on). Only a console operator with the admin role may: an API
// key cannot mint or revoke keys. Each change is audited with the operator as the actor.
import { err, ok, type Instant, type Result } from "@mfa-chain/domain";
import type { ApiKeyMinter } from "../ports/api-key-minter.port.js";
import type { Clock } from "../ports/clock.port.js";
import type { IdGenerator } from "../ports/id-generator.port.js";
import type { ApiKeyRole, StoredApiKey, UnitOfWork } from "../ports/repositories.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import type { IssuedApiKey } from "../tenants/tenants.use-case.js";

export interface ApiKeyView {
  readonly keyId: string;
  readonly name: string;
  readonly role: ApiKeyRole;
  readonly createdAt: Instant;
  readonly revokedAt: Instant | null;
}

const view = (k: StoredApiKey): ApiKeyView => ({ keyId: k.id, name: k.name, role: k.role, createdAt: k.createdAt, revokedAt: k.revokedAt });
const MAX_NAME = 200;

function refused(actor: Actor): Result<never, AppError> | null {
  return actor.operatorId !== undefined && actor.role === "admin"
    ? null
    : err({ code: "forbidden", message: "a tenant's API keys are managed by the console's admin operators" });
}

export class ConsoleApiKeys {
  constructor(
    private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock; readonly ids: IdGenerator; readonly keys: ApiKeyMinter },
  ) {}

  async list(input: { actor: Actor }): Promise<Result<ApiKeyView[], AppError>> {
    const no = refused(input.actor);
    if (no) return no;
    return ok((await this.deps.uow.run((repos) => repos.apiKeys.listByTenant(input.actor.tenantId))).map(view));
  }

  async issue(input: { actor: Actor; name: string; role: ApiKeyRole }): Promise<Result<IssuedApiKey, AppError>> {
    const no = refused(input.actor);
    if (no) return no;
    const name = input.name.trim();
    if (name.length === 0 || name.length > MAX_NAME || /\p{Cc}/u.test(name))
      return err({ code: "invalid_input", message: `key name: 1–${MAX_NAME} characters, no control characters` });
    if (input.role !== "admin" && input.role !== "service") return err({ code: "invalid_input", message: 'role: "admin" or "service"' });
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const at = this.deps.clock.now();
      if (!(await repos.tenants.find(tenantId))) return err<AppError>({ code: "tenant_not_found", message: `no tenant "${tenantId}"` });
      const { apiKey, keyHash } = this.deps.keys.mint();
      const keyId = `key_${this.deps.ids.newId()}`;
      await repos.apiKeys.insert({ tenantId, id: keyId, name, keyHash, role: input.role, createdAt: at, revokedAt: null });
      await repos.audit.append({
        tenantId,
        type: "api_key.issued",
        at,
        actor: auditActor(input.actor),
        userId: null,
        attemptId: null,
        factorId: null,
        data: { keyId, name, role: input.role },
      });
      return ok({ tenantId, keyId, role: input.role, apiKey });
    });
  }

  async revoke(input: { actor: Actor; keyId: string }): Promise<Result<{ readonly keyId: string }, AppError>> {
    const no = refused(input.actor);
    if (no) return no;
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const at = this.deps.clock.now();
      if ((await repos.apiKeys.revoke(tenantId, { id: input.keyId }, at)).length === 0) {
        return err<AppError>({ code: "api_key_not_found", message: `this tenant has no live API key "${input.keyId}"` });
      }
      await repos.audit.append({
        tenantId,
        type: "api_key.revoked",
        at,
        actor: auditActor(input.actor),
        userId: null,
        attemptId: null,
        factorId: null,
        data: { keyId: input.keyId, reason: "revoked" },
      });
      return ok({ keyId: input.keyId });
    });
  }
}
