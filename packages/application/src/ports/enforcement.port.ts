// Storage and location ports of enforcement (SPEC §4): the tenant's rules (versioned), a user's groups and service-account
// flag, grace deadlines, the locations a user was seen at, and remembered devices. Every method is scoped by tenant.
import type { EnforcementRules, Instant, LocationLookup } from "@mfa-chain/domain";

export interface StoredEnforcementRules extends EnforcementRules {
  readonly tenantId: string;
  readonly createdAt: Instant;
}

/** What enforcement knows of a user besides their factors: their groups, and whether they are a service account. */
export interface UserEnforcement {
  readonly groups: readonly string[];
  readonly serviceAccount: boolean;
  readonly updatedAt: Instant;
}

export interface EnforcementRepository {
  /** Inserts a version of the tenant's rules; false when that version exists (a concurrent save won). */
  insertRules(rules: StoredEnforcementRules): Promise<boolean>;
  latestRules(tenantId: string): Promise<StoredEnforcementRules | null>;
  findUser(tenantId: string, userId: string): Promise<UserEnforcement | null>;
  /** Replaces the user's groups and flag (the user must be known: UserRepository.lock). */
  saveUser(tenantId: string, userId: string, user: UserEnforcement): Promise<void>;
  /**
   * The user's grace deadline, fixed the first time it is asked for as the storage's own clock plus `graceMs`, and never
   * moved afterwards; with the storage's clock now (the database's on PostgreSQL). The user must be known.
   */
  graceDeadline(tenantId: string, userId: string, graceMs: number): Promise<{ readonly endsAt: Instant; readonly now: Instant }>;
  /** Where the user was seen: location key → last seen. */
  locationsSeen(tenantId: string, userId: string): Promise<Map<string, Instant>>;
  /** Records the location as seen at `at`, and forgets the user's locations not seen since `forgetBefore`. */
  recordLocation(tenantId: string, userId: string, locationKey: string, at: Instant, forgetBefore: Instant): Promise<void>;
}

/** A remembered device: only the keyed hash of its current token is stored. */
export interface StoredDevice {
  readonly tenantId: string;
  readonly id: string;
  readonly userId: string;
  readonly tokenHash: string;
  /** The completed attempt the device was remembered after (one device per attempt). */
  readonly attemptId: string;
  readonly label: string;
  readonly createdAt: Instant;
  readonly lastUsedAt: Instant | null;
  readonly expiresAt: Instant;
  readonly revokedAt: Instant | null;
}

export interface DeviceRepository {
  /** False when a device was remembered after this attempt already. */
  insert(device: StoredDevice): Promise<boolean>;
  /** The user's device whose current token has this hash, revoked or expired or not. */
  findByTokenHash(tenantId: string, userId: string, tokenHash: string): Promise<StoredDevice | null>;
  /** Replaces the token (compare-and-set on the old hash, only while not revoked); false when it was used already. */
  rotate(tenantId: string, deviceId: string, oldHash: string, newHash: string, expiresAt: Instant, at: Instant): Promise<boolean>;
  /** The user's devices, newest first. */
  listByUser(tenantId: string, userId: string): Promise<StoredDevice[]>;
  /** False when the user has no such live device. */
  revoke(tenantId: string, userId: string, deviceId: string, at: Instant): Promise<boolean>;
  /** Revokes every live device of the user; the ids revoked. */
  revokeAll(tenantId: string, userId: string, at: Instant): Promise<string[]>;
}

/** Where an IP address is (a country, else a network); `unknown` for private, reserved or unlisted addresses. */
export interface LocationSource {
  locate(ip: string): LocationLookup;
}

/** The source without a database: every address is unknown, so location never prompts (the documented fallback). */
export const UNKNOWN_LOCATIONS: LocationSource = { locate: () => ({ kind: "unknown" }) };
