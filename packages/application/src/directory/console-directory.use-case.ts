// The console's directories (issue 15): the tenants an operator may work on (listed and, by an admin operator of every
// tenant, created), and a tenant's users by id prefix with when each of their factors last passed a step.
import { err, ok, type Instant, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { AuditReader, DirectoryPage, FactorLastUse, StoredTenant, UnitOfWork } from "../ports/repositories.port.js";
import { CONSOLE_TENANT, operatorMayUse, type OperatorView } from "../operators/console.use-case.js";
import { TENANT_ID } from "../tenants/tenants.use-case.js";
import type { Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import { compareIds, DIRECTORY_MAX_LIMIT } from "./directory-page.js";

const MAX_NAME = 200;
const MAX_PREFIX = 128;
/** At most this many factors looked up at once (a user has far fewer slots). */
const MAX_FACTORS = 64;

export interface DirectoryPageOf<T> {
  readonly items: T[];
  /** The last id of a full page (pass it as `after` for the next); null when this page is the last. */
  readonly next: string | null;
}

const invalid = (message: string): Result<never, AppError> => err({ code: "invalid_input", message });

function checkPage(page: DirectoryPage): Result<never, AppError> | null {
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > DIRECTORY_MAX_LIMIT)
    return invalid(`limit: 1–${DIRECTORY_MAX_LIMIT}`);
  if (page.prefix.length > MAX_PREFIX || /\p{Cc}/u.test(page.prefix))
    return invalid(`prefix: at most ${MAX_PREFIX} characters, no control characters`);
  if (page.after !== null && (page.after.length > 256 || /\p{Cc}/u.test(page.after))) return invalid("after: an id from a previous page");
  return null;
}

const pageOf = <T>(items: T[], idOf: (item: T) => string, limit: number): DirectoryPageOf<T> => ({
  items,
  next: items.length === limit ? idOf(items[items.length - 1] as T) : null,
});

export class ConsoleTenants {
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock }) {}

  /** The tenants this operator may work on: every one (but the console's) for an operator of every tenant, else theirs. */
  async list(operator: OperatorView, page: DirectoryPage): Promise<Result<DirectoryPageOf<StoredTenant>, AppError>> {
    const bad = checkPage(page);
    if (bad) return bad;
    if (operator.scope !== null) {
      const own = await this.deps.uow.run((repos) => repos.tenants.find(operator.scope as string));
      const shown = own && own.id.startsWith(page.prefix) && (page.after === null || compareIds(own.id, page.after) > 0) ? [own] : [];
      return ok({ items: shown, next: null });
    }
    // One more than asked, so that the console tenant can be dropped and the page still be full.
    const found = await this.deps.uow.run((repos) => repos.tenants.list({ ...page, limit: Math.min(page.limit + 1, DIRECTORY_MAX_LIMIT) }));
    const items = found.filter((t) => t.id !== CONSOLE_TENANT).slice(0, page.limit);
    return ok(pageOf(items, (t) => t.id, page.limit));
  }

  /** Creates a tenant: an admin operator of every tenant only. Audited in the new tenant with the operator as actor. */
  async create(operator: OperatorView, input: { tenantId: string; name: string }): Promise<Result<StoredTenant, AppError>> {
    if (operator.role !== "admin" || operator.scope !== null)
      return err({ code: "forbidden", message: "tenants are created by admin operators of every tenant" });
    if (!TENANT_ID.test(input.tenantId))
      return invalid(`tenant id: lowercase letters, digits, "_" and "-", 1–64 characters, starting with a letter or digit`);
    if (input.tenantId === CONSOLE_TENANT) return invalid(`tenant id: "${CONSOLE_TENANT}" is the console's own`);
    const name = input.name.trim();
    if (name.length === 0 || name.length > MAX_NAME || /\p{Cc}/u.test(input.name))
      return invalid(`name: 1–${MAX_NAME} characters, no control characters`);
    return this.deps.uow.run(async (repos) => {
      const at: Instant = this.deps.clock.now();
      const tenant: StoredTenant = { id: input.tenantId, name, createdAt: at };
      if (!(await repos.tenants.insert(tenant)))
        return err<AppError>({ code: "tenant_exists", message: `tenant "${input.tenantId}" already exists` });
      await repos.audit.append({
        tenantId: tenant.id,
        type: "tenant.created",
        at,
        actor: { kind: "operator", id: operator.id },
        userId: null,
        attemptId: null,
        factorId: null,
        data: { name },
      });
      return ok(tenant);
    });
  }

  /** Whether this operator may see this tenant (for answers that must not tell an operator of one tenant about another). */
  mayUse(operator: OperatorView, tenantId: string): boolean {
    return operatorMayUse(operator, tenantId);
  }
}

export interface UserListing {
  readonly userId: string;
  readonly createdAt: Instant;
}

export class TenantUsers {
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly audit: AuditReader }) {}

  /** The actor's tenant's users by id prefix, a keyset page at a time. Any key or operator of the tenant may read it. */
  async list(input: { actor: Actor; page: DirectoryPage }): Promise<Result<DirectoryPageOf<UserListing>, AppError>> {
    const bad = checkPage(input.page);
    if (bad) return bad;
    const users = await this.deps.uow.run((repos) => repos.users.list(input.actor.tenantId, input.page));
    return ok(pageOf(users, (u) => u.userId, input.page.limit));
  }

  /** When each of the user's factors (the policy slots of their credentials) last passed a step, from the audit trail. */
  async lastUses(input: { actor: Actor; userId: string }): Promise<FactorLastUse[]> {
    const credentials = await this.deps.uow.run((repos) => repos.credentials.listByUser(input.actor.tenantId, input.userId));
    const factorIds = [...new Set(credentials.map((c) => c.factorId))].slice(0, MAX_FACTORS);
    if (factorIds.length === 0) return [];
    return this.deps.audit.lastStepSucceeded(input.actor.tenantId, input.userId, factorIds);
  }
}
