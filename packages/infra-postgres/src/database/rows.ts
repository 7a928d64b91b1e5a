// Rows read back are validated before they become domain values: a row the schema should have prevented, or one
// written by a newer version, fails loudly here instead of travelling on as a half-typed object.
import type { StoredAuditEvent, StoredChallenge, StoredCredential, StoredPolicy } from "@mfa-chain/application";
import {
  AUDIT_EVENT_TYPES,
  IMPLEMENTED_FACTOR_TYPES,
  readCredentialParams,
  formatPolicyIssues,
  parseStoredPolicyDefinition,
  type Attempt,
  type LockState,
} from "@mfa-chain/domain";
import { z } from "zod";
import { storageOf } from "../kinds/index.js";

/** A stored row that does not have the shape the schema promises: a broken invariant, never an expected outcome. */
export class CorruptRowError extends Error {
  override readonly name = "CorruptRowError";
  readonly code = "corrupt_row";
}

const int = z.number().int();
const instant = z.date().transform((d) => d.getTime());
const nullableInstant = instant.nullable();
const stringList = z.array(z.string());

function parseRow<S extends z.ZodType>(schema: S, row: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(row);
  if (!parsed.success) {
    // Paths and messages only: the row's values (a ciphertext, a hash) are not echoed.
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(row)"}: ${i.message}`).join("; ");
    throw new CorruptRowError(`stored ${what} has an unexpected shape: ${issues}`);
  }
  return parsed.data;
}

const policyRow = z.object({
  tenant_id: z.string(),
  policy_id: z.string(),
  version: int.positive(),
  definition: z.unknown(),
  created_at: instant,
});

export function toStoredPolicy(row: unknown): StoredPolicy {
  const r = parseRow(policyRow, row, "policy");
  // The domain's parser for stored versions: structure, kinds and options as strictly as for a new one; text rules
  // that may have tightened since are not applied again, so a version accepted once stays readable.
  const definition = parseStoredPolicyDefinition(r.definition);
  if (!definition.ok) {
    throw new CorruptRowError(`stored policy ${r.policy_id} v${r.version} is invalid: ${formatPolicyIssues(definition.error.issues)}`);
  }
  return { ...definition.value, id: r.policy_id, version: r.version, tenantId: r.tenant_id, createdAt: r.created_at };
}

const credentialRow = z.object({
  tenant_id: z.string(),
  id: z.string(),
  user_id: z.string(),
  factor_id: z.string(),
  label: z.string(),
  status: z.enum(["pending", "active", "revoked"]),
  type: z.enum(IMPLEMENTED_FACTOR_TYPES),
  params: z.unknown(),
  material: z.unknown(),
  created_at: instant,
  confirmed_at: nullableInstant,
  revoked_at: nullableInstant,
});

/** A credentials row with its kind's `material` (kinds/: `materialOf`), validated by the kind's own rules. */
export function toStoredCredential(row: unknown): StoredCredential {
  const r = parseRow(credentialRow, row, "credential");
  const params = readCredentialParams(r.params);
  if (!params.ok) throw new CorruptRowError(`stored credential ${r.id}: ${params.problem}`);
  if (params.params.type !== r.type)
    throw new CorruptRowError(`stored credential ${r.id}: params are for ${params.params.type}, the row says ${r.type}`);
  if (r.material === null) throw new CorruptRowError(`stored credential ${r.id}: its ${r.type} material is missing`);
  const material = parseRow(storageOf(r.type).materialSchema, r.material, `${r.type} material of credential ${r.id}`);
  return {
    id: r.id,
    tenantId: r.tenant_id,
    userId: r.user_id,
    factorId: r.factor_id,
    label: r.label,
    status: r.status,
    params: params.params,
    material,
    createdAt: r.created_at,
    confirmedAt: r.confirmed_at,
    revokedAt: r.revoked_at,
  } as StoredCredential;
}

const attemptRow = z.object({
  tenant_id: z.string(),
  id: z.string(),
  user_id: z.string(),
  policy_id: z.string(),
  policy_version: int.positive(),
  chain: stringList,
  eligible: stringList,
  cursor: int.nonnegative(),
  status: z.enum(["active", "completed"]),
  version: int.positive(),
  created_at: instant,
  expires_at: instant,
  completed_at: nullableInstant,
});

export function toAttempt(row: unknown): Attempt {
  const r = parseRow(attemptRow, row, "attempt");
  return {
    id: r.id,
    tenantId: r.tenant_id,
    userId: r.user_id,
    policyId: r.policy_id,
    policyVersion: r.policy_version,
    chain: r.chain,
    eligible: r.eligible,
    cursor: r.cursor,
    status: r.status,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    completedAt: r.completed_at,
    version: r.version,
  };
}

const lockRow = z.object({
  consecutive_failures: int.nonnegative(),
  lock_count: int.nonnegative(),
  locked_until: nullableInstant,
});

export function toLockState(row: unknown): LockState {
  const r = parseRow(lockRow, row, "lockout");
  return { consecutiveFailures: r.consecutive_failures, lockCount: r.lock_count, lockedUntil: r.locked_until };
}

export const auditDataSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

export const auditRow = z.object({
  tenant_id: z.string(),
  seq: int.positive(),
  at: instant,
  type: z.enum(AUDIT_EVENT_TYPES),
  actor_kind: z.enum(["api_key", "operator", "system"]),
  actor_id: z.string().nullable(),
  user_id: z.string().nullable(),
  attempt_id: z.string().nullable(),
  factor_id: z.string().nullable(),
  data: auditDataSchema,
});

export function toStoredAuditEvent(row: unknown): StoredAuditEvent {
  const r = parseRow(auditRow, row, "audit event");
  if ((r.actor_kind !== "system") !== (r.actor_id !== null)) {
    throw new CorruptRowError(`stored audit event ${r.seq}: actor ${r.actor_kind} with${r.actor_id === null ? "out" : ""} an id`);
  }
  return {
    seq: r.seq,
    tenantId: r.tenant_id,
    type: r.type,
    at: r.at,
    actor: r.actor_kind === "system" ? { kind: "system" } : { kind: r.actor_kind, id: r.actor_id as string },
    userId: r.user_id,
    attemptId: r.attempt_id,
    factorId: r.factor_id,
    data: r.data,
  };
}

const challengeRow = z.object({
  tenant_id: z.string(),
  purpose: z.string(),
  id: z.string(),
  user_id: z.string(),
  credential_id: z.string(),
  attempt_id: z.string().nullable(),
  step: int.nonnegative().nullable(),
  code_hash: z.string(),
  created_at: instant,
  expires_at: instant,
  consumed_at: nullableInstant,
  tries: int.nonnegative(),
});

/** A one_time_challenges row (or its json, with timestamps as text, from the verify path's read). */
export function toStoredChallenge(row: unknown): StoredChallenge {
  const raw = row as Record<string, unknown>;
  const asDate = (v: unknown) => (typeof v === "string" ? new Date(v) : v);
  const r = parseRow(
    challengeRow,
    { ...raw, created_at: asDate(raw.created_at), expires_at: asDate(raw.expires_at), consumed_at: asDate(raw.consumed_at) },
    "challenge",
  );
  return {
    tenantId: r.tenant_id,
    purpose: r.purpose,
    id: r.id,
    userId: r.user_id,
    credentialId: r.credential_id,
    attemptId: r.attempt_id,
    step: r.step,
    codeHash: r.code_hash,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    consumedAt: r.consumed_at,
    tries: r.tries,
  };
}
