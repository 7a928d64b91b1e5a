// Tenant settings, the notification outbox and recoveries in memory, with the PostgreSQL adapter's observable behaviour
// (the storage contracts run against both). Its state is one part of the store's, snapshotted and restored with it.
import type { Instant } from "@mfa-chain/domain";
import type {
  NewNotification,
  NewRecovery,
  NotificationOutbox,
  PendingDelayChange,
  PendingRecoveryDelay,
  QueuedNotification,
  RecoveryRepository,
  RecoveryState,
  SavedTenantSettings,
  StoredRecovery,
  TenantSettings,
  TenantSettingsRepository,
} from "../../ports/recovery.port.js";

export interface RecoveryStoreState {
  readonly settings: Map<string, TenantSettings & { readonly updatedAt: Instant; readonly pending: PendingRecoveryDelay | null }>;
  readonly outbox: Map<string, QueuedNotification & { readonly processedAt: Instant | null }>;
  readonly recoveries: Map<string, StoredRecovery>;
  nextNotification: number;
}

export const emptyRecoveryState = (): RecoveryStoreState => ({
  settings: new Map(),
  outbox: new Map(),
  recoveries: new Map(),
  nextNotification: 1,
});

export const cloneRecoveryState = (s: RecoveryStoreState): RecoveryStoreState => ({
  settings: new Map(s.settings),
  outbox: new Map(s.outbox),
  recoveries: new Map(s.recoveries),
  nextNotification: s.nextNotification,
});

const key = (...parts: readonly (string | number)[]): string => JSON.stringify(parts);
const OPEN: readonly RecoveryState[] = ["requested", "ready"];

abstract class Part {
  constructor(
    private readonly ref: () => RecoveryStoreState,
    private readonly guard: () => void,
  ) {}

  protected get s(): RecoveryStoreState {
    this.guard();
    return this.ref();
  }
}

export class InMemoryTenantSettingsRepository extends Part implements TenantSettingsRepository {
  constructor(
    ref: () => RecoveryStoreState,
    guard: () => void,
    private readonly now: () => Instant,
  ) {
    super(ref, guard);
  }

  async find(tenantId: string): Promise<SavedTenantSettings | null> {
    const found = this.s.settings.get(tenantId);
    if (!found) return null;
    const due = found.pending !== null && found.pending.effectiveAt <= this.now();
    return {
      notificationsEnabled: found.notificationsEnabled,
      recoveryDelaySeconds: due && found.pending ? found.pending.recoveryDelaySeconds : found.recoveryDelaySeconds,
      updatedAt: found.updatedAt,
      pendingRecoveryDelay: due || found.pending === null ? null : { ...found.pending },
    };
  }

  async save(tenantId: string, settings: TenantSettings, at: Instant, pending: PendingDelayChange): Promise<SavedTenantSettings> {
    const before = this.s.settings.get(tenantId);
    const next: PendingRecoveryDelay | null =
      pending === "keep"
        ? (before?.pending ?? null)
        : pending === null
          ? null
          : { recoveryDelaySeconds: pending.recoveryDelaySeconds, effectiveAt: this.now() + pending.afterSeconds * 1000 };
    this.s.settings.set(
      tenantId,
      Object.freeze({
        notificationsEnabled: settings.notificationsEnabled,
        recoveryDelaySeconds: settings.recoveryDelaySeconds,
        updatedAt: at,
        pending: next === null ? null : Object.freeze({ ...next }),
      }),
    );
    return (await this.find(tenantId)) as SavedTenantSettings;
  }
}

export class InMemoryNotificationOutbox extends Part implements NotificationOutbox {
  async enqueue(n: NewNotification): Promise<void> {
    const s = this.s;
    const id = String(s.nextNotification);
    s.nextNotification += 1;
    const secret = n.secret === null ? null : { keyId: n.secret.keyId, ciphertext: new Uint8Array(n.secret.ciphertext) };
    const recipients = n.recipients === null ? null : Object.freeze([...n.recipients]);
    s.outbox.set(key(n.tenantId, id), Object.freeze({ ...n, recipients, secret, id, processedAt: null }));
  }

  async claimNext(): Promise<QueuedNotification | null> {
    // One transaction at a time in memory: nothing is locked by another.
    const pending = [...this.s.outbox.values()].filter((n) => n.processedAt === null).sort((a, b) => Number(a.id) - Number(b.id));
    const first = pending[0];
    if (!first) return null;
    const { processedAt: _, ...queued } = first;
    return queued;
  }

  async markProcessed(tenantId: string, id: string, at: Instant): Promise<void> {
    const k = key(tenantId, id);
    const n = this.s.outbox.get(k);
    if (n) this.s.outbox.set(k, Object.freeze({ ...n, secret: null, processedAt: at }));
  }

  async pendingCount(tenantId: string): Promise<number> {
    return [...this.s.outbox.values()].filter((n) => n.tenantId === tenantId && n.processedAt === null).length;
  }
}

export class InMemoryRecoveryRepository extends Part implements RecoveryRepository {
  constructor(
    ref: () => RecoveryStoreState,
    guard: () => void,
    private readonly now: () => Instant,
  ) {
    super(ref, guard);
  }

  async insert(r: NewRecovery): Promise<StoredRecovery | null> {
    const s = this.s;
    const all = [...s.recoveries.values()].filter((x) => x.tenantId === r.tenantId);
    if (all.some((x) => x.userId === r.userId && OPEN.includes(x.state))) return null;
    if (all.some((x) => x.id === r.id || x.cancelTokenHash === r.cancelTokenHash)) throw new Error(`recovery ${r.id}: duplicate key`);
    const now = this.now();
    const { delayMs, windowMs, ...rest } = r;
    const stored: StoredRecovery = {
      ...rest,
      state: "requested",
      requestedAt: now,
      dueAt: now + delayMs,
      expiresAt: now + delayMs + windowMs,
      updatedAt: now,
    };
    s.recoveries.set(key(r.tenantId, r.id), Object.freeze(stored));
    return { ...stored };
  }

  async peek(tenantId: string, by: { readonly id: string } | { readonly cancelTokenHash: string }): Promise<StoredRecovery | null> {
    const r = [...this.s.recoveries.values()].find(
      (x) => x.tenantId === tenantId && ("id" in by ? x.id === by.id : x.cancelTokenHash === by.cancelTokenHash),
    );
    return r ? { ...r } : null;
  }

  async findForUpdate(tenantId: string, id: string): Promise<{ recovery: StoredRecovery; now: Instant } | null> {
    const r = this.s.recoveries.get(key(tenantId, id));
    return r ? { recovery: { ...r }, now: this.now() } : null;
  }

  async findByCancelTokenHash(tenantId: string, hash: string): Promise<{ recovery: StoredRecovery; now: Instant } | null> {
    const r = [...this.s.recoveries.values()].find((x) => x.tenantId === tenantId && x.cancelTokenHash === hash);
    return r ? { recovery: { ...r }, now: this.now() } : null;
  }

  async listByUser(tenantId: string, userId: string): Promise<StoredRecovery[]> {
    return [...this.s.recoveries.values()]
      .filter((x) => x.tenantId === tenantId && x.userId === userId)
      .sort((a, b) => b.requestedAt - a.requestedAt || (a.id < b.id ? 1 : -1))
      .map((x) => ({ ...x }));
  }

  async transition(tenantId: string, id: string, from: RecoveryState, to: RecoveryState, at: Instant): Promise<boolean> {
    const k = key(tenantId, id);
    const r = this.s.recoveries.get(k);
    if (!r || r.state !== from) return false;
    this.s.recoveries.set(k, Object.freeze({ ...r, state: to, updatedAt: at }));
    return true;
  }
}
