// A library facade for teams that use mfa-chain without the service: what the Python seed's MFAOrchestrator did,
// done right. One user's chain in memory: policy in, chain out; each step verified with that factor's own secret and
// the policy's server-side window; any failure resets to step 1; out of order is a breach; replays and repeated
// failures are refused. Not shared between processes: for that, run the API.
import { randomInt } from "node:crypto";
import {
  admitSubmission,
  applyStepResult,
  formatPolicyIssues,
  HOTP_LOOK_AHEAD,
  isFreshCompletion,
  parsePolicyDefinition,
  startAttempt,
  UNLOCKED,
  viewOf,
  type Attempt,
  type FactorView,
  type Instant,
  type LockState,
  type Policy,
  type PolicyFactor,
  type RandomSource,
  type StepResult,
  type VerifyOutcome,
} from "@mfa-chain/domain";
import { decodeBase32, verifyHotp, verifyTotp } from "@mfa-chain/totp";

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

export class MfaOrchestrator {
  private readonly policy: Policy;
  private readonly secrets = new Map<string, Uint8Array>();
  private readonly lastTimeStep = new Map<string, number>();
  private readonly counters = new Map<string, number>();
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
      if (!this.policy.factors.some((f) => f.id === factorId)) throw new PolicyError(`secret given for unknown factor "${factorId}"`, []);
      this.secrets.set(factorId, decodeBase32(secret));
    }
    for (const [factorId, counter] of Object.entries(options.counters ?? {})) this.counters.set(factorId, counter);
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
        confirmedFactorIds: new Set(this.secrets.keys()),
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
    const secret = this.secrets.get(factor.id);
    if (!secret) return { ok: false, reason: "invalid_code" };
    if (factor.type === "totp") {
      const match = verifyTotp({
        secret,
        code,
        ...factor.options,
        window: this.policy.verifyWindow,
        now,
        afterTimeStep: this.lastTimeStep.get(factor.id) ?? null,
      });
      if (match.kind !== "match") return { ok: false, reason: match.kind === "replayed" ? "code_replayed" : "invalid_code" };
      this.lastTimeStep.set(factor.id, match.step);
      return { ok: true };
    }
    const counter = this.counters.get(factor.id) ?? 0;
    const match = verifyHotp({ secret, code, ...factor.options, counter, lookAhead: HOTP_LOOK_AHEAD });
    if (match.kind !== "match") return { ok: false, reason: "invalid_code" };
    this.counters.set(factor.id, match.step + 1);
    return { ok: true };
  }
}
