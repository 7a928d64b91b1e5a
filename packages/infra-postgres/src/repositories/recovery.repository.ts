// Tenant settings, the notification outbox and recoveries (migration 0010). Every statement names its tenant, but the
// outbox's claim, which takes the oldest pending notification of any tenant with FOR UPDATE SKIP LOCKED: parallel
// drainers (every API process runs one) never take the same row. A recovery is timed by the database's clock: inserted
// with now(), read for update with now().
import type {
  NewNotification,
  NewRecovery,
  NotificationEvent,
  NotificationOutbox,
  PendingDelayChange,
  QueuedNotification,
  RecoveryRepository,
  RecoveryState,
  SavedTenantSettings,
  StoredRecovery,
  TenantSettings,
  TenantSettingsRepository,
} from "@mfa-chain/application";
import type { Instant } from "@mfa-chain/domain";
import { sql } from "kysely";
import type { Db, RecoveriesTable } from "../database/schema.js";

interface SettingsRow {
  notifications_enabled: boolean;
  recovery_delay_seconds: number;
  pending_recovery_delay_seconds: number | null;
  pending_recovery_delay_at: Date | null;
  updated_at: Date;
}

/** The settings as they stand by the database's clock: a pending lower delay whose time came is the delay. */
const SETTINGS_NOW = sql.raw(`notifications_enabled,
  case when pending_recovery_delay_at <= now() then pending_recovery_delay_seconds else recovery_delay_seconds end as recovery_delay_seconds,
  case when pending_recovery_delay_at > now() then pending_recovery_delay_seconds end as pending_recovery_delay_seconds,
  case when pending_recovery_delay_at > now() then pending_recovery_delay_at end as pending_recovery_delay_at,
  updated_at`);

const toSettings = (row: SettingsRow): SavedTenantSettings => ({
  notificationsEnabled: row.notifications_enabled,
  recoveryDelaySeconds: row.recovery_delay_seconds,
  updatedAt: row.updated_at.getTime(),
  pendingRecoveryDelay:
    row.pending_recovery_delay_seconds === null || row.pending_recovery_delay_at === null
      ? null
      : { recoveryDelaySeconds: row.pending_recovery_delay_seconds, effectiveAt: row.pending_recovery_delay_at.getTime() },
});

export class PostgresTenantSettingsRepository implements TenantSettingsRepository {
  constructor(private readonly db: Db) {}

  async find(tenantId: string): Promise<SavedTenantSettings | null> {
    const { rows } = await sql<SettingsRow>`select ${SETTINGS_NOW} from tenant_settings where tenant_id = ${tenantId}`.execute(this.db);
    const row = rows[0];
    return row ? toSettings(row) : null;
  }

  async save(tenantId: string, settings: TenantSettings, at: Instant, pending: PendingDelayChange): Promise<SavedTenantSettings> {
    const seconds = pending === null || pending === "keep" ? null : pending.recoveryDelaySeconds;
    const from =
      pending === null || pending === "keep" ? sql`null::timestamptz` : sql`now() + ${pending.afterSeconds}::integer * interval '1 second'`;
    const onConflictPending =
      pending === "keep"
        ? sql``
        : sql`, pending_recovery_delay_seconds = excluded.pending_recovery_delay_seconds, pending_recovery_delay_at = excluded.pending_recovery_delay_at`;
    const { rows } = await sql<SettingsRow>`
      insert into tenant_settings as s (tenant_id, notifications_enabled, recovery_delay_seconds, pending_recovery_delay_seconds,
        pending_recovery_delay_at, updated_at)
      values (${tenantId}, ${settings.notificationsEnabled}, ${settings.recoveryDelaySeconds}, ${seconds}::integer, ${from}, ${new Date(at)})
      on conflict on constraint tenant_settings_pkey do update set notifications_enabled = excluded.notifications_enabled,
        recovery_delay_seconds = excluded.recovery_delay_seconds, updated_at = excluded.updated_at${onConflictPending}
      returning ${SETTINGS_NOW}`.execute(this.db);
    return toSettings(rows[0] as SettingsRow);
  }
}

interface OutboxRow {
  tenant_id: string;
  id: string | number | bigint;
  user_id: string;
  event: string;
  factor_label: string | null;
  recipients: string[] | null;
  secret_key_id: string | null;
  secret_ciphertext: Uint8Array | null;
  due_at: Date | null;
  created_at: Date;
}

export class PostgresNotificationOutbox implements NotificationOutbox {
  constructor(private readonly db: Db) {}

  async enqueue(n: NewNotification): Promise<void> {
    await this.db
      .insertInto("notification_outbox")
      .values({
        tenant_id: n.tenantId,
        user_id: n.userId,
        event: n.event,
        factor_label: n.factorLabel,
        recipients: n.recipients === null ? null : [...n.recipients],
        secret_key_id: n.secret?.keyId ?? null,
        secret_ciphertext: n.secret?.ciphertext ?? null,
        due_at: n.dueAt === null ? null : new Date(n.dueAt),
        created_at: new Date(n.createdAt),
      })
      .execute();
  }

  async claimNext(): Promise<QueuedNotification | null> {
    const { rows } =
      await sql<OutboxRow>`select tenant_id, id, user_id, event, factor_label, recipients, secret_key_id, secret_ciphertext, due_at, created_at from notification_outbox where processed_at is null order by id limit 1 for update skip locked`.execute(
        this.db,
      );
    const row = rows[0];
    if (!row) return null;
    return {
      tenantId: row.tenant_id,
      id: String(row.id),
      userId: row.user_id,
      event: row.event as NotificationEvent,
      factorLabel: row.factor_label,
      recipients: row.recipients,
      secret:
        row.secret_key_id === null || row.secret_ciphertext === null
          ? null
          : { keyId: row.secret_key_id, ciphertext: new Uint8Array(row.secret_ciphertext) },
      dueAt: row.due_at === null ? null : row.due_at.getTime(),
      createdAt: row.created_at.getTime(),
    };
  }

  async markProcessed(tenantId: string, id: string, at: Instant): Promise<void> {
    await sql`
      update notification_outbox set processed_at = ${new Date(at)}, secret_key_id = null, secret_ciphertext = null
      where tenant_id = ${tenantId} and id = ${id}::bigint`.execute(this.db);
  }

  async pendingCount(tenantId: string): Promise<number> {
    const row = await this.db
      .selectFrom("notification_outbox")
      .select((eb) => eb.fn.countAll<string | number>().as("n"))
      .where("tenant_id", "=", tenantId)
      .where("processed_at", "is", null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

type RecoveryRow = Omit<RecoveriesTable, "requested_at" | "due_at" | "expires_at" | "updated_at"> & {
  requested_at: Date;
  due_at: Date;
  expires_at: Date;
  updated_at: Date;
};

const toRecovery = (r: RecoveryRow): StoredRecovery => ({
  tenantId: r.tenant_id,
  id: r.id,
  userId: r.user_id,
  state: r.state,
  requestedBy: r.requested_by,
  verification: r.verification,
  reference: r.reference,
  cancelTokenHash: r.cancel_token_hash,
  requestedAt: r.requested_at.getTime(),
  dueAt: r.due_at.getTime(),
  expiresAt: r.expires_at.getTime(),
  updatedAt: r.updated_at.getTime(),
});

const COLUMNS = sql.raw(
  "tenant_id, id, user_id, state, requested_by, verification, reference, cancel_token_hash, requested_at, due_at, expires_at, updated_at",
);

export class PostgresRecoveryRepository implements RecoveryRepository {
  constructor(private readonly db: Db) {}

  async insert(r: NewRecovery): Promise<StoredRecovery | null> {
    const ms = (n: number) => sql`${n}::double precision * interval '1 millisecond'`;
    // A second open recovery of the user meets the partial unique index: nothing is inserted (any other conflict throws).
    const { rows } = await sql<RecoveryRow>`
      insert into recoveries (${COLUMNS})
      values (${r.tenantId}, ${r.id}, ${r.userId}, 'requested', ${r.requestedBy}, ${r.verification}, ${r.reference},
        ${r.cancelTokenHash}, now(), now() + ${ms(r.delayMs)}, now() + ${ms(r.delayMs)} + ${ms(r.windowMs)}, now())
      on conflict (tenant_id, user_id) where state in ('requested', 'ready') do nothing
      returning ${COLUMNS}`.execute(this.db);
    const row = rows[0];
    return row ? toRecovery(row) : null;
  }

  async peek(tenantId: string, by: { readonly id: string } | { readonly cancelTokenHash: string }): Promise<StoredRecovery | null> {
    const where = "id" in by ? sql`id = ${by.id}` : sql`cancel_token_hash = ${by.cancelTokenHash}`;
    const { rows } = await sql<RecoveryRow>`select ${COLUMNS} from recoveries where tenant_id = ${tenantId} and ${where}`.execute(this.db);
    const row = rows[0];
    return row ? toRecovery(row) : null;
  }

  async findForUpdate(tenantId: string, id: string): Promise<{ recovery: StoredRecovery; now: Instant } | null> {
    const { rows } = await sql<RecoveryRow & { now: Date }>`
      select ${COLUMNS}, now() as now from recoveries where tenant_id = ${tenantId} and id = ${id} for update`.execute(this.db);
    const row = rows[0];
    return row ? { recovery: toRecovery(row), now: row.now.getTime() } : null;
  }

  async findByCancelTokenHash(tenantId: string, hash: string): Promise<{ recovery: StoredRecovery; now: Instant } | null> {
    const { rows } = await sql<RecoveryRow & { now: Date }>`
      select ${COLUMNS}, now() as now from recoveries
      where tenant_id = ${tenantId} and cancel_token_hash = ${hash} for update`.execute(this.db);
    const row = rows[0];
    return row ? { recovery: toRecovery(row), now: row.now.getTime() } : null;
  }

  async listByUser(tenantId: string, userId: string): Promise<StoredRecovery[]> {
    const { rows } = await sql<RecoveryRow>`
      select ${COLUMNS} from recoveries where tenant_id = ${tenantId} and user_id = ${userId}
      order by requested_at desc, id desc`.execute(this.db);
    return rows.map(toRecovery);
  }

  async transition(tenantId: string, id: string, from: RecoveryState, to: RecoveryState, at: Instant): Promise<boolean> {
    const result = await this.db
      .updateTable("recoveries")
      .set({ state: to, updated_at: new Date(at) })
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .where("state", "=", from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
