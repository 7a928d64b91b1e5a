// The application wired for unit tests: every use case over the in-memory store, a fake clock, predictable ids, a
// seeded random source, the fake OTP engine and the fake cipher — plus short-hands for the usual set-up (a policy, a
// confirmed factor, a started attempt) and for the code an authenticator would show right now.
import {
  PeekCurrentCode,
  PolicyVersionCache,
  createKinds,
  createServices,
  type Services,
  type ConfirmFactor,
  type CreateTenant,
  type DeletePolicy,
  type EnrollFactor,
  type GetAttempt,
  type GetLockout,
  type GetPolicy,
  type IssueApiKey,
  type ListAuditEvents,
  type ListFactors,
  type ListPolicies,
  type ListPolicyVersions,
  type PreviewChain,
  type ResolveApiKey,
  type ResyncHotpFactor,
  type RevokeApiKey,
  type RevokeFactor,
  type SavePolicy,
  type StartAttempt,
  type UnlockUser,
  type VerifyStep,
  type IssueChallenge,
  type ChallengeView,
  type AddVaultEntry,
  type DeleteVaultEntry,
  type GetVaultEntry,
  type GrantVaultAccess,
  type ListVaultEntries,
  type ListVaultGroups,
  type ReadVaultCode,
  type RevokeVaultAccess,
  type SetVaultGroup,
  type Actor,
  type AppError,
  type AttemptView,
  type CredentialView,
  type BackupCodesShown,
  type Enrollment,
  type Kinds,
  type OtpShown,
  type PolicyView,
  type StoredAuditEvent,
  type StoredCredential,
  type StoredCredentialOf,
  type SealedSecret,
} from "../../index.js";
import {
  canonicalBackupCode,
  type Attempt,
  type ImplementedFactorType,
  type Instant,
  type RandomSource,
  type Result,
  type SendLimits,
  type VerifyOutcome,
} from "@mfa-chain/domain";
import type { PolicyBuilder } from "@mfa-chain/domain/testing";
import { SeededRandom } from "@mfa-chain/domain/testing";
import { FakeClock } from "../in-memory/fake-clock.js";
import { FakeIdGenerator } from "../in-memory/fake-id-generator.js";
import { InMemoryStore } from "../in-memory/in-memory-store.js";
import { InMemoryUnitOfWork } from "../in-memory/in-memory-unit-of-work.js";
import { FakeCipher } from "./fake-cipher.js";
import { FakeApiKeyMinter } from "./fake-api-key-minter.js";
import { FakeHasher } from "./fake-hasher.js";
import { FakeDelivery } from "./fake-delivery.js";
import { FakeOtp } from "./fake-otp.js";
import { FakeWebAuthn, fakeAssertion, fakeRegistration, type FakeWebAuthnResponse } from "./fake-webauthn.js";
import { FaultInjectingUnitOfWork } from "./fault-injecting-unit-of-work.js";
import { POLLING_ONLY, type PushGateway } from "../../ports/push.port.js";

export const TEST_TENANT = "tenant-1";
export const TEST_ISSUER = "mfa-chain tests";
/** The API base URL push enrollment links carry in tests. */
export const TEST_PUSH_API_URL = "http://127.0.0.1:8080";

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

/** An enrollment of an authenticator app (TOTP, HOTP): what it shows is the secret and its QR code. */
export type OtpEnrollment = Enrollment & OtpShown;
/** An enrollment of a set of backup codes. */
export type BackupCodesEnrollment = Enrollment & BackupCodesShown;

/** How a test plays each kind's device (or sheet of paper): the code it gives now, and one certainly wrong. */
interface TestAuthenticator<K extends ImplementedFactorType> {
  rightCode(app: TestApp, credential: StoredCredentialOf<K>, now: Instant): string;
  wrongCode(app: TestApp, credential: StoredCredentialOf<K>, now: Instant): string;
}

const AUTHENTICATORS: { readonly [K in ImplementedFactorType]: TestAuthenticator<K> } = {
  totp: {
    rightCode: (app, c, now) => app.otp.codeAt(app.secretOf(c.id), now, c.params),
    wrongCode: (app, c, now) => app.otp.wrongCodeAt(app.secretOf(c.id), now, c.params),
  },
  hotp: {
    rightCode: (app, c) => app.otp.hotpCode(app.secretOf(c.id), c.material.counter, c.params),
    wrongCode: (app, c) => app.otp.wrongHotpCode(app.secretOf(c.id), c.material.counter, c.params),
  },
  backup_code: {
    // The first code of the printed set that is still unused.
    rightCode(app, c) {
      const unused = app
        .backupCodesOf(c.id)
        .find((code) =>
          c.material.codeHashes.some((h) => app.hasher.matches(canonicalBackupCode(code) ?? "", ["backup_code", c.tenantId, c.id], h)),
        );
      if (unused === undefined) throw new Error(`every backup code of ${c.id} is used`);
      return unused;
    },
    wrongCode: () => "00000-00000-00000",
  },
  email: { rightCode: (app, c) => app.sentCodeTo(c), wrongCode: (app, c) => app.wrongSentCode(c) },
  sms: { rightCode: (app, c) => app.sentCodeTo(c), wrongCode: (app, c) => app.wrongSentCode(c) },
  // The fake authenticator (fake-webauthn.ts) answers the credential's newest live challenge: a registration while the
  // credential is pending, an assertion (its counter one on) once active; the wrong answer is badly signed.
  webauthn: {
    rightCode: (app, c) => JSON.stringify(app.webauthnAnswer(c, {})),
    wrongCode: (app, c) => JSON.stringify(app.webauthnAnswer(c, { sig: "forged" })),
  },
  // A push step passes with the id of a challenge its device approved (the device's answer is the test's to give).
  push: {
    rightCode(_app, c) {
      const approved = c.material.challenges.find((ch) => ch.outcome === "approved");
      if (approved === undefined) throw new Error(`no push challenge of ${c.id} is approved: answer one with the device first`);
      return approved.id;
    },
    wrongCode: () => "pch_not_a_challenge",
  },
};

const authenticatorOf = (c: StoredCredential): TestAuthenticator<ImplementedFactorType> =>
  AUTHENTICATORS[c.params.type] as unknown as TestAuthenticator<ImplementedFactorType>;

export interface TestAppOptions {
  /** The chain's random source (default: SeededRandom(42)). */
  readonly random?: RandomSource;
  /** Seed of the fake OTP engine's secrets. */
  readonly otpSeed?: number;
  /**
   * Whether the unit of work offers work without a transaction (UnitOfWork.direct), as the PostgreSQL adapter does, so
   * that a verify tries the optimistic path first (default true). False: every verify takes the locking path.
   */
  readonly optimistic?: boolean;
  /** Limits on sending codes (default: DEFAULT_SEND_LIMITS). */
  readonly sendLimits?: SendLimits;
  /** What wakes push devices (default: none, devices poll). */
  readonly pushGateway?: PushGateway;
}

export class TestApp {
  readonly store = new InMemoryStore();
  /** The real in-memory transactions (commit and rollback counts). */
  readonly transactions: InMemoryUnitOfWork;
  /** What the use cases run on: the transactions above, with optional injected faults. */
  readonly uow: FaultInjectingUnitOfWork;
  readonly clock = new FakeClock();
  readonly ids = new FakeIdGenerator("id");
  readonly random: RandomSource;
  readonly otp: FakeOtp;
  readonly cipher = new FakeCipher();
  readonly hasher = new FakeHasher();
  /** Where email and SMS codes go: read them back as the user would. */
  readonly delivery = new FakeDelivery();
  /** The WebAuthn ceremony and the software authenticator the tests play (fake-webauthn.ts). */
  readonly webauthn = new FakeWebAuthn();
  /** Predictable API keys ("test_key_1", …) hashed by a plain prefix: what a test may read back. */
  readonly keys = new FakeApiKeyMinter();
  readonly kinds: Kinds;
  readonly policyVersions = new PolicyVersionCache();

  readonly savePolicy: SavePolicy;
  readonly getPolicy: GetPolicy;
  readonly listPolicies: ListPolicies;
  readonly listPolicyVersions: ListPolicyVersions;
  readonly previewChain: PreviewChain;
  readonly deletePolicy: DeletePolicy;
  readonly enrollFactor: EnrollFactor;
  readonly confirmFactor: ConfirmFactor;
  readonly listFactors: ListFactors;
  readonly revokeFactor: RevokeFactor;
  readonly resyncHotpFactor: ResyncHotpFactor;
  readonly startAttempt: StartAttempt;
  readonly getAttempt: GetAttempt;
  readonly verifyStep: VerifyStep;
  readonly issueChallenge: IssueChallenge;
  /** The tenant's WebAuthn relying party (admin keys). */
  readonly setRelyingParty: Services["setRelyingParty"];
  readonly getLockout: GetLockout;
  readonly unlockUser: UnlockUser;
  readonly listAuditEvents: ListAuditEvents;
  readonly createTenant: CreateTenant;
  readonly issueApiKey: IssueApiKey;
  readonly revokeApiKey: RevokeApiKey;
  readonly resolveApiKey: ResolveApiKey;
  readonly peekCurrentCode: PeekCurrentCode;
  /** The shared vault's use cases. */
  readonly vault: {
    readonly add: AddVaultEntry;
    readonly list: ListVaultEntries;
    readonly get: GetVaultEntry;
    readonly readCode: ReadVaultCode;
    readonly grant: GrantVaultAccess;
    readonly revoke: RevokeVaultAccess;
    readonly delete: DeleteVaultEntry;
    readonly setGroup: SetVaultGroup;
    readonly listGroups: ListVaultGroups;
  };

  /** What every enrollment made through `enroll` showed, by credential id (the test plays the authenticator). */
  private readonly shown = new Map<string, Enrollment["shown"]>();

  constructor(options: TestAppOptions = {}) {
    this.transactions = new InMemoryUnitOfWork(this.store, { optimistic: options.optimistic ?? true });
    this.uow = new FaultInjectingUnitOfWork(this.transactions);
    // The store's own clock (grace deadlines, as the database's on PostgreSQL) is the test's clock.
    this.store.clock = () => this.clock.now();
    this.random = options.random ?? new SeededRandom(42);
    this.otp = new FakeOtp(options.otpSeed);
    this.kinds = createKinds({
      otp: this.otp,
      provisioner: this.otp,
      cipher: this.cipher,
      hasher: this.hasher,
      random: this.random,
      issuer: TEST_ISSUER,
      webauthn: this.webauthn,
      push: { apiBaseUrl: () => TEST_PUSH_API_URL, gateway: options.pushGateway ?? POLLING_ONLY },
    });
    const { uow, clock, ids, random, otp, kinds, policyVersions: policies } = this;
    // The API's own wiring of the use cases (createServices), over the fakes.
    const services = createServices(
      {
        uow,
        auditReader: this.store.auditReader,
        clock,
        random,
        ids,
        kinds,
        keys: this.keys,
        cipher: this.cipher,
        generator: otp,
        delivery: this.delivery,
        hasher: this.hasher,
        ...(options.sendLimits === undefined ? {} : { sendLimits: options.sendLimits }),
      },
      { policies },
    );
    this.savePolicy = services.savePolicy;
    this.getPolicy = services.getPolicy;
    this.listPolicies = services.listPolicies;
    this.listPolicyVersions = services.listPolicyVersions;
    this.previewChain = services.previewChain;
    this.deletePolicy = services.deletePolicy;
    this.enrollFactor = services.enrollFactor;
    this.confirmFactor = services.confirmFactor;
    this.listFactors = services.listFactors;
    this.revokeFactor = services.revokeFactor;
    this.resyncHotpFactor = services.resyncHotpFactor;
    this.startAttempt = services.startAttempt;
    this.getAttempt = services.getAttempt;
    this.verifyStep = services.verifyStep;
    this.issueChallenge = services.issueChallenge;
    this.setRelyingParty = services.setRelyingParty;
    this.getLockout = services.getLockout;
    this.unlockUser = services.unlockUser;
    this.listAuditEvents = services.listAuditEvents;
    this.createTenant = services.createTenant;
    this.issueApiKey = services.issueApiKey;
    this.revokeApiKey = services.revokeApiKey;
    this.resolveApiKey = services.resolveApiKey;
    this.vault = {
      add: services.addVaultEntry,
      list: services.listVaultEntries,
      get: services.getVaultEntry,
      readCode: services.readVaultCode,
      grant: services.grantVaultAccess,
      revoke: services.revokeVaultAccess,
      delete: services.deleteVaultEntry,
      setGroup: services.setVaultGroup,
      listGroups: services.listVaultGroups,
    };
    this.peekCurrentCode = new PeekCurrentCode({ uow, clock, kinds, generator: otp, policies });
  }

  // ---- Set-up short-hands (each throws if its step fails) -------------------------------------------------------

  /** Creates the builder's policy (under the builder's id) and returns its view. */
  async givenPolicy(builder: PolicyBuilder, actor: Actor = adminKey()): Promise<PolicyView> {
    const { id } = builder.build();
    return unwrap(await this.savePolicy.execute({ actor, policyId: id, definition: builder.definition(), mode: "create" }), "givenPolicy");
  }

  /** Enrolls any factor (admin key by default, so no re-authentication is needed) and remembers what it showed. */
  async enrollAny(
    userId: string,
    policyId: string,
    factorId: string,
    options: { actor?: Actor; reauthAttemptId?: string; destination?: string } = {},
  ): Promise<Enrollment> {
    const enrollment = unwrap(
      await this.enrollFactor.execute({
        actor: options.actor ?? adminKey(),
        userId,
        policyId,
        factorId,
        ...(options.destination === undefined ? {} : { details: { destination: options.destination } }),
        ...(options.reauthAttemptId === undefined ? {} : { reauthAttemptId: options.reauthAttemptId }),
      }),
      `enroll ${factorId}`,
    );
    this.shown.set(enrollment.credential.id, enrollment.shown);
    return enrollment;
  }

  /** Enrolls an authenticator app (TOTP, HOTP); throws for a slot of another kind. */
  async enroll(
    userId: string,
    policyId: string,
    factorId: string,
    options: { actor?: Actor; reauthAttemptId?: string } = {},
  ): Promise<OtpEnrollment> {
    const enrollment = await this.enrollAny(userId, policyId, factorId, options);
    if (!("secret" in enrollment.shown)) throw new Error(`${factorId} is not an authenticator app's slot`);
    return { ...enrollment, ...enrollment.shown };
  }

  /** Enrolls a set of backup codes (active at once); throws for a slot of another kind. */
  async enrollBackupCodes(userId: string, policyId: string, factorId: string, actor: Actor = adminKey()): Promise<BackupCodesEnrollment> {
    const enrollment = await this.enrollAny(userId, policyId, factorId, { actor });
    if (!("codes" in enrollment.shown)) throw new Error(`${factorId} is not a backup-code slot`);
    return { ...enrollment, ...enrollment.shown };
  }

  /** Confirms an enrollment with the code its authenticator shows now (TOTP) or its first code (HOTP). */
  async confirm(userId: string, enrollment: Enrollment, actor: Actor = adminKey()): Promise<CredentialView> {
    const stored = this.store.credentials(actor.tenantId).find((c) => c.id === enrollment.credential.id);
    if (!stored) throw new Error(`no credential ${enrollment.credential.id}`);
    const code = authenticatorOf(stored).rightCode(this, stored, this.clock.now());
    return unwrap(
      await this.confirmFactor.execute({ actor, userId, credentialId: enrollment.credential.id, code }),
      `confirm ${enrollment.credential.factorId}`,
    );
  }

  /** Enrolls and confirms each factor, then moves the clock one period on, so the confirming codes are spent. */
  async enrollAndConfirm(userId: string, policyId: string, factorIds: readonly string[], actor: Actor = adminKey()): Promise<Enrollment[]> {
    const enrollments: Enrollment[] = [];
    for (const factorId of factorIds) {
      const enrollment = await this.enrollAny(userId, policyId, factorId, { actor });
      if (enrollment.credential.status === "pending") await this.confirm(userId, enrollment, actor);
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

  /** Sends a code for the attempt's current step (email, SMS). */
  challenge(attemptId: string, actor: Actor = serviceKey()): Promise<Result<ChallengeView, AppError>> {
    return this.issueChallenge.execute({ actor, attemptId });
  }

  // ---- The authenticator's side ---------------------------------------------------------------------------------

  /** Where an email or SMS credential's codes go, opened (the test plays the mailbox or the phone). */
  destinationOf(c: StoredCredential): string {
    const sealed = (c.material as { destination?: SealedSecret }).destination;
    if (!sealed) throw new Error(`credential ${c.id} has no destination`);
    return String.fromCharCode(...this.cipher.open(sealed, { tenantId: c.tenantId, userId: c.userId, credentialId: c.id }));
  }

  /** The last code sent to a credential's destination. */
  sentCodeTo(c: StoredCredential): string {
    return this.delivery.lastCodeTo(this.destinationOf(c));
  }

  /**
   * The fake authenticator's answer to the credential's newest unconsumed WebAuthn challenge (creation options while
   * pending, request options once active), from the relying party's first origin; `over` breaks a field.
   */
  webauthnAnswer(c: StoredCredential, over: Partial<FakeWebAuthnResponse>): FakeWebAuthnResponse {
    const ch = this.store
      .challenges(c.tenantId)
      .filter((x) => x.credentialId === c.id && x.consumedAt === null)
      .sort((a, b) => b.createdAt - a.createdAt)[0];
    if (!ch) throw new Error(`no live WebAuthn challenge for ${c.id}: enroll, or issue the step's challenge first`);
    const stored = JSON.parse(ch.codeHash) as { c: string; rp: { id: string; origins: string[] } };
    const origin = stored.rp.origins[0] ?? "";
    if (c.status === "pending") return fakeRegistration({ challenge: stored.c, rp: stored.rp }, { id: `wa-${c.id}`, origin, ...over });
    const registered = (c.material as { registered?: { credentialId: string; signCount: number } | null }).registered;
    if (!registered) throw new Error(`${c.id} has no registered WebAuthn key`);
    return fakeAssertion({ challenge: stored.c, rpId: stored.rp.id }, registered.credentialId, registered.signCount + 1, {
      origin,
      ...over,
    });
  }

  /** A well-formed code other than the last one sent to the credential's destination. */
  wrongSentCode(c: StoredCredential): string {
    const digits = (c.params as { codeDigits?: number }).codeDigits ?? 6;
    const sent = this.delivery.codesTo(this.destinationOf(c)).at(-1)?.code ?? "9".repeat(digits);
    return [...sent].map((d) => String((Number(d) + 1) % 10)).join("");
  }

  /** The hex secret an authenticator app's enrollment handed out. */
  secretOf(credentialId: string): string {
    const shown = this.shown.get(credentialId);
    if (shown === undefined || !("secret" in shown)) {
      throw new Error(`no secret known for credential ${credentialId} (was it an authenticator enrolled through TestApp.enroll?)`);
    }
    return shown.secret;
  }

  /** The backup codes an enrollment handed out, as shown. */
  backupCodesOf(credentialId: string): readonly string[] {
    const shown = this.shown.get(credentialId);
    if (shown === undefined || !("codes" in shown)) throw new Error(`no backup codes known for credential ${credentialId}`);
    return shown.codes;
  }

  /** The user's active credential of a slot, as stored. */
  activeCredential(userId: string, factorId: string, tenantId: string = TEST_TENANT): StoredCredential {
    const found = this.store.credentials(tenantId).find((c) => c.userId === userId && c.factorId === factorId && c.status === "active");
    if (!found) throw new Error(`user ${userId} has no active credential for ${factorId}`);
    return found;
  }

  /** The code the user's active authenticator of a slot gives now (TOTP: this step; HOTP: the next counter; backup codes: an unused one). */
  rightCode(userId: string, factorId: string, tenantId: string = TEST_TENANT): string {
    const c = this.activeCredential(userId, factorId, tenantId);
    return authenticatorOf(c).rightCode(this, c, this.clock.now());
  }

  /** A well-formed code that is certainly wrong for the slot's active authenticator. */
  wrongCode(userId: string, factorId: string, tenantId: string = TEST_TENANT): string {
    const c = this.activeCredential(userId, factorId, tenantId);
    return authenticatorOf(c).wrongCode(this, c, this.clock.now());
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
