// The storage ports in memory, with the same observable behaviour as the PostgreSQL adapter (the shared contract
// suites in ../contracts run against both): tenant-scoped reads, atomic replay guards, one active credential per
// slot, duplicate keys refused. Stored values are frozen copies; reads hand out fresh copies.
import type {
  ApiKeyRepository,
  AttemptRepository,
  AuditLog,
  AuditQuery,
  AuditReader,
  ChallengeRepository,
  ChallengeSend,
  CredentialRepository,
  SendScope,
  StoredChallenge,
  LockoutRepository,
  PolicyRepository,
  Repositories,
  StepClaim,
  StepRepository,
  StepState,
  StepWrite,
  StoredAuditEvent,
  SaveMaterialResult,
  StoredCredential,
  StoredApiKey,
  StoredPolicy,
  StoredTenant,
  StoredUser,
  DirectoryPage,
  FactorLastUse,
  StoredVaultEntry,
  TenantRepository,
  UserRepository,
  VaultRepository,
} from "../../index.js";
import { applyChallengeClaim, applyClaim, checkDirectoryPage, compareIds, materialKeyOf } from "../../index.js";
import {
  cloneRelyingPartyState,
  emptyRelyingPartyState,
  InMemoryRelyingPartyRepository,
  type RelyingPartyState,
} from "./in-memory-webauthn.js";
import {
  UNLOCKED,
  type Attempt,
  type AuditEvent,
  type Instant,
  type LockState,
  type VaultGrant,
  type VaultPermission,
  type VaultPrincipal,
} from "@mfa-chain/domain";

import {
  cloneEnforcementState,
  emptyEnforcementState,
  InMemoryDeviceRepository,
  InMemoryEnforcementRepository,
  type EnforcementState,
} from "./in-memory-enforcement.js";
import { clonePushState, emptyPushState, InMemoryPushRepository, type PushState } from "./in-memory-push.js";
import {
  cloneRecoveryState,
  emptyRecoveryState,
  InMemoryNotificationOutbox,
  InMemoryRecoveryRepository,
  InMemoryTenantSettingsRepository,
  type RecoveryStoreState,
} from "./in-memory-recovery.js";
import { cloneOperatorState, emptyOperatorState, InMemoryOperatorRepository, type OperatorState } from "./in-memory-operators.js";

/** The largest audit page, as in the PostgreSQL adapter. */
export const IN_MEMORY_AUDIT_MAX_LIMIT = 1000;

/** A duplicate key or a broken uniqueness rule: what PostgreSQL would refuse with a unique violation. */
export class InMemoryConstraintError extends Error {
  override readonly name = "InMemoryConstraintError";
  readonly code = "unique_violation";
}

interface State {
  readonly tenants: Map<string, StoredTenant>;
  readonly apiKeys: Map<string, StoredApiKey>;
  readonly policies: Map<string, StoredPolicy>;
  readonly users: Map<string, Instant>;
  readonly credentials: Map<string, StoredCredential>;
  readonly attempts: Map<string, Attempt>;
  readonly lockouts: Map<string, LockState>;
  readonly audit: StoredAuditEvent[];
  readonly vaultEntries: Map<string, StoredVaultEntry>;
  readonly vaultGrants: Map<string, VaultGrant & { readonly tenantId: string }>;
  readonly vaultGroups: Map<string, { readonly tenantId: string; readonly id: string; readonly members: readonly string[] }>;
  readonly challenges: Map<string, StoredChallenge>;
  readonly sends: Map<string, ChallengeSend>;
  /** WebAuthn relying parties, by tenant (in-memory-webauthn.ts). */
  readonly relyingParties: RelyingPartyState;
  /** Enforcement and remembered devices (in-memory-enforcement.ts). */
  readonly enforcement: EnforcementState;
  /** Push challenges, poll nonces, deny clears (in-memory-push.ts). */
  readonly push: PushState;
  /** Tenant settings, the notification outbox and recoveries (in-memory-recovery.ts). */
  readonly recovery: RecoveryStoreState;
  /** Console operators and their sessions (in-memory-operators.ts). */
  readonly operators: OperatorState;
  nextSeq: number;
}

const key = (...parts: readonly (string | number)[]): string => JSON.stringify(parts);

function freezeDeep<T>(value: T): T {
  if (value !== null && typeof value === "object" && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    for (const k of Object.keys(value)) freezeDeep((value as Record<string, unknown>)[k]);
    Object.freeze(value);
  }
  return value;
}

/** A deep copy of plain data (objects, arrays, Uint8Array), as a database round trip would give. */
function copy<T>(value: T): T {
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copy(v);
    return out as T;
  }
  return value;
}

const store = <T>(value: T): T => freezeDeep(copy(value));

const emptyState = (): State => ({
  tenants: new Map(),
  apiKeys: new Map(),
  policies: new Map(),
  users: new Map(),
  credentials: new Map(),
  attempts: new Map(),
  lockouts: new Map(),
  audit: [],
  vaultEntries: new Map(),
  vaultGrants: new Map(),
  vaultGroups: new Map(),
  challenges: new Map(),
  sends: new Map(),
  relyingParties: emptyRelyingPartyState(),
  enforcement: emptyEnforcementState(),
  push: emptyPushState(),
  recovery: emptyRecoveryState(),
  operators: emptyOperatorState(),
  nextSeq: 1,
});

/** Values are frozen and replaced, never changed in place, so a snapshot only copies the containers. */
const cloneState = (s: State): State => ({
  tenants: new Map(s.tenants),
  apiKeys: new Map(s.apiKeys),
  policies: new Map(s.policies),
  users: new Map(s.users),
  credentials: new Map(s.credentials),
  attempts: new Map(s.attempts),
  lockouts: new Map(s.lockouts),
  audit: [...s.audit],
  vaultEntries: new Map(s.vaultEntries),
  vaultGrants: new Map(s.vaultGrants),
  vaultGroups: new Map(s.vaultGroups),
  challenges: new Map(s.challenges),
  sends: new Map(s.sends),
  relyingParties: cloneRelyingPartyState(s.relyingParties),
  enforcement: cloneEnforcementState(s.enforcement),
  push: clonePushState(s.push),
  recovery: cloneRecoveryState(s.recovery),
  operators: cloneOperatorState(s.operators),
  nextSeq: s.nextSeq,
});

export type InMemorySnapshot = { readonly state: State };

export class InMemoryStore {
  private state: State = emptyState();
  /** The storage's own clock (grace deadlines are fixed by it, as by the database's on PostgreSQL); TestApp sets it. */
  clock: () => Instant = () => Date.now();

  snapshot(): InMemorySnapshot {
    return { state: cloneState(this.state) };
  }

  restore(snapshot: InMemorySnapshot): void {
    this.state = cloneState(snapshot.state);
  }

  /** Repositories working directly on the store (no transaction); `InMemoryUnitOfWork` wraps these. */
  repositories(guard: () => void = () => {}): Repositories {
    const repos = {
      tenants: new InMemoryTenantRepository(() => this.state, guard),
      apiKeys: new InMemoryApiKeyRepository(() => this.state, guard),
      policies: new InMemoryPolicyRepository(() => this.state, guard),
      users: new InMemoryUserRepository(() => this.state, guard),
      credentials: new InMemoryCredentialRepository(() => this.state, guard),
      attempts: new InMemoryAttemptRepository(() => this.state, guard),
      lockouts: new InMemoryLockoutRepository(() => this.state, guard),
      audit: new InMemoryAuditLog(() => this.state, guard),
      vault: new InMemoryVaultRepository(() => this.state, guard),
      challenges: new InMemoryChallengeRepository(() => this.state, guard),
      relyingParties: new InMemoryRelyingPartyRepository(() => this.state.relyingParties, guard),
      enforcement: new InMemoryEnforcementRepository(() => this.state.enforcement, guard, this.clock),
      operators: new InMemoryOperatorRepository(
        () => this.state.operators,
        guard,
        (t, u) => this.hasUser(t, u),
      ),
      devices: new InMemoryDeviceRepository(() => this.state.enforcement, guard),
      push: new InMemoryPushRepository(() => this.state, guard),
      settings: new InMemoryTenantSettingsRepository(() => this.state.recovery, guard, this.clock),
      notifications: new InMemoryNotificationOutbox(() => this.state.recovery, guard),
      recoveries: new InMemoryRecoveryRepository(() => this.state.recovery, guard, this.clock),
    };
    return { ...repos, steps: new InMemoryStepRepository(repos) };
  }

  readonly auditReader: AuditReader = {
    list: async (query: AuditQuery): Promise<StoredAuditEvent[]> => {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > IN_MEMORY_AUDIT_MAX_LIMIT) {
        throw new RangeError(`an audit page holds 1–${IN_MEMORY_AUDIT_MAX_LIMIT} events, asked for ${query.limit}`);
      }
      return this.state.audit
        .filter(
          (e) =>
            e.tenantId === query.tenantId &&
            (query.userId === undefined || e.userId === query.userId) &&
            (query.types === undefined || query.types.includes(e.type)) &&
            (query.from === undefined || e.at >= query.from) &&
            (query.to === undefined || e.at < query.to) &&
            (query.before === undefined || e.seq < query.before),
        )
        .sort((a, b) => b.seq - a.seq)
        .slice(0, query.limit)
        .map(copy);
    },
    lastStepSucceeded: async (tenantId: string, userId: string, factorIds: readonly string[]): Promise<FactorLastUse[]> => {
      const last = new Map<string, Instant>();
      for (const e of this.state.audit) {
        if (e.tenantId !== tenantId || e.userId !== userId || e.type !== "attempt.step_succeeded" || e.factorId === null) continue;
        if (factorIds.includes(e.factorId)) last.set(e.factorId, e.at);
      }
      return [...last].map(([factorId, at]) => ({ factorId, at })).sort((a, b) => (a.factorId < b.factorId ? -1 : 1));
    },
  };

  // Assertion helpers for tests: read the store without going through a unit of work.

  /** Every audit event of a tenant, oldest first. */
  auditEvents(tenantId: string): StoredAuditEvent[] {
    return this.state.audit.filter((e) => e.tenantId === tenantId).map(copy);
  }

  credentials(tenantId: string): StoredCredential[] {
    return [...this.state.credentials.values()].filter((c) => c.tenantId === tenantId).map(copy);
  }

  attempt(tenantId: string, attemptId: string): Attempt | null {
    const found = this.state.attempts.get(key(tenantId, attemptId));
    return found ? copy(found) : null;
  }

  /** Every stored challenge of a tenant (codes only as keyed hashes). */
  challenges(tenantId: string): StoredChallenge[] {
    return [...this.state.challenges.values()].filter((c) => c.tenantId === tenantId).map(copy);
  }

  /** How many sends a tenant's log holds. */
  sendCount(tenantId: string): number {
    return [...this.state.sends.values()].filter((x) => x.tenantId === tenantId).length;
  }

  lockState(tenantId: string, userId: string): LockState {
    return copy(this.state.lockouts.get(key(tenantId, userId)) ?? UNLOCKED);
  }

  /** Every vault entry of a tenant as stored (sealed seeds included). */
  vaultEntries(tenantId: string): StoredVaultEntry[] {
    return [...this.state.vaultEntries.values()].filter((e) => e.tenantId === tenantId).map(copy);
  }

  hasUser(tenantId: string, userId: string): boolean {
    return this.state.users.has(key(tenantId, userId));
  }
}

type StateRef = () => State;

abstract class Repo {
  constructor(
    protected readonly ref: StateRef,
    private readonly guard: () => void,
  ) {}

  protected get s(): State {
    this.guard();
    return this.ref();
  }
}

class InMemoryTenantRepository extends Repo implements TenantRepository {
  async insert(tenant: StoredTenant): Promise<boolean> {
    if (this.s.tenants.has(tenant.id)) return false;
    this.s.tenants.set(tenant.id, store(tenant));
    return true;
  }

  async find(tenantId: string): Promise<StoredTenant | null> {
    const found = this.s.tenants.get(tenantId);
    return found ? copy(found) : null;
  }

  async list(page: DirectoryPage): Promise<StoredTenant[]> {
    return pageOf([...this.s.tenants.values()], (t) => t.id, page).map(copy);
  }
}

/** A keyset page by id (DirectoryPage), over ids compared as PostgreSQL compares them under the "C" collation. */
function pageOf<T>(all: readonly T[], idOf: (item: T) => string, page: DirectoryPage): T[] {
  checkDirectoryPage(page);
  return all
    .filter((item) => idOf(item).startsWith(page.prefix) && (page.after === null || compareIds(idOf(item), page.after) > 0))
    .sort((a, b) => compareIds(idOf(a), idOf(b)))
    .slice(0, page.limit);
}

class InMemoryApiKeyRepository extends Repo implements ApiKeyRepository {
  async insert(apiKey: StoredApiKey): Promise<void> {
    const s = this.s;
    if (!s.tenants.has(apiKey.tenantId)) throw new InMemoryConstraintError(`api_keys: no tenant ${apiKey.tenantId}`);
    if (s.apiKeys.has(key(apiKey.tenantId, apiKey.id))) throw new InMemoryConstraintError(`api_keys: duplicate id ${apiKey.id}`);
    if ([...s.apiKeys.values()].some((k) => k.keyHash === apiKey.keyHash))
      throw new InMemoryConstraintError("api_keys: duplicate key hash");
    s.apiKeys.set(key(apiKey.tenantId, apiKey.id), store(apiKey));
  }

  async findByHash(keyHash: string): Promise<StoredApiKey | null> {
    const found = [...this.s.apiKeys.values()].find((k) => k.keyHash === keyHash);
    return found ? copy(found) : null;
  }

  async listByTenant(tenantId: string): Promise<StoredApiKey[]> {
    return [...this.s.apiKeys.values()]
      .filter((k) => k.tenantId === tenantId)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(copy);
  }

  async revoke(tenantId: string, which: { readonly id: string } | { readonly name: string }, at: Instant): Promise<string[]> {
    const s = this.s;
    const live = [...s.apiKeys.values()].filter(
      (k) => k.tenantId === tenantId && k.revokedAt === null && ("id" in which ? k.id === which.id : k.name === which.name),
    );
    for (const k of live) s.apiKeys.set(key(tenantId, k.id), store({ ...k, revokedAt: at }));
    return live.map((k) => k.id);
  }
}

class InMemoryPolicyRepository extends Repo implements PolicyRepository {
  async insert(policy: StoredPolicy): Promise<boolean> {
    const k = key(policy.tenantId, policy.id, policy.version);
    if (this.s.policies.has(k)) return false;
    this.s.policies.set(k, store({ ...policy, deletedAt: null } as StoredPolicy));
    return true;
  }

  private versions(tenantId: string, policyId: string): (StoredPolicy & { deletedAt?: Instant | null })[] {
    return [...this.s.policies.values()].filter((p) => p.tenantId === tenantId && p.id === policyId).sort((a, b) => b.version - a.version);
  }

  private static out(p: StoredPolicy): StoredPolicy {
    const { deletedAt: _deletedAt, ...policy } = p as StoredPolicy & { deletedAt?: Instant | null };
    return copy(policy);
  }

  async findLatest(tenantId: string, policyId: string): Promise<StoredPolicy | null> {
    const live = this.versions(tenantId, policyId).find((p) => (p.deletedAt ?? null) === null);
    return live ? InMemoryPolicyRepository.out(live) : null;
  }

  async findVersion(tenantId: string, policyId: string, version: number): Promise<StoredPolicy | null> {
    const found = this.s.policies.get(key(tenantId, policyId, version));
    return found ? InMemoryPolicyRepository.out(found) : null;
  }

  async listLatest(tenantId: string): Promise<StoredPolicy[]> {
    const ids = new Set([...this.s.policies.values()].filter((p) => p.tenantId === tenantId).map((p) => p.id));
    const latest: StoredPolicy[] = [];
    for (const id of [...ids].sort()) {
      const found = await this.findLatest(tenantId, id);
      if (found) latest.push(found);
    }
    return latest;
  }

  async markDeleted(tenantId: string, policyId: string, at: Instant): Promise<boolean> {
    let changed = false;
    for (const p of this.versions(tenantId, policyId)) {
      if ((p.deletedAt ?? null) !== null) continue;
      this.s.policies.set(key(tenantId, policyId, p.version), store({ ...p, deletedAt: at }));
      changed = true;
    }
    return changed;
  }
}

class InMemoryUserRepository extends Repo implements UserRepository {
  async lock(tenantId: string, userId: string, at: Instant): Promise<void> {
    const k = key(tenantId, userId);
    if (!this.s.users.has(k)) this.s.users.set(k, at);
  }

  async list(tenantId: string, page: DirectoryPage): Promise<StoredUser[]> {
    const users = [...this.s.users]
      .map(([k, createdAt]) => ({ parts: JSON.parse(k) as [string, string], createdAt }))
      .filter(({ parts }) => parts[0] === tenantId)
      .map(({ parts, createdAt }) => ({ userId: parts[1], createdAt }));
    return pageOf(users, (u) => u.userId, page);
  }
}

class InMemoryCredentialRepository extends Repo implements CredentialRepository {
  private get(tenantId: string, credentialId: string): StoredCredential | undefined {
    return this.s.credentials.get(key(tenantId, credentialId));
  }

  private put(c: StoredCredential): void {
    this.s.credentials.set(key(c.tenantId, c.id), store(c));
  }

  private activeOfSlot(tenantId: string, userId: string, factorId: string): StoredCredential | undefined {
    return [...this.s.credentials.values()].find(
      (c) => c.tenantId === tenantId && c.userId === userId && c.factorId === factorId && c.status === "active",
    );
  }

  async insert(credential: StoredCredential): Promise<void> {
    if (this.get(credential.tenantId, credential.id)) throw new InMemoryConstraintError(`credential ${credential.id} already exists`);
    if (credential.status === "active" && this.activeOfSlot(credential.tenantId, credential.userId, credential.factorId)) {
      throw new InMemoryConstraintError(`slot ${credential.factorId} already has an active credential`);
    }
    this.put(credential);
  }

  async saveMaterial(credential: StoredCredential): Promise<SaveMaterialResult> {
    const c = this.get(credential.tenantId, credential.id);
    if (!c || c.status !== "pending") return "not_pending";
    // A kind's uniqueness rule (a WebAuthn credential id once per tenant, S24), as the database's unique constraint.
    const k = materialKeyOf(credential);
    if (k !== null)
      for (const other of this.s.credentials.values())
        if (other.tenantId === credential.tenantId && other.id !== credential.id && materialKeyOf(other) === k) return "refused";
    this.put({ ...c, material: credential.material } as StoredCredential);
    return "saved";
  }

  async findById(tenantId: string, userId: string, credentialId: string): Promise<StoredCredential | null> {
    const c = this.get(tenantId, credentialId);
    return c && c.userId === userId ? copy(c) : null;
  }

  async findActiveByFactor(tenantId: string, userId: string, factorId: string): Promise<StoredCredential | null> {
    const c = this.activeOfSlot(tenantId, userId, factorId);
    return c ? copy(c) : null;
  }

  async listByUser(tenantId: string, userId: string): Promise<StoredCredential[]> {
    return [...this.s.credentials.values()]
      .filter((c) => c.tenantId === tenantId && c.userId === userId)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(copy);
  }

  async activate(tenantId: string, credentialId: string, at: Instant, claim: StepClaim | null): Promise<boolean> {
    const c = this.get(tenantId, credentialId);
    if (!c || c.status !== "pending") return false;
    const previous = this.activeOfSlot(tenantId, c.userId, c.factorId);
    if (previous) this.put({ ...previous, status: "revoked", revokedAt: at });
    this.put({ ...c, status: "active", confirmedAt: at } as StoredCredential);
    if (claim && !(await this.claim(tenantId, claim, at)))
      throw new Error(`the claim of credential ${credentialId} did not hold on activation`);
    return true;
  }

  async deletePending(tenantId: string, userId: string, factorId: string): Promise<void> {
    for (const [k, c] of this.s.credentials) {
      if (c.tenantId === tenantId && c.userId === userId && c.factorId === factorId && c.status === "pending") {
        this.s.credentials.delete(k);
      }
    }
  }

  async revoke(tenantId: string, credentialId: string, at: Instant): Promise<boolean> {
    const c = this.get(tenantId, credentialId);
    if (!c || c.status === "revoked") return false;
    this.put({ ...c, status: "revoked", revokedAt: at });
    return true;
  }

  async claim(tenantId: string, claim: StepClaim, at: Instant): Promise<boolean> {
    // The adapters refuse a claim that cannot be right, as the PostgreSQL adapter does.
    if (claim.kind === "time_step" && (!Number.isSafeInteger(claim.step) || claim.step < 0)) {
      throw new RangeError(`a time step is a non-negative integer, got ${claim.step}`);
    }
    if (
      claim.kind === "counter" &&
      (!Number.isSafeInteger(claim.next) || !Number.isSafeInteger(claim.expected) || claim.next <= claim.expected)
    ) {
      throw new RangeError(`a HOTP counter only moves forward: from ${claim.expected} to ${claim.next} is not allowed`);
    }
    const c = this.get(tenantId, claim.credentialId);
    const claimed = c ? applyClaim(c, claim) : null;
    if (!claimed) return false;
    // A sent code's claim moves its challenge (beside the credential), under the same guard as the storage's statement.
    if (
      claim.kind === "challenge" ||
      claim.kind === "challenge_try" ||
      claim.kind === "challenge_spent" ||
      claim.kind === "webauthn_assertion"
    ) {
      const k = key(tenantId, claim.purpose, claim.challengeId);
      const ch = this.s.challenges.get(k);
      const next = ch && ch.credentialId === claim.credentialId ? applyChallengeClaim(ch, claim, at) : null;
      if (!next) return false;
      this.s.challenges.set(k, store(next));
    }
    this.put(claimed);
    return true;
  }
}

class InMemoryChallengeRepository extends Repo implements ChallengeRepository {
  async find(tenantId: string, purpose: string, id: string): Promise<StoredChallenge | null> {
    const ch = this.s.challenges.get(key(tenantId, purpose, id));
    return ch ? copy(ch) : null;
  }

  async save(challenge: StoredChallenge): Promise<void> {
    this.s.challenges.set(key(challenge.tenantId, challenge.purpose, challenge.id), store(challenge));
  }

  async recordSend(send: ChallengeSend): Promise<void> {
    const k = key(send.tenantId, send.id);
    if (this.s.sends.has(k)) throw new InMemoryConstraintError(`send ${send.id} already exists`);
    this.s.sends.set(k, store(send));
  }

  async sendsSince(tenantId: string, scope: SendScope, since: Instant, limit: number): Promise<Instant[]> {
    return [...this.s.sends.values()]
      .filter(
        (x) =>
          x.tenantId === tenantId &&
          x.sentAt > since &&
          ("userId" in scope ? x.userId === scope.userId : "destinationKey" in scope ? x.destinationKey === scope.destinationKey : true),
      )
      .map((x) => x.sentAt)
      .sort((a, b) => b - a)
      .slice(0, limit);
  }

  /** The current challenge of an attempt's step for a credential (the verify path's read). */
  forStep(tenantId: string, attemptId: string, step: number, credentialId: string): StoredChallenge | null {
    const found = [...this.s.challenges.values()].find(
      (ch) => ch.tenantId === tenantId && ch.attemptId === attemptId && ch.step === step && ch.credentialId === credentialId,
    );
    return found ? copy(found) : null;
  }
}

class InMemoryAttemptRepository extends Repo implements AttemptRepository {
  async insert(attempt: Attempt): Promise<void> {
    const k = key(attempt.tenantId, attempt.id);
    if (this.s.attempts.has(k)) throw new InMemoryConstraintError(`attempt ${attempt.id} already exists`);
    this.s.attempts.set(k, store(attempt));
  }

  async find(tenantId: string, attemptId: string): Promise<Attempt | null> {
    const a = this.s.attempts.get(key(tenantId, attemptId));
    return a ? copy(a) : null;
  }

  /** Transactions of the in-memory unit of work already run one at a time: reading is locking. */
  findForUpdate(tenantId: string, attemptId: string): Promise<Attempt | null> {
    return this.find(tenantId, attemptId);
  }

  async update(attempt: Attempt, expectedVersion: number): Promise<boolean> {
    const k = key(attempt.tenantId, attempt.id);
    const stored = this.s.attempts.get(k);
    if (!stored || stored.version !== expectedVersion) return false;
    // As in PostgreSQL: identity, owner, policy version and creation time are not rewritten.
    this.s.attempts.set(
      k,
      store({
        ...stored,
        chain: attempt.chain,
        eligible: attempt.eligible,
        cursor: attempt.cursor,
        status: attempt.status,
        version: attempt.version,
        expiresAt: attempt.expiresAt,
        completedAt: attempt.completedAt,
      }),
    );
    return true;
  }
}

class InMemoryLockoutRepository extends Repo implements LockoutRepository {
  findForUpdate(tenantId: string, userId: string): Promise<LockState> {
    return this.find(tenantId, userId);
  }

  async find(tenantId: string, userId: string): Promise<LockState> {
    return copy(this.s.lockouts.get(key(tenantId, userId)) ?? UNLOCKED);
  }

  async save(tenantId: string, userId: string, lock: LockState, _at: Instant): Promise<void> {
    this.s.lockouts.set(
      key(tenantId, userId),
      store({ consecutiveFailures: lock.consecutiveFailures, lockCount: lock.lockCount, lockedUntil: lock.lockedUntil }),
    );
  }
}

class InMemoryAuditLog extends Repo implements AuditLog {
  async append(...events: AuditEvent[]): Promise<void> {
    const s = this.s;
    for (const event of events) {
      s.audit.push(store({ ...event, seq: s.nextSeq }));
      s.nextSeq += 1;
    }
  }
}

const grantKey = (tenantId: string, g: { entryId: string; principal: VaultPrincipal; permission: VaultPermission }) =>
  key(tenantId, g.entryId, g.principal.kind, g.principal.id, g.permission);

class InMemoryVaultRepository extends Repo implements VaultRepository {
  async insert(entry: StoredVaultEntry): Promise<boolean> {
    const s = this.s;
    if (s.vaultEntries.has(key(entry.tenantId, entry.id))) throw new InMemoryConstraintError(`vault entry ${entry.id} exists`);
    if ([...s.vaultEntries.values()].some((e) => e.tenantId === entry.tenantId && e.name === entry.name)) return false;
    s.vaultEntries.set(key(entry.tenantId, entry.id), store(entry));
    return true;
  }

  async find(tenantId: string, entryId: string): Promise<StoredVaultEntry | null> {
    const e = this.s.vaultEntries.get(key(tenantId, entryId));
    return e ? copy(e) : null;
  }

  async list(tenantId: string): Promise<StoredVaultEntry[]> {
    return [...this.s.vaultEntries.values()]
      .filter((e) => e.tenantId === tenantId)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(copy);
  }

  async delete(tenantId: string, entryId: string): Promise<boolean> {
    const s = this.s;
    for (const [k, g] of s.vaultGrants) if (g.tenantId === tenantId && g.entryId === entryId) s.vaultGrants.delete(k);
    return s.vaultEntries.delete(key(tenantId, entryId));
  }

  async takeCounter(tenantId: string, entryId: string): Promise<number | null> {
    const e = this.s.vaultEntries.get(key(tenantId, entryId));
    if (!e || e.counter === null) return null;
    this.s.vaultEntries.set(key(tenantId, entryId), store({ ...e, counter: e.counter + 1 }));
    return e.counter;
  }

  async grants(tenantId: string, entryId: string): Promise<VaultGrant[]> {
    return (await this.allGrants(tenantId)).filter((g) => g.entryId === entryId);
  }

  async allGrants(tenantId: string): Promise<VaultGrant[]> {
    return [...this.s.vaultGrants.values()]
      .filter((g) => g.tenantId === tenantId)
      .map(({ entryId, principal, permission }) => copy({ entryId, principal, permission }))
      .sort((a, b) => {
        const x = key(a.entryId, a.principal.kind, a.principal.id, a.permission);
        const y = key(b.entryId, b.principal.kind, b.principal.id, b.permission);
        return x < y ? -1 : x > y ? 1 : 0;
      });
  }

  async addGrant(tenantId: string, grant: VaultGrant, _at: Instant): Promise<boolean> {
    const s = this.s;
    if (!s.vaultEntries.has(key(tenantId, grant.entryId))) throw new InMemoryConstraintError(`vault grant: no entry ${grant.entryId}`);
    const k = grantKey(tenantId, grant);
    if (s.vaultGrants.has(k)) return false;
    s.vaultGrants.set(k, store({ ...grant, tenantId }));
    return true;
  }

  async removeGrant(tenantId: string, entryId: string, principal: VaultPrincipal, permission: VaultPermission): Promise<boolean> {
    return this.s.vaultGrants.delete(grantKey(tenantId, { entryId, principal, permission }));
  }

  async setGroup(tenantId: string, groupId: string, members: readonly string[], _at: Instant): Promise<void> {
    const k = key(tenantId, groupId);
    if (members.length === 0) this.s.vaultGroups.delete(k);
    else this.s.vaultGroups.set(k, store({ tenantId, id: groupId, members: [...new Set(members)].sort() }));
  }

  async groupsOf(tenantId: string, userId: string): Promise<string[]> {
    return [...this.s.vaultGroups.values()]
      .filter((g) => g.tenantId === tenantId && g.members.includes(userId))
      .map((g) => g.id)
      .sort();
  }

  async listGroups(tenantId: string): Promise<{ readonly id: string; readonly members: string[] }[]> {
    return [...this.s.vaultGroups.values()]
      .filter((g) => g.tenantId === tenantId)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((g) => ({ id: g.id, members: [...g.members] }));
  }
}

/** The verify path's read and write, composed of the repositories above (transactions already run one at a time). */
class InMemoryStepRepository implements StepRepository {
  constructor(private readonly r: Omit<Repositories, "steps" | "challenges"> & { readonly challenges: InMemoryChallengeRepository }) {}

  async lockForStep(tenantId: string, attemptId: string, factorId: string): Promise<StepState | null> {
    const attempt = await this.r.attempts.findForUpdate(tenantId, attemptId);
    if (!attempt) return null;
    const lock = await this.r.lockouts.findForUpdate(tenantId, attempt.userId);
    const credential = await this.r.credentials.findActiveByFactor(tenantId, attempt.userId, factorId);
    const challenge = credential ? this.r.challenges.forStep(tenantId, attempt.id, attempt.cursor, credential.id) : null;
    return { attempt, lock, credential, challenge };
  }

  async readForStep(tenantId: string, attemptId: string, factorId: string): Promise<StepState | null> {
    // The store has no locks: the read is the same, and no counter row is needed to compare with.
    return this.lockForStep(tenantId, attemptId, factorId);
  }

  async writeIfUnchanged(tenantId: string, userId: string, step: StepWrite, seen: LockState): Promise<boolean> {
    // Work without a transaction runs one at a time here too: check everything, then write (a claim that fails
    // has written nothing).
    const attempt = await this.r.attempts.findForUpdate(tenantId, step.attempt.id);
    if (!attempt || attempt.version !== step.expectedVersion) return false;
    const lock = await this.r.lockouts.find(tenantId, userId);
    if (lock.consecutiveFailures !== seen.consecutiveFailures || lock.lockCount !== seen.lockCount || lock.lockedUntil !== seen.lockedUntil)
      return false;
    return this.write(tenantId, userId, step);
  }

  async write(tenantId: string, userId: string, step: StepWrite): Promise<boolean> {
    const { claim } = step;
    if (claim) {
      if (!(await this.r.credentials.claim(tenantId, claim, step.at))) return false;
    }
    if (step.attempt.tenantId !== tenantId) return false;
    if (!(await this.r.attempts.update(step.attempt, step.expectedVersion))) return false;
    if (step.lock) await this.r.lockouts.save(tenantId, userId, step.lock, step.at);
    await this.r.audit.append(...step.events);
    return true;
  }
}
