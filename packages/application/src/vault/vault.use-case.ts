// The shared vault (SPEC §4): a team's TOTP/HOTP seeds of shared accounts. A seed is sealed with the keyring when it is
// added (bound to the tenant and the entry) and never returned again; reading a code is checked against the entry's
// grants and audited, refused or not. Decisions are the domain's (vault/vault.ts); this wires them to the ports.
import {
  checkPrincipal,
  checkVaultLabels,
  checkVaultSeed,
  err,
  isAllowed,
  isReadBurst,
  isVisible,
  ok,
  totpWindow,
  wantsNextCode,
  type AuditActor,
  type AuditEvent,
  type AuditEventType,
  type AuditValue,
  type Instant,
  type Result,
  type VaultCaller,
  type VaultEntryType,
  type VaultGrant,
  type VaultIssue,
  type VaultPermission,
  type VaultPrincipal,
  type VaultSeedInput,
} from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { IdGenerator } from "../ports/id-generator.port.js";
import type { OtpGenerator } from "../ports/otp.port.js";
import type { Repositories, StoredVaultEntry, UnitOfWork } from "../ports/repositories.port.js";
import type { SecretBinding, SecretCipher } from "../ports/secret-cipher.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";

export interface VaultDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly cipher: SecretCipher;
  readonly generator: OtpGenerator;
}

/**
 * Who calls the vault: an admin (an admin API key, or the operator's CLI) may do everything; otherwise the call is on
 * behalf of a named user of the tenant, checked against the grants. `clientAddress` goes into the audit of a read.
 */
export interface VaultRequester {
  readonly tenantId: string;
  readonly actor: AuditActor;
  readonly admin: boolean;
  /** The user the call is made for; null for an admin acting as itself. */
  readonly userId: string | null;
  readonly clientAddress: string | null;
}

/** An API key's vault requester: an admin key is an admin; a service key must name the user it acts for. */
export function vaultRequester(actor: Actor, userId: string | null, clientAddress: string | null): VaultRequester {
  return { tenantId: actor.tenantId, actor: auditActor(actor), admin: actor.role === "admin", userId, clientAddress };
}

/** A seed as read from an otpauth:// URI or given as base32 plus parameters; `secret` is wiped once sealed. */
export type VaultSeed = Omit<VaultSeedInput, "secretBytes"> & { readonly secret: Uint8Array };

export interface VaultGrantView {
  readonly principal: VaultPrincipal;
  readonly permission: VaultPermission;
}

export interface VaultEntryView {
  readonly id: string;
  readonly name: string;
  readonly type: VaultEntryType;
  readonly issuer: string;
  readonly accountName: string;
  readonly algorithm: string;
  readonly digits: number;
  readonly period: number | null;
  readonly counter: number | null;
  readonly tags: readonly string[];
  readonly notes: string;
  readonly createdAt: Instant;
  /** The entry's grants, for a caller who may manage it; empty otherwise. */
  readonly grants: readonly VaultGrantView[];
}

export interface VaultCodeView {
  readonly entryId: string;
  readonly type: VaultEntryType;
  readonly code: string;
  /** TOTP: the period, the seconds the code stays valid, and when it stops. Null for HOTP. */
  readonly period: number | null;
  readonly remainingSeconds: number | null;
  readonly validUntil: Instant | null;
  /** HOTP: the counter this code was made from. Null for TOTP. */
  readonly counter: number | null;
  /** TOTP, when the current code has under 5 seconds left: the next one. */
  readonly next: { readonly code: string; readonly validUntil: Instant } | null;
}

/** What a vault seed's ciphertext is bound to: its tenant and entry (no user: the seed is the team's). */
export const vaultSecretBinding = (tenantId: string, entryId: string): SecretBinding => ({
  tenantId,
  userId: "vault",
  credentialId: entryId,
});
const binding = vaultSecretBinding;

const notFound = (entryId: string): AppError => ({ code: "vault_entry_not_found", message: `no vault entry "${entryId}"` });
const invalidSeed = (issues: readonly VaultIssue[]): AppError => ({
  code: "invalid_seed",
  message: issues.map((i) => `${i.field}: ${i.message}`).join("; "),
  issues,
});

function event(r: VaultRequester, type: AuditEventType, at: Instant, data: Record<string, AuditValue>): AuditEvent {
  return { tenantId: r.tenantId, type, at, actor: r.actor, userId: r.userId, attemptId: null, factorId: null, data };
}

/** The domain's caller: an admin, or a user with their groups; null for a non-admin that names no user. */
async function callerOf(repos: Repositories, r: VaultRequester): Promise<VaultCaller | null> {
  if (r.admin) return { kind: "admin" };
  if (r.userId === null) return null;
  return { kind: "user", userId: r.userId, groups: await repos.vault.groupsOf(r.tenantId, r.userId) };
}

const noActingUser: AppError = {
  code: "forbidden",
  message: "a vault call with a service key must name the user it acts for (header Mfa-Acting-User)",
};

/**
 * Loads an entry and checks the caller's permission on it. A refusal is audited (vault.access_denied) in the same
 * transaction, which commits: the caller gets 403 and the audit keeps the attempt.
 */
async function authorize(
  repos: Repositories,
  r: VaultRequester,
  entryId: string,
  permission: VaultPermission,
  at: Instant,
): Promise<Result<{ entry: StoredVaultEntry; grants: VaultGrant[]; caller: VaultCaller }, AppError>> {
  const entry = await repos.vault.find(r.tenantId, entryId);
  if (!entry) return err(notFound(entryId));
  const caller = await callerOf(repos, r);
  const grants = await repos.vault.grants(r.tenantId, entryId);
  if (caller && isAllowed(caller, grants, permission)) return ok({ entry, grants, caller });
  await repos.audit.append(event(r, "vault.access_denied", at, { entryId, permission, clientAddress: r.clientAddress }));
  if (!caller) return err(noActingUser);
  return err({ code: "forbidden", message: `user "${r.userId}" has no ${permission} grant on vault entry "${entryId}"` });
}

function viewOf(e: StoredVaultEntry, grants: readonly VaultGrant[], caller: VaultCaller): VaultEntryView {
  const shown = isAllowed(caller, grants, "manage") ? grants.map((g) => ({ principal: g.principal, permission: g.permission })) : [];
  return {
    id: e.id,
    name: e.name,
    type: e.type,
    issuer: e.issuer,
    accountName: e.accountName,
    algorithm: e.algorithm,
    digits: e.digits,
    period: e.period,
    counter: e.counter,
    tags: e.tags,
    notes: e.notes,
    createdAt: e.createdAt,
    grants: shown,
  };
}

/** Adds an entry. A user who adds one may manage it; an admin grants it to whoever should read it. */
export class AddVaultEntry {
  constructor(private readonly deps: VaultDeps) {}

  async execute(input: {
    requester: VaultRequester;
    name: string;
    tags?: readonly string[];
    notes?: string;
    seed: VaultSeed;
  }): Promise<Result<VaultEntryView, AppError>> {
    const { requester: r, seed } = input;
    try {
      const checked = checkVaultSeed({ ...seed, secretBytes: seed.secret.length });
      const labels = checkVaultLabels({ name: input.name, tags: input.tags ?? [], notes: input.notes ?? "" });
      const issues = [...(checked.ok ? [] : checked.issues), ...(labels.ok ? [] : labels.issues)];
      if (!checked.ok || !labels.ok) return err(invalidSeed(issues));
      if (!r.admin && r.userId === null) return err(noActingUser);
      const id = `ve_${this.deps.ids.newId()}`;
      const secret = this.deps.cipher.seal(seed.secret, binding(r.tenantId, id));
      return await this.deps.uow.run(async (repos) => {
        const at = this.deps.clock.now();
        const entry: StoredVaultEntry = {
          ...checked.params,
          tenantId: r.tenantId,
          id,
          name: labels.name,
          tags: labels.tags,
          notes: labels.notes,
          createdAt: at,
          secret,
        };
        if (!(await repos.vault.insert(entry))) {
          return err<AppError>({ code: "vault_entry_exists", message: `a vault entry named "${labels.name}" exists` });
        }
        const grants: VaultGrant[] = [];
        if (r.userId !== null && !r.admin) {
          const grant: VaultGrant = { entryId: id, principal: { kind: "user", id: r.userId }, permission: "manage" };
          await repos.vault.addGrant(r.tenantId, grant, at);
          grants.push(grant);
        }
        await repos.audit.append(
          event(r, "vault.entry_added", at, { entryId: id, name: labels.name, type: entry.type, clientAddress: r.clientAddress }),
        );
        return ok(viewOf(entry, grants, r.admin ? { kind: "admin" } : { kind: "user", userId: r.userId ?? "", groups: [] }));
      });
    } finally {
      seed.secret.fill(0);
    }
  }
}

/** The entries the caller may read (every one for an admin). */
export class ListVaultEntries {
  constructor(private readonly deps: Pick<VaultDeps, "uow">) {}

  async execute(input: { requester: VaultRequester }): Promise<Result<VaultEntryView[], AppError>> {
    const r = input.requester;
    return this.deps.uow.run(async (repos) => {
      const caller = await callerOf(repos, r);
      if (!caller) return err(noActingUser);
      const grants = await repos.vault.allGrants(r.tenantId);
      const entries = await repos.vault.list(r.tenantId);
      return ok(
        entries.flatMap((e) => {
          const own = grants.filter((g) => g.entryId === e.id);
          return isVisible(caller, own) ? [viewOf(e, own, caller)] : [];
        }),
      );
    });
  }
}

/** One entry's metadata, for a caller with any grant on it. */
export class GetVaultEntry {
  constructor(private readonly deps: Pick<VaultDeps, "uow" | "clock">) {}

  async execute(input: { requester: VaultRequester; entryId: string }): Promise<Result<VaultEntryView, AppError>> {
    return this.deps.uow.run(async (repos) => {
      const found = await authorize(repos, input.requester, input.entryId, "read_code", this.deps.clock.now());
      if (!found.ok) return found;
      return ok(viewOf(found.value.entry, found.value.grants, found.value.caller));
    });
  }
}

/** How each entry type makes its code. A Record over the types: a new type is a type error until placed. */
const CODES: {
  readonly [T in VaultEntryType]: (
    deps: VaultDeps,
    repos: Repositories,
    entry: StoredVaultEntry,
    secret: Uint8Array,
    now: Instant,
  ) => Promise<{ view: Omit<VaultCodeView, "entryId" | "type">; step: Record<string, AuditValue> } | null>;
} = {
  async totp(deps, _repos, entry, secret, now) {
    const period = entry.period ?? 30;
    const options = { algorithm: entry.algorithm, digits: entry.digits, period };
    const w = totpWindow(now, period);
    const code = deps.generator.generateTotp(secret, now, options);
    const next = wantsNextCode(w.remainingSeconds)
      ? { code: deps.generator.generateTotp(secret, w.validUntil, options), validUntil: w.validUntil + period * 1000 }
      : null;
    return {
      view: { code, period, remainingSeconds: w.remainingSeconds, validUntil: w.validUntil, counter: null, next },
      step: { timeStep: w.step },
    };
  },
  async hotp(deps, repos, entry, secret) {
    // Taken and moved forward in one statement: parallel reads each get their own counter.
    const counter = await repos.vault.takeCounter(entry.tenantId, entry.id);
    if (counter === null) return null;
    const code = deps.generator.generateHotp(secret, counter, { algorithm: entry.algorithm, digits: entry.digits });
    return { view: { code, period: null, remainingSeconds: null, validUntil: null, counter, next: null }, step: { counter } };
  },
};

/**
 * Reads an entry's current code. Every read is audited with who, which entry, the time step (or counter) and the client
 * address; a read past the burst threshold of the caller's reads of this entry in the rate-limit window is flagged.
 */
export class ReadVaultCode {
  constructor(private readonly deps: VaultDeps) {}

  async execute(input: {
    requester: VaultRequester;
    entryId: string;
    /** The caller's reads of this entry in the current rate-limit window, this one included (the edge counts them). */
    readsInWindow?: number;
    burstThreshold?: number;
  }): Promise<Result<VaultCodeView, AppError>> {
    const r = input.requester;
    return this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      const found = await authorize(repos, r, input.entryId, "read_code", now);
      if (!found.ok) return found;
      const { entry } = found.value;
      const secret = this.deps.cipher.open(entry.secret, binding(r.tenantId, entry.id));
      let made;
      try {
        made = await CODES[entry.type](this.deps, repos, entry, secret, now);
      } finally {
        secret.fill(0);
      }
      if (!made) return err(notFound(input.entryId));
      const burst =
        input.readsInWindow !== undefined && input.burstThreshold !== undefined && isReadBurst(input.readsInWindow, input.burstThreshold);
      const facts = { entryId: entry.id, ...made.step, clientAddress: r.clientAddress };
      await repos.audit.append(event(r, "vault.code_read", now, { ...facts, burst }));
      if (burst) await repos.audit.append(event(r, "vault.read_burst", now, { ...facts, reads: input.readsInWindow ?? 0 }));
      return ok({ entryId: entry.id, type: entry.type, ...made.view });
    });
  }
}

/** A change of one grant: who asks, on which entry, for which principal and permission. */
export interface VaultGrantChange {
  readonly requester: VaultRequester;
  readonly entryId: string;
  readonly principal: VaultPrincipal;
  readonly permission: VaultPermission;
}

/**
 * Runs a grant change for a requester who may manage the entry (or an admin): `change` writes it and says whether it
 * changed anything (an error when that is refused), its audit event is appended when it did, and the entry's view
 * with its grants is the answer.
 */
async function changeGrant(
  deps: Pick<VaultDeps, "uow" | "clock">,
  input: VaultGrantChange,
  type: "vault.grant_added" | "vault.grant_revoked",
  change: (repos: Repositories, at: Instant) => Promise<Result<boolean, AppError>>,
): Promise<Result<VaultEntryView, AppError>> {
  return deps.uow.run(async (repos) => {
    const at = deps.clock.now();
    const found = await authorize(repos, input.requester, input.entryId, "manage", at);
    if (!found.ok) return found;
    const changed = await change(repos, at);
    if (!changed.ok) return changed;
    if (changed.value) {
      const { entryId, principal, permission } = input;
      await repos.audit.append(
        event(input.requester, type, at, { entryId, principalKind: principal.kind, principalId: principal.id, permission }),
      );
    }
    const grants = await repos.vault.grants(input.requester.tenantId, input.entryId);
    return ok(viewOf(found.value.entry, grants, found.value.caller));
  });
}

/** Grants a user or group a permission on an entry (needs manage, or an admin); granting it again changes nothing. */
export class GrantVaultAccess {
  constructor(private readonly deps: Pick<VaultDeps, "uow" | "clock">) {}

  async execute(input: VaultGrantChange): Promise<Result<VaultEntryView, AppError>> {
    const bad = checkPrincipal(input.principal);
    if (bad) return err<AppError>({ code: "invalid_input", message: `${bad.field}: ${bad.message}` });
    const grant: VaultGrant = { entryId: input.entryId, principal: input.principal, permission: input.permission };
    return changeGrant(this.deps, input, "vault.grant_added", async (repos, at) =>
      ok(await repos.vault.addGrant(input.requester.tenantId, grant, at)),
    );
  }
}

/** Removes a grant (needs manage, or an admin); one that does not exist is vault_grant_not_found. */
export class RevokeVaultAccess {
  constructor(private readonly deps: Pick<VaultDeps, "uow" | "clock">) {}

  async execute(input: VaultGrantChange): Promise<Result<VaultEntryView, AppError>> {
    return changeGrant(this.deps, input, "vault.grant_revoked", async (repos) => {
      if (await repos.vault.removeGrant(input.requester.tenantId, input.entryId, input.principal, input.permission)) return ok(true);
      return err<AppError>({
        code: "vault_grant_not_found",
        message: `${input.principal.kind} "${input.principal.id}" has no ${input.permission} grant on "${input.entryId}"`,
      });
    });
  }
}

/** Deletes an entry and its grants (needs manage, or an admin). The sealed seed goes with it. */
export class DeleteVaultEntry {
  constructor(private readonly deps: Pick<VaultDeps, "uow" | "clock">) {}

  async execute(input: { requester: VaultRequester; entryId: string }): Promise<Result<{ readonly id: string }, AppError>> {
    return this.deps.uow.run(async (repos) => {
      const at = this.deps.clock.now();
      const found = await authorize(repos, input.requester, input.entryId, "manage", at);
      if (!found.ok) return found;
      await repos.vault.delete(input.requester.tenantId, input.entryId);
      await repos.audit.append(event(input.requester, "vault.entry_deleted", at, { entryId: input.entryId, name: found.value.entry.name }));
      return ok({ id: input.entryId });
    });
  }
}

/** Sets a group's members (admin only); grants may name the group. An empty list removes the group. */
export class SetVaultGroup {
  constructor(private readonly deps: Pick<VaultDeps, "uow" | "clock">) {}

  async execute(input: {
    requester: VaultRequester;
    groupId: string;
    members: readonly string[];
  }): Promise<Result<{ readonly id: string; readonly members: readonly string[] }, AppError>> {
    const r = input.requester;
    if (!r.admin) return err<AppError>({ code: "forbidden", message: "vault groups are managed with an admin key" });
    const issues = [
      checkPrincipal({ kind: "group", id: input.groupId }),
      ...input.members.map((m) => checkPrincipal({ kind: "user", id: m })),
    ];
    const bad = issues.filter((i): i is VaultIssue => i !== null);
    if (bad.length > 0) return err<AppError>({ code: "invalid_input", message: bad.map((i) => `${i.field}: ${i.message}`).join("; ") });
    const members = [...new Set(input.members)].sort();
    return this.deps.uow.run(async (repos) => {
      const at = this.deps.clock.now();
      await repos.vault.setGroup(r.tenantId, input.groupId, members, at);
      await repos.audit.append(event(r, "vault.group_set", at, { groupId: input.groupId, members: members.length }));
      return ok({ id: input.groupId, members });
    });
  }
}

/**
 * Every group with its members: for an admin, and for a console operator (a viewer reads who may use what, as it reads
 * the audit trail; it never sees an entry's seed or code). A service key is refused, whichever user it names.
 */
export class ListVaultGroups {
  constructor(private readonly deps: Pick<VaultDeps, "uow">) {}

  async execute(input: { requester: VaultRequester }): Promise<Result<{ id: string; members: string[] }[], AppError>> {
    const r = input.requester;
    if (!r.admin && r.actor.kind !== "operator") {
      return err<AppError>({ code: "forbidden", message: "vault groups are read with an admin key (or by a console operator)" });
    }
    return this.deps.uow.run(async (repos) => ok(await repos.vault.listGroups(input.requester.tenantId)));
  }
}
