// Translation of use-case values to JSON: instants become ISO-8601 strings.
import type { AttemptView, ChainPreview, CredentialView, LockoutView, PolicyView, StoredAuditEvent } from "@mfa-chain/application";
import type { VerifyOutcome } from "@mfa-chain/domain";

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export const presentOutcome = (o: VerifyOutcome) => ({
  success: o.success,
  complete: o.complete,
  reset: o.reset,
  nextFactor: o.nextFactor,
  failuresRemaining: o.failuresRemaining,
  lockedUntil: isoOrNull(o.lockedUntil),
  expiresAt: iso(o.expiresAt),
});

export const presentAttempt = (a: AttemptView) => ({
  ...a,
  createdAt: iso(a.createdAt),
  expiresAt: iso(a.expiresAt),
  completedAt: isoOrNull(a.completedAt),
});

export const presentCredential = (c: CredentialView) => ({
  ...c,
  createdAt: iso(c.createdAt),
  confirmedAt: isoOrNull(c.confirmedAt),
  revokedAt: isoOrNull(c.revokedAt),
  ...(c.pushDevice === undefined ? {} : { pushDevice: { ...c.pushDevice, enrolledAt: iso(c.pushDevice.enrolledAt) } }),
});

export const presentPolicy = (p: PolicyView) => ({ ...p, createdAt: iso(p.createdAt) });

export const presentChainPreview = ({ user, ...p }: ChainPreview) => ({
  ...p,
  ...(user === undefined ? {} : { user: { ...user, lockedUntil: isoOrNull(user.lockedUntil) } }),
});

export const presentLockout = (l: LockoutView) => ({ ...l, lockedUntil: isoOrNull(l.lockedUntil) });

export const presentAuditEvent = (e: StoredAuditEvent) => ({
  seq: e.seq,
  type: e.type,
  at: iso(e.at),
  actor: e.actor,
  userId: e.userId,
  attemptId: e.attemptId,
  factorId: e.factorId,
  data: e.data,
});
