// Console operators (apps/admin) and their sessions. Operators are users of the console's own tenant
// (CONSOLE_TENANT): their second factors are that tenant's credentials, passed through the chain engine like any user's.
import type { Instant } from "@mfa-chain/domain";

export type OperatorRole = "viewer" | "admin";

export interface StoredOperator {
  /** The console's tenant (CONSOLE_TENANT); the operator is the user of this id in it. */
  readonly tenantId: string;
  readonly id: string;
  /** What the operator signs in with; unique in the console tenant. */
  readonly username: string;
  /** An argon2id hash in PHC form (PasswordHasher); never the password. */
  readonly passwordHash: string;
  readonly role: OperatorRole;
  /** The one tenant the operator may read and act on; null for every tenant. */
  readonly scope: string | null;
  readonly createdAt: Instant;
  readonly disabledAt: Instant | null;
}

export type SessionStage = "password_passed" | "active";

export interface StoredOperatorSession {
  readonly tenantId: string;
  /** The SHA-256 of the session token (hex): the token itself is only in the operator's cookie. */
  readonly id: string;
  readonly operatorId: string;
  /** password_passed: the password was right and the chain (`attemptId`) is to be passed; active: signed in. */
  readonly stage: SessionStage;
  readonly attemptId: string;
  readonly createdAt: Instant;
  readonly lastSeenAt: Instant;
  readonly authenticatedAt: Instant | null;
  readonly endedAt: Instant | null;
}

export interface OperatorRepository {
  /** False when the console tenant has an operator of this name already. */
  insert(operator: StoredOperator): Promise<boolean>;
  find(tenantId: string, operatorId: string): Promise<StoredOperator | null>;
  findByUsername(tenantId: string, username: string): Promise<StoredOperator | null>;
  /** Every operator of the console tenant, by name. */
  list(tenantId: string): Promise<StoredOperator[]>;
  insertSession(session: StoredOperatorSession): Promise<void>;
  findSession(tenantId: string, sessionId: string): Promise<StoredOperatorSession | null>;
  /**
   * Each a conditional update of the stored row (never a write-back of a copy read earlier), so that a request racing a
   * sign-out cannot bring the session back. False when nothing was updated.
   * activateSession: stage password_passed → active, authenticatedAt = lastSeenAt = at, only while not ended.
   */
  activateSession(tenantId: string, sessionId: string, at: Instant): Promise<boolean>;
  /** lastSeenAt = at, only while not ended. */
  touchSession(tenantId: string, sessionId: string, at: Instant): Promise<boolean>;
  /** endedAt = at, only while not ended. */
  endSession(tenantId: string, sessionId: string, at: Instant): Promise<boolean>;
  /** disabledAt = at, only while not disabled: the operator cannot sign in any more. */
  disable(tenantId: string, operatorId: string, at: Instant): Promise<boolean>;
  /** disabledAt = null, only while disabled. */
  enable(tenantId: string, operatorId: string): Promise<boolean>;
  /** Replaces the operator's password hash; false for an unknown operator. */
  setPasswordHash(tenantId: string, operatorId: string, passwordHash: string): Promise<boolean>;
  /** endedAt = at on every session of the operator not ended yet (half-way or signed in): how many it ended. */
  endSessions(tenantId: string, operatorId: string, at: Instant): Promise<number>;
}

/** Hashes and checks operators' passwords (argon2id). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}
