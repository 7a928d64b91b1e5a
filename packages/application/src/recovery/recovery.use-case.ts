// Recovery (SPEC §4, issue 14) and the tenant's settings of notifications and recovery.
//
// Admin recovery: an admin asks for it after verifying the user's identity outside the service (recorded: which key,
// how, a reference). It waits the tenant's delay (24 h by default), timed by the storage's clock (the database's); the
// user is told at once on every channel they have, with a cancel token (192 bits from the CSPRNG, stored only as a
// keyed hash; sealed in the outbox until the send, then erased). States: requested → cancelled | ready → completed |
// expired, each transition audited. A recovery is moved to ready (or expired) when it is read or executed after its
// due time; executing a ready one revokes, in one transaction, every factor of the user (backup codes included), their
// remembered devices, so they enroll anew as a first enrollment (their failure counter stays: S7). The row is locked for the
// execution: two parallel executions make one completion, the other answers 409. With the delay off (0), an admin may
// also reset a user's factors at once. A lowered delay takes effect only once the old delay has passed (by the storage's
// clock), so one admin key cannot skip it; a raised one at once. A reset or an executed recovery is told to the user on
// the channels they had before the revocation (factors_reset). Locks are taken in one order everywhere: the user's row,
// then the recovery's (requesting, executing, cancelling), so they cannot deadlock.
import { DAY_MS, err, ok, type AuditActor, type AuditValue, type Instant, type Result } from "@mfa-chain/domain";
import type { Clock } from "../ports/clock.port.js";
import type { IdGenerator } from "../ports/id-generator.port.js";
import type { KeyedHasher } from "../ports/keyed-hasher.port.js";
import type { Repositories, UnitOfWork } from "../ports/repositories.port.js";
import type { SecretCipher } from "../ports/secret-cipher.port.js";
import {
  MAX_RECOVERY_DELAY_SECONDS,
  type PendingDelayChange,
  type PendingRecoveryDelay,
  type RecoveryState,
  type StoredRecovery,
  type TenantSettings,
} from "../ports/recovery.port.js";
import type { Kinds } from "../kinds/index.js";
import { auditActor, type Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import { revokeRememberedDevices } from "../enforcement/devices.use-case.js";
import {
  asciiBytes,
  cancelSecretBinding,
  NO_KICK,
  notificationChannels,
  queueNotification,
  type NotificationChannel,
  tenantSettings,
  type NotificationKick,
} from "../notifications/notifications.js";

export interface RecoveryDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly hasher: KeyedHasher;
  readonly cipher: SecretCipher;
  readonly kinds: Kinds;
  readonly notify?: NotificationKick;
}

/** A ready recovery not executed within this long after its due time expires. */
export const RECOVERY_EXECUTE_WINDOW_MS = 7 * DAY_MS;
const CANCEL_TOKEN_PREFIX = "mfarc_";

export const hashCancelToken = (hasher: KeyedHasher, tenantId: string, token: string): string =>
  hasher.hash(token, ["recovery_cancel", tenantId]);

/** A recovery as the API shows it: never the cancel token's hash, nor the tenant (the caller's own). */
export type RecoveryView = Omit<StoredRecovery, "tenantId" | "cancelTokenHash">;

export const viewRecovery = (r: StoredRecovery): RecoveryView => ({
  id: r.id,
  userId: r.userId,
  state: r.state,
  requestedBy: r.requestedBy,
  verification: r.verification,
  reference: r.reference,
  requestedAt: r.requestedAt,
  dueAt: r.dueAt,
  expiresAt: r.expiresAt,
  updatedAt: r.updatedAt,
});

type RecoveryEventType =
  "recovery.requested" | "recovery.cancelled" | "recovery.ready" | "recovery.completed" | "recovery.expired" | "recovery.factors_reset";

const recoveryEvent = (
  tenantId: string,
  type: RecoveryEventType,
  at: Instant,
  actor: AuditActor,
  userId: string,
  data: Record<string, AuditValue>,
) => ({ tenantId, type, at, actor, userId, attemptId: null, factorId: null, data });

const adminOnly = (what: string): AppError => ({ code: "forbidden", message: `${what} needs an admin key` });
const notFound = (id: string): AppError => ({ code: "recovery_not_found", message: `no recovery "${id}"` });
const closed = (r: StoredRecovery): AppError => ({ code: "recovery_closed", message: `recovery "${r.id}" is ${r.state}` });

/** The state a recovery should be in at `now` (its stored state, moved on by time). */
export function recoveryStateAt(r: StoredRecovery, now: Instant): RecoveryState {
  if (r.state === "requested" && now >= r.dueAt) return now >= r.expiresAt ? "expired" : "ready";
  if (r.state === "ready" && now >= r.expiresAt) return "expired";
  return r.state;
}

/** Writes the moves time made (requested → ready → expired), each audited; the recovery as it now stands. */
async function advance(repos: Repositories, r: StoredRecovery, now: Instant): Promise<StoredRecovery> {
  let current = r;
  const system: AuditActor = { kind: "system" };
  const step = async (to: RecoveryState, type: RecoveryEventType) => {
    if (!(await repos.recoveries.transition(r.tenantId, r.id, current.state, to, now))) {
      throw new Error(`recovery ${r.id} moved while locked`);
    }
    await repos.audit.append(recoveryEvent(r.tenantId, type, now, system, r.userId, { recoveryId: r.id, from: current.state }));
    current = { ...current, state: to, updatedAt: now };
  };
  const target = recoveryStateAt(r, now);
  if (target === current.state) return current;
  if (current.state === "requested") await step("ready", "recovery.ready");
  if (target === "expired") await step("expired", "recovery.expired");
  return current;
}

/**
 * Revokes every factor of the user that is not revoked (pending ones too, backup codes included) and their remembered
 * devices: they enroll anew as a first enrollment. In the caller's transaction.
 */
export async function revokeEverything(
  repos: Repositories,
  tenantId: string,
  userId: string,
  now: Instant,
  actor: AuditActor,
  reason: "recovery" | "reset",
): Promise<string[]> {
  await repos.users.lock(tenantId, userId, now);
  const revoked: string[] = [];
  for (const c of await repos.credentials.listByUser(tenantId, userId)) {
    if (c.status === "revoked") continue;
    if (!(await repos.credentials.revoke(tenantId, c.id, now))) continue;
    revoked.push(c.id);
    await repos.audit.append({
      tenantId,
      type: "factor.revoked",
      at: now,
      actor,
      userId,
      attemptId: null,
      factorId: c.factorId,
      data: { credentialId: c.id, authorizedBy: reason },
    });
  }
  await revokeRememberedDevices(repos, tenantId, userId, now, actor, reason);
  // The failure counter stays (S7: only a success resets it); a lock ends by itself, or by an admin's unlock.
  return revoked;
}

/** The user's active factors (credential ids): who a notice about revoking them all goes to. */
async function activeCredentialIds(repos: Repositories, tenantId: string, userId: string): Promise<string[]> {
  return (await repos.credentials.listByUser(tenantId, userId)).filter((c) => c.status === "active").map((c) => c.id);
}

export interface RequestRecoveryInput {
  readonly actor: Actor;
  readonly userId: string;
  readonly verification: string;
  readonly reference: string;
}

/** An admin asks for a recovery of a user; the user is told at once, with the cancel token. */
export class RequestRecovery {
  constructor(private readonly deps: RecoveryDeps) {}

  async execute(input: RequestRecoveryInput): Promise<Result<RecoveryView & { notified: NotificationChannel[] }, AppError>> {
    if (input.actor.role !== "admin") return err(adminOnly("requesting a recovery"));
    const { tenantId } = input.actor;
    const result = await this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      await repos.users.lock(tenantId, input.userId, now);
      const settings = await tenantSettings(repos, tenantId);
      const token = `${CANCEL_TOKEN_PREFIX}${this.deps.ids.newId()}`;
      const stored = await repos.recoveries.insert({
        tenantId,
        id: `rec_${this.deps.ids.newId()}`,
        userId: input.userId,
        requestedBy: input.actor.keyId,
        verification: input.verification,
        reference: input.reference,
        cancelTokenHash: hashCancelToken(this.deps.hasher, tenantId, token),
        delayMs: settings.recoveryDelaySeconds * 1000,
        windowMs: RECOVERY_EXECUTE_WINDOW_MS,
      });
      if (!stored) {
        return err<AppError>({ code: "recovery_pending", message: `user "${input.userId}" has an open recovery already; cancel it first` });
      }
      // The channels the notice goes to (masked): none when the user has no email or SMS factor, which is audited.
      const notified = await notificationChannels(repos, this.deps.kinds, tenantId, input.userId);
      await repos.audit.append(
        recoveryEvent(tenantId, "recovery.requested", stored.requestedAt, auditActor(input.actor), input.userId, {
          recoveryId: stored.id,
          verification: stored.verification,
          reference: stored.reference,
          dueAt: stored.dueAt,
          notified: notified.length,
        }),
      );
      if (notified.length === 0) {
        await repos.audit.append({
          tenantId,
          type: "notification.failed",
          at: stored.requestedAt,
          actor: { kind: "system" },
          userId: input.userId,
          attemptId: null,
          factorId: null,
          data: { event: "recovery_requested", recoveryId: stored.id, reason: "no channel: the user has no email or SMS factor" },
        });
      }
      const sealed = this.deps.cipher.seal(asciiBytes(token), cancelSecretBinding(tenantId, input.userId));
      await queueNotification(repos, {
        tenantId,
        userId: input.userId,
        event: "recovery_requested",
        at: stored.requestedAt,
        sealedSecret: sealed,
        dueAt: stored.dueAt,
      });
      return ok({ ...viewRecovery(stored), notified });
    });
    (this.deps.notify ?? NO_KICK).kick();
    return result;
  }
}

/** One recovery, as time moved it on (a due one is made ready, a stale one expired: both written and audited). */
export class GetRecovery {
  constructor(private readonly deps: RecoveryDeps) {}

  async execute(input: { actor: Actor; recoveryId: string }): Promise<Result<RecoveryView, AppError>> {
    if (input.actor.role !== "admin") return err(adminOnly("reading a recovery"));
    return this.deps.uow.run(async (repos) => {
      const found = await repos.recoveries.findForUpdate(input.actor.tenantId, input.recoveryId);
      if (!found) return err(notFound(input.recoveryId));
      return ok(viewRecovery(await advance(repos, found.recovery, found.now)));
    });
  }
}

export class ListRecoveries {
  constructor(private readonly deps: RecoveryDeps) {}

  async execute(input: { actor: Actor; userId: string }): Promise<Result<RecoveryView[], AppError>> {
    if (input.actor.role !== "admin") return err(adminOnly("listing recoveries"));
    const list = await this.deps.uow.run((repos) => repos.recoveries.listByUser(input.actor.tenantId, input.userId));
    return ok(list.map(viewRecovery));
  }
}

/** Cancelled by the user's token (relayed by the relying party with any key of the tenant), while requested or ready. */
export class CancelRecovery {
  constructor(private readonly deps: RecoveryDeps) {}

  async execute(input: { actor: Actor; cancelToken: string }): Promise<Result<RecoveryView, AppError>> {
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const hash = hashCancelToken(this.deps.hasher, tenantId, input.cancelToken);
      const missing = err<AppError>({ code: "recovery_not_found", message: "no recovery has this cancel token" });
      // The user's row first, then the recovery's: the order RequestRecovery and ExecuteRecovery take them in.
      const peeked = await repos.recoveries.peek(tenantId, { cancelTokenHash: hash });
      if (!peeked) return missing;
      await repos.users.lock(tenantId, peeked.userId, this.deps.clock.now());
      const found = await repos.recoveries.findByCancelTokenHash(tenantId, hash);
      if (!found) return missing;
      const current = await advance(repos, found.recovery, found.now);
      if (current.state !== "requested" && current.state !== "ready") return err(closed(current));
      if (!(await repos.recoveries.transition(tenantId, current.id, current.state, "cancelled", found.now))) {
        throw new Error(`recovery ${current.id} moved while locked`);
      }
      await repos.audit.append(
        recoveryEvent(tenantId, "recovery.cancelled", found.now, auditActor(input.actor), current.userId, {
          recoveryId: current.id,
          from: current.state,
        }),
      );
      return ok(viewRecovery({ ...current, state: "cancelled", updatedAt: found.now }));
    });
  }
}

/** Executes a ready recovery: 409 before its delay, or once cancelled, completed or expired. */
export class ExecuteRecovery {
  constructor(private readonly deps: RecoveryDeps) {}

  async execute(input: { actor: Actor; recoveryId: string }): Promise<Result<RecoveryView & { revoked: string[] }, AppError>> {
    if (input.actor.role !== "admin") return err(adminOnly("executing a recovery"));
    const { tenantId } = input.actor;
    const result = await this.deps.uow.run(async (repos) => {
      // The user's row first, then the recovery's: the order RequestRecovery takes them in (no deadlock between them).
      const peeked = await repos.recoveries.peek(tenantId, { id: input.recoveryId });
      if (!peeked) return err(notFound(input.recoveryId));
      await repos.users.lock(tenantId, peeked.userId, this.deps.clock.now());
      const found = await repos.recoveries.findForUpdate(tenantId, input.recoveryId);
      if (!found) return err(notFound(input.recoveryId));
      const { now } = found;
      const current = await advance(repos, found.recovery, now);
      if (current.state === "requested") {
        return err<AppError>({
          code: "recovery_not_due",
          message: `recovery "${current.id}" may be executed from ${new Date(current.dueAt).toISOString()}`,
          dueAt: current.dueAt,
        });
      }
      if (current.state !== "ready") return err(closed(current));
      const actor = auditActor(input.actor);
      const before = await activeCredentialIds(repos, tenantId, current.userId);
      const revoked = await revokeEverything(repos, tenantId, current.userId, now, actor, "recovery");
      await queueNotification(repos, { tenantId, userId: current.userId, event: "factors_reset", at: now, alsoTo: before });
      if (!(await repos.recoveries.transition(tenantId, current.id, "ready", "completed", now))) {
        throw new Error(`recovery ${current.id} moved while locked`);
      }
      await repos.audit.append(
        recoveryEvent(tenantId, "recovery.completed", now, actor, current.userId, { recoveryId: current.id, revoked: revoked.length }),
      );
      return ok({ ...viewRecovery({ ...current, state: "completed", updatedAt: now }), revoked });
    });
    (this.deps.notify ?? NO_KICK).kick();
    return result;
  }
}

/** Revokes every factor of a user at once (admin key), for tenants that turned the recovery delay off. */
export class ResetFactors {
  constructor(private readonly deps: RecoveryDeps) {}

  async execute(input: {
    actor: Actor;
    userId: string;
    verification: string;
    reference: string;
  }): Promise<Result<{ revoked: string[]; notified: NotificationChannel[] }, AppError>> {
    if (input.actor.role !== "admin") return err(adminOnly("resetting a user's factors"));
    const { tenantId } = input.actor;
    const result = await this.deps.uow.run(async (repos) => {
      // In force now by the storage's clock: a delay lowered to 0 allows a reset only once the old delay has passed.
      const settings = await tenantSettings(repos, tenantId);
      if (settings.recoveryDelaySeconds > 0) {
        return err<AppError>({
          code: "recovery_delay_required",
          message: `this tenant's recoveries wait ${settings.recoveryDelaySeconds} s: request a recovery (POST /v1/users/{userId}/recoveries), or set recoveryDelaySeconds to 0 (a lowered delay takes effect once the old one has passed)`,
        });
      }
      const now = this.deps.clock.now();
      const actor = auditActor(input.actor);
      await repos.users.lock(tenantId, input.userId, now);
      // Told on the channels the user had before the revocation.
      const before = await activeCredentialIds(repos, tenantId, input.userId);
      const notified = await notificationChannels(repos, this.deps.kinds, tenantId, input.userId);
      const revoked = await revokeEverything(repos, tenantId, input.userId, now, actor, "reset");
      await queueNotification(repos, { tenantId, userId: input.userId, event: "factors_reset", at: now, alsoTo: before });
      await repos.audit.append(
        recoveryEvent(tenantId, "recovery.factors_reset", now, actor, input.userId, {
          verification: input.verification,
          reference: input.reference,
          revoked: revoked.length,
          notified: notified.length,
        }),
      );
      return ok({ revoked, notified });
    });
    (this.deps.notify ?? NO_KICK).kick();
    return result;
  }
}

export interface TenantSettingsView extends TenantSettings {
  readonly updatedAt: Instant | null;
  /** A lowered delay waiting for the old one to pass; null when none. */
  readonly pendingRecoveryDelay: PendingRecoveryDelay | null;
}

export class GetTenantSettings {
  constructor(private readonly deps: { readonly uow: UnitOfWork }) {}

  async execute(input: { actor: Actor }): Promise<TenantSettingsView> {
    return this.deps.uow.run(async (repos) => {
      const saved = await repos.settings.find(input.actor.tenantId);
      return {
        ...(await tenantSettings(repos, input.actor.tenantId)),
        updatedAt: saved?.updatedAt ?? null,
        pendingRecoveryDelay: saved?.pendingRecoveryDelay ?? null,
      };
    });
  }
}

/**
 * Saves the tenant's settings (admin key); fields left out keep their value. Audited. A higher recovery delay is in force
 * at once (and drops a pending lower one); a lower one is kept pending until the delay in force now has passed, by the
 * storage's clock: one admin key cannot turn the delay off and reset a user's factors at once.
 */
export class SetTenantSettings {
  constructor(private readonly deps: { readonly uow: UnitOfWork; readonly clock: Clock }) {}

  async execute(input: { actor: Actor; settings: Partial<TenantSettings> }): Promise<Result<TenantSettingsView, AppError>> {
    if (input.actor.role !== "admin") return err(adminOnly("changing the tenant's settings"));
    const delay = input.settings.recoveryDelaySeconds;
    if (delay !== undefined && (!Number.isSafeInteger(delay) || delay < 0 || delay > MAX_RECOVERY_DELAY_SECONDS)) {
      return err({ code: "invalid_input", message: `recoveryDelaySeconds: an integer from 0 to ${MAX_RECOVERY_DELAY_SECONDS}` });
    }
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      const current = await tenantSettings(repos, tenantId);
      const lower = delay !== undefined && delay < current.recoveryDelaySeconds;
      const next: TenantSettings = {
        notificationsEnabled: input.settings.notificationsEnabled ?? current.notificationsEnabled,
        recoveryDelaySeconds: delay === undefined || lower ? current.recoveryDelaySeconds : delay,
      };
      const pending: PendingDelayChange =
        delay === undefined ? "keep" : lower ? { recoveryDelaySeconds: delay, afterSeconds: current.recoveryDelaySeconds } : null;
      const saved = await repos.settings.save(tenantId, next, now, pending);
      await repos.audit.append({
        tenantId,
        type: "tenant.settings_set",
        at: now,
        actor: auditActor(input.actor),
        userId: null,
        attemptId: null,
        factorId: null,
        data: {
          notificationsEnabled: saved.notificationsEnabled,
          recoveryDelaySeconds: saved.recoveryDelaySeconds,
          pendingRecoveryDelaySeconds: saved.pendingRecoveryDelay?.recoveryDelaySeconds ?? null,
          pendingFrom: saved.pendingRecoveryDelay?.effectiveAt ?? null,
        },
      });
      return ok({
        notificationsEnabled: saved.notificationsEnabled,
        recoveryDelaySeconds: saved.recoveryDelaySeconds,
        updatedAt: now,
        pendingRecoveryDelay: saved.pendingRecoveryDelay,
      });
    });
  }
}

export function createRecoveryServices(deps: RecoveryDeps) {
  return {
    requestRecovery: new RequestRecovery(deps),
    getRecovery: new GetRecovery(deps),
    listRecoveries: new ListRecoveries(deps),
    cancelRecovery: new CancelRecovery(deps),
    executeRecovery: new ExecuteRecovery(deps),
    resetFactors: new ResetFactors(deps),
    getTenantSettings: new GetTenantSettings(deps),
    setTenantSettings: new SetTenantSettings(deps),
  };
}
