// Storage ports of notifications and recovery (issues 11 and 14): the tenant's settings, the notification outbox and
// admin recoveries. Every method is scoped by tenant.
import type { Instant } from "@mfa-chain/domain";
import type { NotificationEvent } from "./delivery.port.js";
import type { SealedSecret } from "./secret-cipher.port.js";

/** Per-tenant settings of notifications and recovery; DEFAULT_TENANT_SETTINGS until an admin saves some. */
export interface TenantSettings {
  /** Tell users about factor changes, backup codes used, lockouts and reported fraud (recovery is told regardless). */
  readonly notificationsEnabled: boolean;
  /** How long an admin recovery waits before it may be executed; 0 turns the delay off (and allows a reset). */
  readonly recoveryDelaySeconds: number;
}

export const DEFAULT_TENANT_SETTINGS: TenantSettings = Object.freeze({ notificationsEnabled: true, recoveryDelaySeconds: 24 * 3600 });
/** The longest recovery delay a tenant may set: 30 days. */
export const MAX_RECOVERY_DELAY_SECONDS = 30 * 24 * 3600;

/** A lowered recovery delay waiting for the old delay to pass (so one admin key cannot skip the delay at once). */
export interface PendingRecoveryDelay {
  readonly recoveryDelaySeconds: number;
  /** From this instant (the storage's clock) the lower delay is in force. */
  readonly effectiveAt: Instant;
}

export interface SavedTenantSettings extends TenantSettings {
  readonly updatedAt: Instant;
  /** A lower delay not yet in force; null when none (once in force it is the recoveryDelaySeconds). */
  readonly pendingRecoveryDelay: PendingRecoveryDelay | null;
}

/**
 * What save does with the pending lower delay: "keep" leaves it as it is; null clears it; a lower delay is stored to
 * take effect `afterSeconds` from now by the storage's clock.
 */
export type PendingDelayChange = "keep" | null | { readonly recoveryDelaySeconds: number; readonly afterSeconds: number };

export interface TenantSettingsRepository {
  /**
   * The tenant's saved settings, as they stand now by the storage's clock (a pending lower delay whose time came is the
   * recoveryDelaySeconds); null when it never saved any.
   */
  find(tenantId: string): Promise<SavedTenantSettings | null>;
  /** Saves them; the saved settings read back. */
  save(tenantId: string, settings: TenantSettings, at: Instant, pending: PendingDelayChange): Promise<SavedTenantSettings>;
}

/**
 * A notification waiting in the outbox. The destinations are not in it: it names the user's factors (credential ids)
 * active when it was queued, and the send opens their destinations (sealed in the factors' material) whatever their
 * status by then, so a notice of a removal or a reset reaches the channels being removed.
 */
export interface QueuedNotification {
  readonly tenantId: string;
  /** Given by the storage (an increasing number per storage). */
  readonly id: string;
  readonly userId: string;
  readonly event: NotificationEvent;
  readonly factorLabel: string | null;
  /** The credential ids to tell (those without a destination are passed over); null: the user's active ones at the send. */
  readonly recipients: readonly string[] | null;
  /** recovery_requested: the cancel token, sealed (bound to tenant and notification); erased once the send was made. */
  readonly secret: SealedSecret | null;
  readonly dueAt: Instant | null;
  readonly createdAt: Instant;
}

export type NewNotification = Omit<QueuedNotification, "id">;

export interface NotificationOutbox {
  /** Queues a notification (in the caller's transaction: it is sent only if that commits). */
  enqueue(notification: NewNotification): Promise<void>;
  /**
   * The oldest pending notification of any tenant, locked for the rest of the transaction; notifications locked by
   * another transaction are skipped (FOR UPDATE SKIP LOCKED), so parallel drainers never send one twice.
   */
  claimNext(): Promise<QueuedNotification | null>;
  /** Marks it processed (sent on every channel, or failed on some) and erases its sealed secret. */
  markProcessed(tenantId: string, id: string, at: Instant): Promise<void>;
  /** How many are pending for a tenant (for operations and tests). */
  pendingCount(tenantId: string): Promise<number>;
}

export type RecoveryState = "requested" | "cancelled" | "ready" | "completed" | "expired";

export interface StoredRecovery {
  readonly tenantId: string;
  readonly id: string;
  readonly userId: string;
  readonly state: RecoveryState;
  /** The admin key that asked for it. */
  readonly requestedBy: string;
  /** How the user's identity was verified outside the service (e.g. "video_call", "id_document"). */
  readonly verification: string;
  /** The admin's reference for that verification (a ticket number). */
  readonly reference: string;
  readonly cancelTokenHash: string;
  readonly requestedAt: Instant;
  readonly dueAt: Instant;
  /** After this, a ready recovery that was not executed expires. */
  readonly expiresAt: Instant;
  readonly updatedAt: Instant;
}

export type NewRecovery = Omit<StoredRecovery, "state" | "requestedAt" | "dueAt" | "expiresAt" | "updatedAt"> & {
  /** requestedAt is the storage's clock; dueAt = requestedAt + delayMs; expiresAt = dueAt + windowMs. */
  readonly delayMs: number;
  readonly windowMs: number;
};

export interface RecoveryRepository {
  /** Inserts it as `requested`, timed by the storage's clock; null when the user has an open (requested or ready) recovery. */
  insert(recovery: NewRecovery): Promise<StoredRecovery | null>;
  /** Reads it without a lock (to learn its user, whose row is locked first), by id or by its cancel token's hash. */
  peek(tenantId: string, by: { readonly id: string } | { readonly cancelTokenHash: string }): Promise<StoredRecovery | null>;
  /** Reads and locks it for the rest of the transaction, with the storage's clock now. */
  findForUpdate(tenantId: string, id: string): Promise<{ readonly recovery: StoredRecovery; readonly now: Instant } | null>;
  /** The recovery whose cancel token has this hash, locked, with the storage's clock now. */
  findByCancelTokenHash(tenantId: string, hash: string): Promise<{ readonly recovery: StoredRecovery; readonly now: Instant } | null>;
  /** The user's recoveries, newest first. */
  listByUser(tenantId: string, userId: string): Promise<StoredRecovery[]>;
  /** Moves it from `from` to `to` (compare-and-set); false when it was no longer in `from`. */
  transition(tenantId: string, id: string, from: RecoveryState, to: RecoveryState, at: Instant): Promise<boolean>;
}
