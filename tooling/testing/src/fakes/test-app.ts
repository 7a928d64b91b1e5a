// The application wired for unit tests: every use case over the in-memory store, a fake clock, predictable ids, a
// seeded random source, the fake OTP engine and the fake cipher — plus short-hands for the usual set-up (a policy, a
// confirmed factor, a started attempt) and for the code an authenticator would show right now.
import {
  ConfirmFactor,
  DeletePolicy,
  EnrollFactor,
  GetAttempt,
  GetLockout,
  GetPolicy,
  ListAuditEvents,
  ListFactors,
  ListPolicies,
  PeekCurrentCode,
  PolicyVersionCache,
  ResyncHotpFactor,
  RevokeFactor,
  SavePolicy,
  StartAttempt,
  UnlockUser,
  VerifyStep,
  type Actor,
  type AppError,
  type AttemptView,
  type CredentialView,
  type Enrollment,
  type PolicyView,
  type StoredAuditEvent,
  type StoredCredential,
} from "@mfa-chain/application";
import type { Attempt, RandomSource, Result, VerifyOutcome } from "@mfa-chain/domain";
import type { PolicyBuilder } from "../builders/policy.builder.js";
import { SeededRandom } from "../builders/seeded-random.js";
import { FakeClock } from "../in-memory/fake-clock.js";
import { FakeIdGenerator } from "../in-memory/fake-id-generator.js";
import { InMemoryStore } from "../in-memory/in-memory-store.js";
import { InMemoryUnitOfWork } from "../in-memory/in-memory-unit-of-work.js";
import { FakeCipher } from "./fake-cipher.js";
import { FakeOtp } from "./fake-otp.js";
import { FaultInjectingUnitOfWork } from "./fault-injecting-unit-of-work.js";

export const TEST_TENANT = "tenant-1";
export const TEST_ISSUER = "mfa-chain tests";

/** A tenant's admin API key: may change any user's factors and unlock users. */
export const adminKey = (tenantId: string = TEST_TENANT): Actor => ({ tenantId, keyId: `admin-key@${tenantId}`, role: "admin" });
/** A tenant's service API key: what a relying party's backend uses. */
export const serviceKey = (tenantId: string = TEST_TENANT): Actor => ({ tenantId, keyId: `service-key@${tenantId}`, role: "service" });

/** The value of an ok result; throws with the error's code and message otherwise (for set-up steps). */
export function unwrap<T>(result: Result<T, AppError>, what = "result"): T {
  if (!result.ok) throw new Error(`${what}: expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** The error of a failed result; throws if it succeeded. */
export function errorOf<T>(result: Result<T, AppError>): AppError {
  if (result.ok) throw new Error(`expected an error, got ok: ${JSON.stringify(result.value)}`);
  return result.error;
}

export interface TestAppOptions {
  /** The chain's random source (default: SeededRandom(42)). */
  readonly random?: RandomSource;
  /** Seed of the fake OTP engine's secrets. */
  readonly otpSeed?: number;
}

export class TestApp {
  readonly store = new InMemoryStore();
  /** The real in-memory transactions (commit and rollback counts). */
  readonly transactions = new InMemoryUnitOfWork(this.store);
  /** What the use cases run on: the transactions above, with optional injected faults. */
  readonly uow = new FaultInjectingUnitOfWork(this.transactions);
  readonly clock = new FakeClock();
  readonly ids = new FakeIdGenerator("id");
  readonly random: RandomSource;
  readonly otp: FakeOtp;
  readonly cipher = new FakeCipher();
  readonly policyVersions = new PolicyVersionCache();

  readonly savePolicy: SavePolicy;
  readonly getPolicy: GetPolicy;
  readonly listPolicies: ListPolicies;
  readonly deletePolicy: DeletePolicy;
  readonly enrollFactor: EnrollFactor;
  readonly confirmFactor: ConfirmFactor;
  readonly listFactors: ListFactors;
  readonly revokeFactor: RevokeFactor;
  readonly resyncHotpFactor: ResyncHotpFactor;
  readonly startAttempt: StartAttempt;
  readonly getAttempt: GetAttempt;
  readonly verifyStep: VerifyStep;
  readonly getLockout: GetLockout;
  readonly unlockUser: UnlockUser;
  readonly listAuditEvents: ListAuditEvents;
  readonly peekCurrentCode: PeekCurrentCode;

  /** Hex secrets of every enrollment made through `enroll`, by credential id (the test plays the authenticator). */
  private readonly secrets = new Map<string, string>();

  constructor(options: TestAppOptions = {}) {
    this.random = options.random ?? new SeededRandom(42);
    this.otp = new FakeOtp(options.otpSeed);
    const { uow, clock, ids, random, otp, cipher, policyVersions: policies } = this;
    this.savePolicy = new SavePolicy({ uow, clock });
    this.getPolicy = new GetPolicy({ uow });
    this.listPolicies = new ListPolicies({ uow });
    this.deletePolicy = new DeletePolicy({ uow, clock });
    this.enrollFactor = new EnrollFactor({ uow, clock, ids, cipher, provisioner: otp, issuer: TEST_ISSUER });
    this.confirmFactor = new ConfirmFactor({ uow, clock, otp, cipher });
    this.listFactors = new ListFactors({ uow });
    this.revokeFactor = new RevokeFactor({ uow, clock });
    this.resyncHotpFactor = new ResyncHotpFactor({ uow, clock, otp, cipher });
    this.startAttempt = new StartAttempt({ uow, clock, ids, random });
    this.getAttempt = new GetAttempt({ uow, clock, policies });
    this.verifyStep = new VerifyStep({ uow, clock, random, otp, cipher, policies });
    this.getLockout = new GetLockout({ uow, clock });
    this.unlockUser = new UnlockUser({ uow, clock });
    this.listAuditEvents = new ListAuditEvents({ audit: this.store.auditReader });
    this.peekCurrentCode = new PeekCurrentCode({ uow, clock, cipher, generator: otp, policies });
  }

  // ---- Set-up short-hands (each throws if its step fails) -------------------------------------------------------

  /** Creates the builder's policy (under the builder's id) and returns its view. */
  async givenPolicy(builder: PolicyBuilder, actor: Actor = adminKey()): Promise<PolicyView> {
    const { id } = builder.build();
    return unwrap(await this.savePolicy.execute({ actor, policyId: id, definition: builder.definition(), mode: "create" }), "givenPolicy");
  }

  /** Enrolls one factor (admin key by default, so no re-authentication is needed) and remembers its secret. */
  async enroll(
    userId: string,
    policyId: string,
    factorId: string,
    options: { actor?: Actor; reauthAttemptId?: string } = {},
  ): Promise<Enrollment> {
    const enrollment = unwrap(
      await this.enrollFactor.execute({
        actor: options.actor ?? adminKey(),
        userId,
        policyId,
        factorId,
        ...(options.reauthAttemptId === undefined ? {} : { reauthAttemptId: options.reauthAttemptId }),
      }),
      `enroll ${factorId}`,
    );
    this.secrets.set(enrollment.credential.id, enrollment.secret);
    return enrollment;
  }

  /** Confirms an enrollment with the code its authenticator shows now (TOTP) or its first code (HOTP). */
  async confirm(userId: string, enrollment: Enrollment, actor: Actor = adminKey()): Promise<CredentialView> {
    const { params } = enrollment.credential;
    const code =
      params.type === "totp"
        ? this.otp.codeAt(enrollment.secret, this.clock.now(), params)
        : this.otp.hotpCode(enrollment.secret, 0, params);
    return unwrap(
      await this.confirmFactor.execute({ actor, userId, credentialId: enrollment.credential.id, code }),
      `confirm ${enrollment.credential.factorId}`,
    );
  }

  /** Enrolls and confirms each factor, then moves the clock one period on, so the confirming codes are spent. */
  async enrollAndConfirm(userId: string, policyId: string, factorIds: readonly string[], actor: Actor = adminKey()): Promise<Enrollment[]> {
    const enrollments: Enrollment[] = [];
    for (const factorId of factorIds) {
      const enrollment = await this.enroll(userId, policyId, factorId, { actor });
      await this.confirm(userId, enrollment, actor);
      enrollments.push(enrollment);
    }
    this.nextPeriod();
    return enrollments;
  }

  /** Moves the clock to the next 30-second time step. */
  nextPeriod(periods = 1): void {
    this.clock.advanceSeconds(30 * periods);
  }

  async start(userId: string, policyId: string, actor: Actor = serviceKey()): Promise<AttemptView> {
    return unwrap(await this.startAttempt.execute({ actor, userId, policyId }), "start");
  }

  verify(attemptId: string, factorId: string, code: string, actor: Actor = serviceKey()): Promise<Result<VerifyOutcome, AppError>> {
    return this.verifyStep.execute({ actor, attemptId, factorId, code });
  }

  // ---- The authenticator's side ---------------------------------------------------------------------------------

  /** The hex secret an enrollment handed out. */
  secretOf(credentialId: string): string {
    const secret = this.secrets.get(credentialId);
    if (secret === undefined) throw new Error(`no secret known for credential ${credentialId} (was it enrolled through TestApp.enroll?)`);
    return secret;
  }

  /** The user's active credential of a slot, as stored. */
  activeCredential(userId: string, factorId: string, tenantId: string = TEST_TENANT): StoredCredential {
    const found = this.store.credentials(tenantId).find((c) => c.userId === userId && c.factorId === factorId && c.status === "active");
    if (!found) throw new Error(`user ${userId} has no active credential for ${factorId}`);
    return found;
  }

  /** The code the user's active authenticator of a slot shows now (TOTP), or its next counter's code (HOTP). */
  rightCode(userId: string, factorId: string, tenantId: string = TEST_TENANT): string {
    const c = this.activeCredential(userId, factorId, tenantId);
    const secret = this.secretOf(c.id);
    return c.params.type === "totp" ? this.otp.codeAt(secret, this.clock.now(), c.params) : this.otp.hotpCode(secret, c.counter, c.params);
  }

  /** A well-formed code that is certainly wrong for the slot's active authenticator. */
  wrongCode(userId: string, factorId: string, tenantId: string = TEST_TENANT): string {
    const c = this.activeCredential(userId, factorId, tenantId);
    const secret = this.secretOf(c.id);
    return c.params.type === "totp"
      ? this.otp.wrongCodeAt(secret, this.clock.now(), c.params)
      : this.otp.wrongHotpCode(secret, c.counter, c.params);
  }

  /** The attempt as stored (its whole chain: what a test may know and a client may not). */
  attempt(attemptId: string, tenantId: string = TEST_TENANT): Attempt {
    const found = this.store.attempt(tenantId, attemptId);
    if (!found) throw new Error(`no attempt ${attemptId}`);
    return found;
  }

  /** The factor id the attempt expects next. */
  currentFactorId(attemptId: string, tenantId: string = TEST_TENANT): string {
    const a = this.attempt(attemptId, tenantId);
    const id = a.chain[a.cursor];
    if (a.status !== "active" || id === undefined) throw new Error(`attempt ${attemptId} has no current step (${a.status})`);
    return id;
  }

  /** Passes the attempt's current step with the right code. */
  async passCurrentStep(attemptId: string, tenantId: string = TEST_TENANT): Promise<VerifyOutcome> {
    const a = this.attempt(attemptId, tenantId);
    const factorId = this.currentFactorId(attemptId, tenantId);
    const outcome = unwrap(
      await this.verify(attemptId, factorId, this.rightCode(a.userId, factorId, tenantId), serviceKey(tenantId)),
      "passCurrentStep",
    );
    if (!outcome.success) throw new Error(`passCurrentStep: the right code for ${factorId} failed (${String(outcome.failure)})`);
    return outcome;
  }

  /** Starts an attempt and passes every step: a fresh completed attempt (re-authentication, S29). */
  async completedAttempt(userId: string, policyId: string, tenantId: string = TEST_TENANT): Promise<string> {
    const { attemptId } = await this.start(userId, policyId, serviceKey(tenantId));
    for (;;) {
      const outcome = await this.passCurrentStep(attemptId, tenantId);
      if (outcome.complete) return attemptId;
    }
  }

  // ---- Assertion helpers ----------------------------------------------------------------------------------------

  auditEvents(tenantId: string = TEST_TENANT): StoredAuditEvent[] {
    return this.store.auditEvents(tenantId);
  }

  auditTypes(tenantId: string = TEST_TENANT): string[] {
    return this.auditEvents(tenantId).map((e) => e.type);
  }

  failures(userId: string, tenantId: string = TEST_TENANT): number {
    return this.store.lockState(tenantId, userId).consecutiveFailures;
  }
}
