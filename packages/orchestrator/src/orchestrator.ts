// A library facade for teams that use mfa-chain without the service: what the Python seed's MFAOrchestrator did,
// done right. One user's chain in memory: policy in, chain out; each step verified with that factor's own secret and
// the policy's server-side window; any failure resets to step 1; out of order is a breach; replays and repeated
// failures are refused. Codes are checked by the same factor-kind modules as the service's (@mfa-chain/application's
// kinds/), over credentials held in memory. Not shared between processes: for that, run the API.
import { randomInt } from "node:crypto";
import {
  applyClaim,
  createKinds,
  kindFor,
  type KindMaterial,
  type SealedSecret,
  type SecretCipher,
  type StoredCredential,
} from "@mfa-chain/application";
import {
  admitSubmission,
  applyStepResult,
  formatPolicyIssues,
  isFreshCompletion,
  paramsOf,
  parsePolicyDefinition,
  startAttempt,
  UNLOCKED,
  viewOf,
  type Attempt,
  type FactorView,
  type ImplementedFactorType,
  type Instant,
  type LockState,
  type Policy,
  type PolicyFactor,
  type RandomSource,
  type StepResult,
  type VerifyOutcome,
} from "@mfa-chain/domain";
import { decodeBase32, otp } from "@mfa-chain/totp";

export interface OrchestratorOptions {
  /** A policy definition as in SPEC §1 (validated strictly). */
  readonly policy: unknown;
  /** Each factor's own secret (base32), by factor id. Only factors listed here can be drawn. */
  readonly secrets: Readonly<Record<string, string>>;
  /** HOTP factors: the next counter each one expects (default 0). */
  readonly counters?: Readonly<Record<string, number>>;
  /** Injected for tests; defaults to the system clock and node:crypto. */
  readonly now?: () => Instant;
  readonly random?: RandomSource;
}

export class PolicyError extends Error {
  override readonly name = "PolicyError";
  constructor(
    message: string,
    readonly issues: readonly { path: string; message: string }[],
  ) {
    super(message);
  }
}

export class MfaChainBreached extends Error {
  override readonly name = "MfaChainBreached";
  constructor(
    readonly expected: FactorView,
    readonly outcome: VerifyOutcome,
  ) {
    super(`factor out of order: expected "${expected.id}"; the chain was reset to step 1`);
  }
}

export type StartResult = { readonly currentFactor: FactorView; readonly steps: number; readonly expiresAt: Instant };

export type VerifyResult =
  | (VerifyOutcome & { readonly status: "verified" })
  | { readonly status: "locked"; readonly lockedUntil: Instant }
  | { readonly status: "no_attempt" | "attempt_expired" | "attempt_completed" };

const cryptoRandom: RandomSource = { nextInt: (max) => randomInt(max) };

/** The secrets live in this process's memory already, as the caller gave them: "sealing" keeps a copy, nothing more. */
const inMemory: SecretCipher = {
  currentKeyId: "memory",
  seal: (plaintext) => ({ keyId: "memory", ciphertext: Uint8Array.from(plaintext) }),
  open: (sealed) => Uint8Array.from(sealed.ciphertext),
};

/** The material of a factor given by its secret and counter, for the kinds this library takes secrets for; null: not one. */
const LOCAL_MATERIAL: { readonly [K in ImplementedFactorType]: (secret: SealedSecret, counter: number) => KindMaterial[K] | null } = {
  totp: (secret) => ({ secret, lastTimeStep: null }),
  hotp: (secret, counter) => ({ secret, counter }),
  // Backup codes are kept hashed by the service; this library takes no code sets.
  backup_code: () => null,
  // Email and SMS codes need a delivery and a challenge store: the service's, not this library's.
  email: () => null,
  sms: () => null,
  // WebAuthn needs a relying party, a challenge store and a browser: the service's, not this library's.
  webauthn: () => null,
  // Push needs a device, its routes and a challenge store: the service's, not this library's.
  push: () => null,
};

export class MfaOrchestrator {
  private readonly policy: Policy;
  /** Each factor's credential, by factor id: its secret and its replay guard. */
  private readonly credentials = new Map<string, StoredCredential>();
  private readonly kinds = createKinds({
    otp,
    provisioner: otp,
    cipher: inMemory,
    hasher: { hash: () => "", matches: () => false },
    random: cryptoRandom,
    issuer: "mfa-chain",
  });
  private readonly now: () => Instant;
  private readonly random: RandomSource;
  private attempt: Attempt | null = null;
  private lock: LockState = UNLOCKED;
  private sequence = 0;

  constructor(options: OrchestratorOptions) {
    const parsed = parsePolicyDefinition(options.policy);
    if (!parsed.ok) throw new PolicyError(formatPolicyIssues(parsed.error.issues), parsed.error.issues);
    this.policy = { ...parsed.value, id: "local", version: 1 };
    for (const [factorId, secret] of Object.entries(options.secrets)) {
      const factor = this.policy.factors.find((f) => f.id === factorId);
      if (!factor) throw new PolicyError(`secret given for unknown factor "${factorId}"`, []);
      const material = LOCAL_MATERIAL[factor.type](
        inMemory.seal(decodeBase32(secret), { tenantId: "local", userId: "local", credentialId: factorId }),
        options.counters?.[factorId] ?? 0,
      );
      if (material === null) throw new PolicyError(`factor "${factorId}" is a ${factor.type} factor, which this library cannot hold`, []);
      this.credentials.set(factorId, {
        id: factorId,
        tenantId: "local",
        userId: "local",
        factorId,
        label: factor.label,
        status: "active",
        params: paramsOf(factor),
        material,
        createdAt: 0,
        confirmedAt: 0,
        revokedAt: null,
      } as StoredCredential);
    }
    this.now = options.now ?? Date.now;
    this.random = options.random ?? cryptoRandom;
  }

  /** Draws a new chain (fixed or random per policy) and returns its first step. Failures are not forgiven by this. */
  startAttempt(): StartResult {
    const started = startAttempt(
      {
        id: String(++this.sequence),
        tenantId: "local",
        userId: "local",
        policy: this.policy,
        confirmedFactorIds: new Set(this.credentials.keys()),
        now: this.now(),
      },
      this.random,
    );
    if (!started.ok) throw new PolicyError(started.error.message, []);
    this.attempt = started.value;
    const first = this.policy.factors.find((f) => f.id === started.value.chain[0]) as PolicyFactor;
    return { currentFactor: viewOf(first), steps: started.value.chain.length, expiresAt: started.value.expiresAt };
  }

  /**
   * Verifies the current step. A wrong, malformed or replayed code resets the chain (`reset: true`); a code for the
   * wrong factor throws MfaChainBreached after resetting. The client never chooses the window or the secret.
   */
  verifyStep(input: { readonly factorId: string; readonly code: string }): VerifyResult {
    const attempt = this.attempt;
    if (!attempt) return { status: "no_attempt" };
    const ctx = { attempt, lock: this.lock, policy: this.policy, now: this.now() };
    const admission = admitSubmission(ctx, input);
    if (admission.kind === "rejected") return { status: admission.code };
    if (admission.kind === "locked") return { status: "locked", lockedUntil: admission.lockedUntil };
    const result: StepResult =
      admission.kind === "failed" ? { ok: false, reason: admission.reason } : this.check(admission.factor, admission.code, ctx.now);
    const next = applyStepResult(ctx, result, this.random);
    this.attempt = next.attempt;
    this.lock = next.lock;
    if (next.outcome.failure === "chain_breached") {
      const expected = this.policy.factors.find((f) => f.id === attempt.chain[attempt.cursor]) as PolicyFactor;
      throw new MfaChainBreached(viewOf(expected), next.outcome);
    }
    return { ...next.outcome, status: "verified" };
  }

  /** True when the last attempt completed within the last five minutes (e.g. before changing factors). */
  recentlyCompleted(): boolean {
    return this.attempt !== null && isFreshCompletion(this.attempt, "local", this.now());
  }

  private check(factor: PolicyFactor, code: string, now: Instant): StepResult {
    const credential = this.credentials.get(factor.id);
    if (!credential) return { ok: false, reason: "invalid_code" };
    const checked = kindFor(this.kinds, credential.params.type).check(credential, code, { now, window: this.policy.verifyWindow });
    if (!checked.ok) return checked;
    const claimed = applyClaim(credential, checked.claim);
    if (!claimed) return { ok: false, reason: "code_replayed" };
    this.credentials.set(factor.id, claimed);
    return { ok: true };
  }
}
