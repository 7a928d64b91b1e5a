// The tables as Kysely sees them. Every table carries tenant_id, first in its primary key (Citus-ready).
import type { ImplementedFactorType } from "@mfa-chain/domain";
import type { ColumnType, Generated, Kysely } from "kysely";

/** timestamptz: read as Date, written as Date. */
type Timestamp = ColumnType<Date, Date, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;
/** jsonb: read parsed, written as JSON text (one encoding for both drivers; arrays are never mistaken for SQL arrays). */
type Json = ColumnType<unknown, string, string>;

export interface TenantsTable {
  id: string;
  name: string;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface ApiKeysTable {
  tenant_id: string;
  id: string;
  name: string;
  key_hash: string;
  role: "admin" | "service";
  created_at: Timestamp;
  revoked_at: NullableTimestamp;
}

export interface UsersTable {
  tenant_id: string;
  user_id: string;
  created_at: Timestamp;
}

export interface PoliciesTable {
  tenant_id: string;
  policy_id: string;
  version: number;
  definition: Json;
  created_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface CredentialsTable {
  tenant_id: string;
  id: string;
  user_id: string;
  factor_id: string;
  label: string;
  status: "pending" | "active" | "revoked";
  type: ImplementedFactorType;
  params: Json;
  /**
   * The OTP replay guard (migration 0005): the last accepted TOTP step (null before the first), the next HOTP counter.
   * bigint columns, parsed to safe JavaScript integers by the drivers' type parsers (type-parsers.ts).
   */
  last_time_step: ColumnType<number | null, number | null | undefined, number | null>;
  counter: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  confirmed_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

/** TOTP and HOTP material (migration 0003): the sealed secret (the replay guard is on the credentials row, 0005). */
export interface OtpSecretsTable {
  tenant_id: string;
  credential_id: string;
  secret_key_id: string;
  secret_ciphertext: ColumnType<Uint8Array, Uint8Array, Uint8Array>;
}

/** Backup-code material (migration 0003): one keyed hash per code, and when it was used. */
export interface BackupCodesTable {
  tenant_id: string;
  credential_id: string;
  code_hash: string;
  used_at: NullableTimestamp;
}

export interface AttemptsTable {
  tenant_id: string;
  id: string;
  user_id: string;
  policy_id: string;
  policy_version: number;
  chain: Json;
  eligible: Json;
  cursor: number;
  status: "active" | "completed";
  version: number;
  created_at: Timestamp;
  expires_at: Timestamp;
  completed_at: NullableTimestamp;
}

export interface LockoutsTable {
  tenant_id: string;
  user_id: string;
  consecutive_failures: number;
  lock_count: number;
  locked_until: NullableTimestamp;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface OneTimeChallengesTable {
  tenant_id: string;
  purpose: string;
  id: string;
  user_id: string;
  attempt_id: string | null;
  code_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
  tries: Generated<number>;
  /** The credential the code was sent for (migration 0006). */
  credential_id: string | null;
  /** The attempt's step (its cursor) the code was sent for; null for an enrollment's code. */
  step: number | null;
}

export interface DeliveryDestinationsTable {
  tenant_id: string;
  credential_id: string;
  destination_key_id: string;
  destination_ciphertext: ColumnType<Uint8Array, Uint8Array, Uint8Array>;
  masked: string;
  destination_hash: string;
}

/** A registered WebAuthn credential (0008): written at the registration's confirmation. */
export interface WebAuthnCredentialsTable {
  tenant_id: string;
  credential_id: string;
  webauthn_id: string;
  public_key: ColumnType<Uint8Array, Uint8Array, Uint8Array>;
  algorithm: string;
  /** bigint: read as a string by node-postgres. */
  sign_count: ColumnType<string | number, number, number>;
  transports: string[];
  aaguid: string;
  attestation_format: string;
  backup_eligible: boolean;
  backed_up: boolean;
}

/** A tenant's WebAuthn relying party (0008). */
export interface WebAuthnRelyingPartiesTable {
  tenant_id: string;
  rp_id: string;
  name: string;
  origins: string[];
  updated_at: Timestamp;
}

export interface ChallengeSendsTable {
  tenant_id: string;
  id: string;
  user_id: string;
  destination_hash: string;
  sent_at: Timestamp;
}

/** Push (0009): a push credential's device, its enrollment token's hash until a proof consumed it. */
export interface PushDevicesTable {
  tenant_id: string;
  credential_id: string;
  enrollment_token_hash: string | null;
  algorithm: "ES256" | "Ed25519" | null;
  public_key: string | null;
  device_name: string | null;
  push_token: string | null;
  enrolled_at: NullableTimestamp;
}

export interface PushChallengesTable {
  tenant_id: string;
  id: string;
  user_id: string;
  credential_id: string;
  attempt_id: string;
  step: number;
  number: number;
  choices: number[];
  context: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  answered_at: NullableTimestamp;
  decision: "approve" | "deny" | null;
  answered_number: number | null;
  not_me: boolean | null;
  outcome: "approved" | "wrong_number" | "denied" | "reported_fraud" | null;
}

export interface PushPollNoncesTable {
  tenant_id: string;
  credential_id: string;
  nonce: string;
  retain_until: Timestamp;
}

export interface PushDenyClearsTable {
  tenant_id: string;
  user_id: string;
  cleared_at: Timestamp;
}

export interface AuditEventsTable {
  tenant_id: string;
  seq: ColumnType<number, never, never>;
  at: Timestamp;
  type: string;
  actor_kind: "api_key" | "operator" | "system";
  actor_id: string | null;
  user_id: string | null;
  attempt_id: string | null;
  factor_id: string | null;
  data: Json;
  // chain_index, prev_hash and hash are still in the table, null for every new event, until a later migration drops
  // them (0014): seals live in audit_seals.
}

/** One event's place in its tenant's hash chain (insert-only). */
export interface AuditSealsTable {
  tenant_id: string;
  chain_index: number;
  seq: number;
  prev_hash: string;
  hash: string;
}

/** Where a tenant's sealer goes on from (audit-chain.ts). */
export interface AuditSealCursorsTable {
  tenant_id: string;
  through_seq: ColumnType<number, number | undefined, number>;
  pending_seq: number | null;
  pending_vxids: string[] | null;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  fingerprint: string;
  created_at: Timestamp;
  response_key_id: string;
  response_ciphertext: ColumnType<Uint8Array, Uint8Array, Uint8Array>;
}

/** The shared vault (migration 0004): entries with their sealed seed, grants, and group members. */
export interface VaultEntriesTable {
  tenant_id: string;
  id: string;
  name: string;
  type: "totp" | "hotp";
  issuer: string;
  account_name: string;
  algorithm: "SHA1" | "SHA256" | "SHA512";
  digits: number;
  period: number | null;
  counter: ColumnType<number | null, number | null, number | null>;
  tags: Json;
  notes: string;
  secret_key_id: string;
  secret_ciphertext: ColumnType<Uint8Array, Uint8Array, Uint8Array>;
  created_at: Timestamp;
}

export interface VaultGrantsTable {
  tenant_id: string;
  entry_id: string;
  principal_kind: "user" | "group";
  principal_id: string;
  permission: "read_code" | "manage";
  created_at: Timestamp;
}

export interface VaultGroupMembersTable {
  tenant_id: string;
  group_id: string;
  user_id: string;
  created_at: Timestamp;
}

// Enforcement and remembered devices (migration 0007).
export interface EnforcementRulesTable {
  tenant_id: string;
  version: number;
  definition: Json;
  created_at: Timestamp;
}

export interface UserEnforcementTable {
  tenant_id: string;
  user_id: string;
  groups: Json;
  service_account: boolean;
  updated_at: Timestamp;
}

export interface GraceDeadlinesTable {
  tenant_id: string;
  user_id: string;
  first_seen_at: Timestamp;
  ends_at: Timestamp;
}

export interface SeenLocationsTable {
  tenant_id: string;
  user_id: string;
  location_key: string;
  last_seen_at: Timestamp;
}

export interface RememberedDevicesTable {
  tenant_id: string;
  id: string;
  user_id: string;
  token_hash: string;
  attempt_id: string;
  label: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
}

// Console operators and their sessions (migration 0011).
export interface OperatorsTable {
  tenant_id: string;
  id: string;
  username: string;
  password_hash: string;
  role: "viewer" | "admin";
  scope: string | null;
  created_at: Timestamp;
  disabled_at: NullableTimestamp;
}

export interface OperatorSessionsTable {
  tenant_id: string;
  id: string;
  operator_id: string;
  stage: "password_passed" | "active";
  attempt_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  authenticated_at: NullableTimestamp;
  ended_at: NullableTimestamp;
}

export interface TenantSettingsTable {
  tenant_id: string;
  notifications_enabled: boolean;
  recovery_delay_seconds: number;
  pending_recovery_delay_seconds: number | null;
  pending_recovery_delay_at: NullableTimestamp;
  updated_at: Timestamp;
}

export interface NotificationOutboxTable {
  tenant_id: string;
  id: ColumnType<string, never, never>;
  user_id: string;
  event: string;
  factor_label: string | null;
  recipients: string[] | null;
  secret_key_id: string | null;
  secret_ciphertext: ColumnType<Uint8Array | null, Uint8Array | null, Uint8Array | null>;
  due_at: NullableTimestamp;
  created_at: Timestamp;
  processed_at: NullableTimestamp;
}

export interface RecoveriesTable {
  tenant_id: string;
  id: string;
  user_id: string;
  state: "requested" | "cancelled" | "ready" | "completed" | "expired";
  requested_by: string;
  verification: string;
  reference: string;
  cancel_token_hash: string;
  requested_at: Timestamp;
  due_at: Timestamp;
  expires_at: Timestamp;
  updated_at: Timestamp;
}

export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  policies: PoliciesTable;
  credentials: CredentialsTable;
  otp_secrets: OtpSecretsTable;
  backup_codes: BackupCodesTable;
  attempts: AttemptsTable;
  lockouts: LockoutsTable;
  one_time_challenges: OneTimeChallengesTable;
  delivery_destinations: DeliveryDestinationsTable;
  challenge_sends: ChallengeSendsTable;
  webauthn_credentials: WebAuthnCredentialsTable;
  webauthn_relying_parties: WebAuthnRelyingPartiesTable;
  push_devices: PushDevicesTable;
  push_challenges: PushChallengesTable;
  push_poll_nonces: PushPollNoncesTable;
  push_deny_clears: PushDenyClearsTable;
  audit_events: AuditEventsTable;
  audit_seals: AuditSealsTable;
  audit_seal_cursors: AuditSealCursorsTable;
  idempotency_keys: IdempotencyKeysTable;
  vault_entries: VaultEntriesTable;
  vault_grants: VaultGrantsTable;
  vault_group_members: VaultGroupMembersTable;
  enforcement_rules: EnforcementRulesTable;
  user_enforcement: UserEnforcementTable;
  grace_deadlines: GraceDeadlinesTable;
  seen_locations: SeenLocationsTable;
  remembered_devices: RememberedDevicesTable;
  tenant_settings: TenantSettingsTable;
  notification_outbox: NotificationOutboxTable;
  recoveries: RecoveriesTable;
  operators: OperatorsTable;
  operator_sessions: OperatorSessionsTable;
}

/** A Kysely handle on the mfa-chain schema: the database itself or one of its transactions. */
export type Db = Kysely<Database>;
