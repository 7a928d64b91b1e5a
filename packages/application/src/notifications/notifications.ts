// The notification port (issue 11): the user is told when a factor is added or removed, a backup code is used, they get
// locked out, a push is reported as fraud, or an admin recovery is requested.
//
// Transactional outbox: a use case queues the notification in its own transaction (queueNotification), so it exists
// exactly when the action committed, and survives a crash. After the commit the use case kicks the dispatcher, which
// drains the outbox in the background; every API process also drains it on a timer, so a notification queued by a
// process that died before it sent is sent by another. A failed send never fails or rolls back the user's action: it is
// audited (`notification.failed`, with the channel and the masked destination) and logged; the message is not retried
// on that channel (a provider that refused now would mostly refuse again, and a late "factor added" is of little use).
// The recipients are captured when it is queued: the outbox row names the user's factors active then (plus any the
// caller names, e.g. the factor being removed), and the send opens their destinations, sealed in the factors' material,
// whatever their status by then. So "factor removed" reaches the address removed and a reset reaches the channels it
// revoked; no destination is copied (nothing more to re-seal at a key rotation, nothing in clear).
import type { AuditEvent, Instant } from "@mfa-chain/domain";
import { kindFor, type Kinds } from "../kinds/index.js";
import { DeliveryUnavailableError, type MessageDelivery, type NotificationEvent } from "../ports/delivery.port.js";
import type { Repositories, UnitOfWork } from "../ports/repositories.port.js";
import { DEFAULT_TENANT_SETTINGS, type TenantSettings } from "../ports/recovery.port.js";
import type { SealedSecret, SecretBinding, SecretCipher } from "../ports/secret-cipher.port.js";
import type { Clock } from "../ports/clock.port.js";

/** Events told only when the tenant's switch is on; a recovery is always told (the user must be able to cancel it). */
const SWITCHABLE: ReadonlySet<NotificationEvent> = new Set<NotificationEvent>([
  "factor_added",
  "factor_removed",
  "backup_code_used",
  "locked_out",
  "fraud_reported",
]);

/** The tenant's settings in force now (by the storage's clock). */
export async function tenantSettings(repos: Repositories, tenantId: string): Promise<TenantSettings> {
  const saved = await repos.settings.find(tenantId);
  return saved
    ? { notificationsEnabled: saved.notificationsEnabled, recoveryDelaySeconds: saved.recoveryDelaySeconds }
    : DEFAULT_TENANT_SETTINGS;
}

export interface NotificationRequest {
  readonly tenantId: string;
  readonly userId: string;
  readonly event: NotificationEvent;
  readonly at: Instant;
  readonly factorLabel?: string | null;
  /** recovery_requested: sealed into the outbox (cancelSecretBinding), opened only for the send, erased after it. */
  readonly sealedSecret?: SealedSecret | null;
  readonly dueAt?: Instant | null;
  /** Credentials to tell besides the user's active ones (a factor revoked in the same transaction, before the queueing). */
  readonly alsoTo?: readonly string[];
}

/** A cancel token is ASCII (a prefix and a base64url id): one byte per character. */
export const asciiBytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0x7f);
const asciiText = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

/** What the cancel token of a recovery is sealed to in the outbox. */
export const cancelSecretBinding = (tenantId: string, userId: string): SecretBinding => ({
  tenantId,
  userId,
  credentialId: "notification:recovery_cancel_token",
});

/**
 * Queues a notification in the caller's transaction, unless the tenant turned notifications off (for the events the
 * switch covers). True when queued.
 */
export async function queueNotification(repos: Repositories, n: NotificationRequest): Promise<boolean> {
  if (SWITCHABLE.has(n.event) && !(await tenantSettings(repos, n.tenantId)).notificationsEnabled) return false;
  const active = (await repos.credentials.listByUser(n.tenantId, n.userId)).filter((c) => c.status === "active").map((c) => c.id);
  await repos.notifications.enqueue({
    tenantId: n.tenantId,
    userId: n.userId,
    event: n.event,
    factorLabel: n.factorLabel ?? null,
    recipients: [...new Set([...(n.alsoTo ?? []), ...active])],
    secret: n.sealedSecret ?? null,
    dueAt: n.dueAt ?? null,
    createdAt: n.at,
  });
  return true;
}

/** A channel a notification to the user goes to: masked, never in full. */
export interface NotificationChannel {
  readonly channel: string;
  readonly destination: string;
}

/**
 * The channels (masked destinations) a notification queued now would reach: the user's active factors that have a
 * destination, one per destination. A destination that cannot be opened is passed over (the send audits it).
 */
export async function notificationChannels(
  repos: Repositories,
  kinds: Kinds,
  tenantId: string,
  userId: string,
): Promise<NotificationChannel[]> {
  const seen = new Set<string>();
  const channels: NotificationChannel[] = [];
  for (const credential of await repos.credentials.listByUser(tenantId, userId)) {
    if (credential.status !== "active") continue;
    const challenge = kindFor(kinds, credential.params.type).challenge;
    if (challenge?.delivery !== "send") continue;
    try {
      const to = challenge.destination(credential as never);
      if (seen.has(to.destinationKey)) continue;
      seen.add(to.destinationKey);
      channels.push({ channel: to.channel, destination: to.masked });
    } catch {
      continue;
    }
  }
  return channels;
}

/** What a use case holds to start a drain once its transaction committed. */
export interface NotificationKick {
  kick(): void;
}

export const NO_KICK: NotificationKick = { kick: () => {} };

export interface NotificationDispatcherDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  readonly kinds: Kinds;
  readonly delivery: MessageDelivery;
  readonly cipher: SecretCipher;
  /** Told of a drain that failed as a whole (the database unreachable); sends that fail are audited instead. */
  readonly onError?: (error: unknown) => void;
}

/** Sends queued notifications, one transaction each, holding the outbox row's lock while it sends. */
export class NotificationDispatcher implements NotificationKick {
  #running: Promise<void> | null = null;
  #again = false;

  constructor(private readonly deps: NotificationDispatcherDeps) {}

  /** Starts a drain in the background (or asks the running one to look again); never throws. */
  kick(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          await this.drain();
        } catch (error) {
          this.deps.onError?.(error);
        }
      } while (this.#again);
    })().finally(() => {
      this.#running = null;
    });
  }

  /** Resolves once the background drain (if any) is done: for tests and shutdown. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Sends every pending notification; the number processed. */
  async drain(limit = 1000): Promise<number> {
    let processed = 0;
    while (processed < limit && (await this.deps.uow.run((repos) => this.sendOne(repos)))) processed += 1;
    return processed;
  }

  private async sendOne(repos: Repositories): Promise<boolean> {
    const n = await repos.notifications.claimNext();
    if (!n) return false;
    const now = this.deps.clock.now();
    const all = await repos.credentials.listByUser(n.tenantId, n.userId);
    // The factors named when it was queued, whatever their status now (a row queued without them: the active ones).
    const named = n.recipients === null ? null : new Set(n.recipients);
    const credentials = all.filter((c) => (named === null ? c.status === "active" : named.has(c.id)));
    const events: AuditEvent[] = [];
    const base = { tenantId: n.tenantId, at: now, actor: { kind: "system" as const }, userId: n.userId, attemptId: null };
    // Nothing here may throw but the storage: a notification that cannot be sent must not block the ones behind it.
    let cancelToken: string | undefined;
    if (n.secret !== null) {
      try {
        cancelToken = asciiText(this.deps.cipher.open(n.secret, cancelSecretBinding(n.tenantId, n.userId)));
      } catch (error) {
        const reason = `the cancel token could not be opened (${error instanceof Error ? error.name : "unknown"})`;
        events.push({ ...base, type: "notification.failed", factorId: null, data: { event: n.event, notification: n.id, reason } });
      }
    }
    const seen = new Set<string>();
    for (const credential of credentials) {
      const challenge = kindFor(this.deps.kinds, credential.params.type).challenge;
      // The kinds whose codes are sent (email, SMS) have a destination to tell; the others have none.
      if (challenge?.delivery !== "send") continue;
      let to: ReturnType<typeof challenge.destination>;
      try {
        to = challenge.destination(credential as never);
      } catch (error) {
        const reason = `the destination could not be opened (${error instanceof Error ? error.name : "unknown"})`;
        events.push({
          ...base,
          type: "notification.failed",
          factorId: credential.factorId,
          data: { event: n.event, notification: n.id, reason },
        });
        continue;
      }
      if (seen.has(to.destinationKey)) continue;
      seen.add(to.destinationKey);
      const data = { event: n.event, channel: to.channel, destination: to.masked, notification: n.id };
      try {
        await this.deps.delivery.send({
          kind: "notification",
          channel: to.channel,
          tenantId: n.tenantId,
          to: to.to,
          event: n.event,
          at: n.createdAt,
          ...(n.factorLabel === null ? {} : { factorLabel: n.factorLabel }),
          ...(cancelToken === undefined ? {} : { cancelToken }),
          ...(n.dueAt === null ? {} : { dueAt: n.dueAt }),
        });
        events.push({ ...base, type: "notification.sent", factorId: credential.factorId, data });
      } catch (error) {
        // The port's errors never hold the destination in full; anything else is reported by its name only.
        const reason = error instanceof DeliveryUnavailableError ? error.message : error instanceof Error ? error.name : "unknown";
        events.push({
          ...base,
          type: "notification.failed",
          factorId: credential.factorId,
          data: { ...data, reason: reason.slice(0, 200) },
        });
        this.deps.onError?.(new NotificationFailed(n.event, to.channel, reason));
      }
    }
    // A user without an email or SMS factor has no channel: nothing to send, nothing to audit.
    await repos.notifications.markProcessed(n.tenantId, n.id, now);
    if (events.length > 0) await repos.audit.append(...events);
    return true;
  }
}

/** A notification that a provider did not accept (logged; the user's action stands). */
export class NotificationFailed extends Error {
  override readonly name = "NotificationFailed";
  constructor(
    readonly event: NotificationEvent,
    readonly channel: string,
    reason: string,
  ) {
    super(`the ${event} notification was not accepted on ${channel}: ${reason}`);
  }
}
