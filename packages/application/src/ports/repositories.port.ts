// Storage ports. Every method is scoped by tenant; adapters filter every query by tenant_id.
import type {
  Attempt,
  AuditEvent,
  AuditEventType,
  Credential,
  ImplementedFactorType,
  Instant,
  LockState,
  ParamsOf,
  Policy,
  VaultEntry,
  VaultGrant,
  VaultPermission,
  VaultPrincipal,
} from "@mfa-chain/domain";
import type { SealedSecret } from "./secret-cipher.port.js";
import type { KindMaterial } from "../kinds/material.js";
import type { DeviceRepository, EnforcementRepository } from "./enforcement.port.js";
import type { PushRepository } from "./push.port.js";
import type { OperatorRepository } from "./operators.port.js";
import type { NotificationOutbox, RecoveryRepository, TenantSettingsRepository } from "./recovery.port.js";
import type { RelyingPartyRepository } from "./webauthn.port.js";

export interface StoredPolicy extends Policy {
  readonly tenantId: string;
  readonly createdAt: Instant;
}

export interface PolicyRepository {
  /** Inserts a new version (version 1 for a new policy); false when that version exists (a concurrent save won). */
  insert(policy: StoredPolicy): Promise<boolean>;
  /** The newest version of a policy that is not deleted. */
  findLatest(tenantId: string, policyId: string): Promise<StoredPolicy | null>;
  /** One exact version, deleted or not: running attempts keep the version they started with. */
  findVersion(tenantId: string, policyId: string, version: number): Promise<StoredPolicy | null>;
  listLatest(tenantId: string): Promise<StoredPolicy[]>;
  /** Marks every version deleted; returns false when there was no such live policy. */
  markDeleted(tenantId: string, policyId: string, at: Instant): Promise<boolean>;
}

export interface UserRepository {
  /**
   * Records the relying party's user id under the tenant if it is not known yet, and holds the user until the unit of
   * work ends: one user's factor changes run one at a time (two parallel enrollments of a slot cannot both stay
   * pending). Taken before any of the user's credentials, as every writer that takes it does.
   */
  lock(tenantId: string, userId: string, at: Instant): Promise<void>;
  /** The tenant's users whose id starts with `prefix`, after `after` (keyset, by id), at most `limit` (the console's list). */
  list(tenantId: string, page: DirectoryPage): Promise<StoredUser[]>;
}

/** A keyset page of ids: those starting with `prefix` and greater than `after`, in id order, at most `limit`. */
export interface DirectoryPage {
  readonly prefix: string;
  readonly after: string | null;
  readonly limit: number;
}

export interface StoredUser {
  readonly userId: string;
  readonly createdAt: Instant;
}

/** A credential of one kind with that kind's material (a sealed secret and its replay guard, hashed codes, …). */
export type StoredCredentialOf<K extends ImplementedFactorType> = Credential & {
  readonly params: ParamsOf<K>;
  readonly material: KindMaterial[K];
};
/** A credential with its material; secrets in it are sealed, and never leave the adapter unencrypted. */
export type StoredCredential = { [K in ImplementedFactorType]: StoredCredentialOf<K> }[ImplementedFactorType];

export type SaveMaterialResult = "saved" | "not_pending" | "refused";

export interface CredentialRepository {
  insert(credential: StoredCredential): Promise<void>;
  /**
   * Writes the material of a pending credential that is known only at its confirmation (a WebAuthn registration's key).
   * "not_pending" when the credential is no longer pending (a parallel confirmation won, or it was revoked); "refused"
   * when a uniqueness rule of its kind refuses it (a WebAuthn credential id registered in the tenant already, S24), or
   * its kind stores no such material. Nothing is written but on "saved".
   */
  saveMaterial(credential: StoredCredential): Promise<SaveMaterialResult>;
  findById(tenantId: string, userId: string, credentialId: string): Promise<StoredCredential | null>;
  findActiveByFactor(tenantId: string, userId: string, factorId: string): Promise<StoredCredential | null>;
  listByUser(tenantId: string, userId: string): Promise<StoredCredential[]>;
  /**
   * Activates a pending credential and revokes the active one of the same slot, if any; `claim` (the confirming code's)
   * sets its replay guard. Returns false when the credential was no longer pending.
   */
  activate(tenantId: string, credentialId: string, at: Instant, claim: StepClaim | null): Promise<boolean>;
  /** Removes other pending enrollments of the slot, so an abandoned enrollment leaves nothing behind. */
  deletePending(tenantId: string, userId: string, factorId: string): Promise<void>;
  revoke(tenantId: string, credentialId: string, at: Instant): Promise<boolean>;
  /**
   * Writes a claim of an active credential as one atomic statement: a TOTP time step only forward, a HOTP counter by
   * compare-and-set, a backup code only while unused. True when this call made it; false when a concurrent or earlier
   * use got there first.
   */
  claim(tenantId: string, claim: StepClaim, at: Instant): Promise<boolean>;
}

export interface AttemptRepository {
  insert(attempt: Attempt): Promise<void>;
  find(tenantId: string, attemptId: string): Promise<Attempt | null>;
  /** Reads and locks the attempt for the rest of the transaction (SELECT … FOR UPDATE). */
  findForUpdate(tenantId: string, attemptId: string): Promise<Attempt | null>;
  /** Writes the attempt if its stored version is still `expectedVersion`; false otherwise. */
  update(attempt: Attempt, expectedVersion: number): Promise<boolean>;
}

export interface LockoutRepository {
  /** Reads and locks the user's failure counter for the rest of the transaction; UNLOCKED when none exists. */
  findForUpdate(tenantId: string, userId: string): Promise<LockState>;
  find(tenantId: string, userId: string): Promise<LockState>;
  save(tenantId: string, userId: string, lock: LockState, at: Instant): Promise<void>;
}

/** What one verify decides on, read and locked together. */
export interface StepState {
  readonly attempt: Attempt;
  /** The user's failure counter; UNLOCKED when none is stored yet. */
  readonly lock: LockState;
  /** The user's active credential for the submitted factor id, or null when there is none. */
  readonly credential: StoredCredential | null;
  /**
   * The challenge issued for the attempt's current step to that credential (an emailed code), locked with it on the
   * locking path; null when none was issued (or the kind takes none).
   */
  readonly challenge: StoredChallenge | null;
}

/**
 * What an accepted code uses up: a TOTP time step, a HOTP counter, one backup code, a sent code (its challenge). Each is
 * claimed once. `challenge_try` is the one claim a failure makes: a wrong code spends one of its challenge's tries.
 */
export type StepClaim =
  | { readonly kind: "time_step"; readonly credentialId: string; readonly step: number }
  | { readonly kind: "counter"; readonly credentialId: string; readonly expected: number; readonly next: number }
  | { readonly kind: "backup_code"; readonly credentialId: string; readonly codeHash: string }
  /** The challenge consumed: only while unused, unexpired, under its tries, and holding this code's hash. */
  | {
      readonly kind: "challenge";
      readonly credentialId: string;
      readonly purpose: string;
      readonly challengeId: string;
      readonly codeHash: string;
    }
  /** One try of the challenge spent by a wrong code: only while unused and under its tries. */
  | { readonly kind: "challenge_try"; readonly credentialId: string; readonly purpose: string; readonly challengeId: string }
  /** The challenge used up by a failure (WebAuthn: every refusal is final for its challenge, S21): only while unused. */
  | { readonly kind: "challenge_spent"; readonly credentialId: string; readonly purpose: string; readonly challengeId: string }
  /**
   * A WebAuthn assertion's success: its challenge consumed (unused, unexpired, this value) and the credential's sign
   * counter moved from `expectedSignCount` to `newSignCount` by compare-and-set (S21, S23).
   */
  | {
      readonly kind: "webauthn_assertion";
      readonly credentialId: string;
      readonly purpose: string;
      readonly challengeId: string;
      readonly codeHash: string;
      readonly expectedSignCount: number;
      readonly newSignCount: number;
    };

/**
 * A code sent to a user (email, SMS), kept only as a keyed hash in the challenge store, namespaced by purpose (S30):
 * for a step of an attempt (`attemptId`, `step`) or for the confirmation of an enrollment (both null). A resend
 * replaces the code of the same id (new hash, new expiry, tries back to 0).
 */
export interface StoredChallenge {
  readonly tenantId: string;
  readonly purpose: string;
  readonly id: string;
  readonly userId: string;
  readonly credentialId: string;
  readonly attemptId: string | null;
  readonly step: number | null;
  readonly codeHash: string;
  readonly createdAt: Instant;
  readonly expiresAt: Instant;
  readonly consumedAt: Instant | null;
  readonly tries: number;
}

/** One message sent (or being sent) to a destination: what the send limits count (S16). */
export interface ChallengeSend {
  readonly tenantId: string;
  readonly id: string;
  readonly userId: string;
  /** The destination's keyed hash: limits per destination count without the destination in clear. */
  readonly destinationKey: string;
  readonly sentAt: Instant;
}

export type SendScope = { readonly userId: string } | { readonly destinationKey: string } | { readonly tenant: true };

/** The challenge store and the log of sends. */
export interface ChallengeRepository {
  find(tenantId: string, purpose: string, id: string): Promise<StoredChallenge | null>;
  /** Writes the challenge, replacing one of the same tenant, purpose and id (a resend). */
  save(challenge: StoredChallenge): Promise<void>;
  recordSend(send: ChallengeSend): Promise<void>;
  /** When the scope's newest sends since `since` were made, newest first, at most `limit`. */
  sendsSince(tenantId: string, scope: SendScope, since: Instant, limit: number): Promise<Instant[]>;
}

/** Everything one verify writes. */
export interface StepWrite {
  /** The attempt's next state, written where its stored version is still `expectedVersion`. */
  readonly attempt: Attempt;
  readonly expectedVersion: number;
  /**
   * The accepted code's claim (as `CredentialRepository.claim`), or what a failure spends (`challenge_try`); null when
   * nothing is claimed.
   */
  readonly claim: StepClaim | null;
  /** The user's new failure counter; null when it did not change (nothing is written then). */
  readonly lock: LockState | null;
  readonly events: readonly AuditEvent[];
  readonly at: Instant;
}

/**
 * The verify path's storage, shaped for it: one read and one write where the storage allows (each database round trip
 * costs the API more than the statement costs the database; docs/benchmarks.md).
 */
export interface StepRepository {
  /**
   * Reads and locks for the rest of the transaction the attempt, its user's failure counter and the user's active
   * credential for `factorId` (locked too, so that its replay guard cannot move before `write`); null when the tenant
   * has no such attempt.
   */
  lockForStep(tenantId: string, attemptId: string, factorId: string): Promise<StepState | null>;
  /**
   * Writes the claim, the attempt, the failure counter and the events. False when the claim's guard or the attempt's
   * version no longer held: the caller must then abandon the transaction (throw), as parts may have been written.
   */
  write(tenantId: string, userId: string, step: StepWrite): Promise<boolean>;
  /**
   * The optimistic read: the same state as `lockForStep`, without locks (outside a transaction: every statement
   * commits on its own). A user without a failure-counter row gets one (at zero) first, so `writeIfUnchanged` always
   * has a row to compare with.
   */
  readForStep(tenantId: string, attemptId: string, factorId: string): Promise<StepState | null>;
  /**
   * The optimistic write, all or nothing in one statement: it writes only if, when it runs, the attempt's version is
   * still `step.expectedVersion`, the user's failure counter is still `seen` and the claim's guard holds (the code's
   * time step, counter or backup code is still unused); the counter's row stays locked until it is done. False when any
   * of them changed: nothing was written, and the caller retries on the locking path (`lockForStep` then `write`).
   */
  writeIfUnchanged(tenantId: string, userId: string, step: StepWrite, seen: LockState): Promise<boolean>;
}

export interface AuditLog {
  /** Appends the events in order (several in one statement where the storage allows: fewer round trips). */
  append(...events: AuditEvent[]): Promise<void>;
}

export interface AuditQuery {
  readonly tenantId: string;
  readonly userId?: string;
  readonly types?: readonly AuditEventType[];
  readonly from?: Instant;
  readonly to?: Instant;
  /** Return events with a sequence number below this (paging backwards, newest first). */
  readonly before?: number;
  readonly limit: number;
}

export interface StoredAuditEvent extends AuditEvent {
  readonly seq: number;
}

export interface AuditReader {
  list(query: AuditQuery): Promise<StoredAuditEvent[]>;
  /**
   * When each of these factors (policy slots) of the user last passed a step: the newest `attempt.step_succeeded`
   * event of each (an index-backed read of the trail; the verify path writes nothing more for it). Factors never
   * passed are left out.
   */
  lastStepSucceeded(tenantId: string, userId: string, factorIds: readonly string[]): Promise<FactorLastUse[]>;
}

export interface FactorLastUse {
  readonly factorId: string;
  readonly at: Instant;
}

export interface StoredTenant {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Instant;
}

export interface TenantRepository {
  /** False when a tenant with this id exists. */
  insert(tenant: StoredTenant): Promise<boolean>;
  find(tenantId: string): Promise<StoredTenant | null>;
  /** Tenants whose id starts with `prefix`, after `after` (keyset, by id), at most `limit`. */
  list(page: DirectoryPage): Promise<StoredTenant[]>;
}

export type ApiKeyRole = "admin" | "service";

export interface StoredApiKey {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  /** The key's hash (ApiKeyMinter): keys are high-entropy, so a fast hash identifies them; the key itself is never stored. */
  readonly keyHash: string;
  readonly role: ApiKeyRole;
  readonly createdAt: Instant;
  readonly revokedAt: Instant | null;
}

export interface ApiKeyRepository {
  insert(key: StoredApiKey): Promise<void>;
  /**
   * The key with this hash, revoked or not. The one lookup not scoped by tenant: the key is what tells which tenant is
   * asking.
   */
  findByHash(keyHash: string): Promise<StoredApiKey | null>;
  /** Every key of the tenant, revoked or not, oldest first (the console's list; never the keys themselves). */
  listByTenant(tenantId: string): Promise<StoredApiKey[]>;
  /**
   * Revokes live keys of the tenant: the one with this id, or every one with this name. Returns the ids revoked. Once
   * the unit of work commits, every API process stops accepting them at once (the adapter tells the processes' key
   * caches).
   */
  revoke(tenantId: string, which: { readonly id: string } | { readonly name: string }, at: Instant): Promise<string[]>;
}

/** A vault entry with its sealed seed: the seed never leaves the adapter unsealed, and no read path returns it. */
export interface StoredVaultEntry extends VaultEntry {
  readonly secret: SealedSecret;
}

/** The shared vault's entries, their grants and the groups grants may name. */
export interface VaultRepository {
  /** False when the tenant already has an entry of this name. */
  insert(entry: StoredVaultEntry): Promise<boolean>;
  find(tenantId: string, entryId: string): Promise<StoredVaultEntry | null>;
  /** Every entry of the tenant, by name. */
  list(tenantId: string): Promise<StoredVaultEntry[]>;
  /** Removes the entry with its grants; false when there was none. */
  delete(tenantId: string, entryId: string): Promise<boolean>;
  /**
   * An HOTP entry's counter, taken and moved one forward as one atomic statement: parallel reads each get their own
   * counter, one after another. Null when the entry is gone or has no counter.
   */
  takeCounter(tenantId: string, entryId: string): Promise<number | null>;
  grants(tenantId: string, entryId: string): Promise<VaultGrant[]>;
  /** Every grant of the tenant's entries (for a list). */
  allGrants(tenantId: string): Promise<VaultGrant[]>;
  /** False when the grant existed already. */
  addGrant(tenantId: string, grant: VaultGrant, at: Instant): Promise<boolean>;
  /** False when there was no such grant. */
  removeGrant(tenantId: string, entryId: string, principal: VaultPrincipal, permission: VaultPermission): Promise<boolean>;
  /** Replaces a group's members (an empty list removes the group). */
  setGroup(tenantId: string, groupId: string, members: readonly string[], at: Instant): Promise<void>;
  /** The groups a user belongs to. */
  groupsOf(tenantId: string, userId: string): Promise<string[]>;
  /** Every group of the tenant with its members, by id. */
  listGroups(tenantId: string): Promise<{ readonly id: string; readonly members: string[] }[]>;
}

/** Everything one use case may touch inside one transaction. */
export interface Repositories {
  readonly tenants: TenantRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly policies: PolicyRepository;
  readonly users: UserRepository;
  readonly credentials: CredentialRepository;
  readonly attempts: AttemptRepository;
  readonly lockouts: LockoutRepository;
  readonly audit: AuditLog;
  readonly steps: StepRepository;
  readonly vault: VaultRepository;
  readonly challenges: ChallengeRepository;
  /** Each tenant's WebAuthn relying party (RP id, name, origins). */
  readonly relyingParties: RelyingPartyRepository;
  /** Enforcement (SPEC §4): rules, users' groups and flags, grace deadlines, locations seen. */
  readonly enforcement: EnforcementRepository;
  /** Console operators and their sessions (apps/admin). */
  readonly operators: OperatorRepository;
  /** Remembered devices. */
  readonly devices: DeviceRepository;
  /** Push devices, challenges, answers and poll nonces (issue 13). */
  readonly push: PushRepository;
  /** Per-tenant settings of notifications and recovery. */
  readonly settings: TenantSettingsRepository;
  /** Notifications waiting to be sent (the outbox). */
  readonly notifications: NotificationOutbox;
  /** Admin recoveries. */
  readonly recoveries: RecoveryRepository;
}

/** Runs `work` in one transaction: all of its writes commit together, or none do (the error is rethrown). */
export interface UnitOfWork {
  run<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
  /**
   * Runs `work` with repositories whose statements each commit on their own, without a transaction: for work made
   * of one read and one all-or-nothing conditional write (the optimistic verify). Absent where the storage cannot
   * (a unit of work inside a transaction someone else holds); callers then use `run`.
   */
  readonly direct?: (<T>(work: (repos: Repositories) => Promise<T>) => Promise<T>) | undefined;
}
