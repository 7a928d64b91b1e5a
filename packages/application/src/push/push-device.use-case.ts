// The device side of push approval (issue 13, docs/push-protocol.md §3, §5): a device proves its key with the one-time
// enrollment token, polls its pending challenges with a signed, timestamped, never-reused nonce, and answers one
// challenge with a signature over the canonical answer string. Device requests carry no API key: the device's signature
// is what authenticates them, so every refusal of it looks the same (push_unauthorized) and changes nothing.
import {
  canonicalPushMessage,
  checkPushPollTimestamp,
  err,
  isCanonicalBase64Url,
  isPushAlgorithm,
  isPushDecision,
  isPushDisplayText,
  isPushFailure,
  isPushId,
  isPushInstant,
  isPushNumber,
  isPushPublicKeyText,
  isPushToken,
  judgePushAnswer,
  ok,
  pushPollNonceRetainUntil,
  type Instant,
  type PushAlgorithm,
  type PushAnswerOutcome,
  type PushDecision,
  type PushMessage,
  type Result,
} from "@mfa-chain/domain";
import { enrollmentTokenHash, matchesEnrollmentToken, pushEnrollmentTokenExpiresAt, pushOptionsOf } from "../kinds/push.js";
import type { Clock } from "../ports/clock.port.js";
import type { KeyedHasher } from "../ports/keyed-hasher.port.js";
import type { PushSignatureVerifier } from "../ports/push-signature.port.js";
import type { PushDeviceRecord, StoredPushChallenge } from "../ports/push.port.js";
import type { Repositories, UnitOfWork } from "../ports/repositories.port.js";
import { auditActor, type Actor } from "../shared/actor.js";
import type { AppError } from "../shared/application.errors.js";
import { queueNotification, type NotificationKick } from "../notifications/notifications.js";

export interface PushDeviceDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  /** The code hasher: enrollment tokens are kept as its keyed hashes. */
  readonly hasher: KeyedHasher;
  readonly verifier: PushSignatureVerifier;
  /** Sends the queued "fraud reported" and "factor added" notifications after the commit. */
  readonly notify?: NotificationKick;
}

const DEVICE = { kind: "system" } as const;
/** A push token (FCM registration token, APNs device token) of printable ASCII. */
const PUSH_TOKEN = /^[\x21-\x7e]{1,4096}$/;

const unauthorized = (message: string): AppError => ({ code: "push_unauthorized", message });
/**
 * Every refusal of a device's poll or answer: one status, one detail, whatever failed (an unknown device or challenge,
 * another device's challenge, a bad key or signature, a skewed timestamp, a used nonce), so an unauthenticated caller
 * learns nothing about which devices and challenges exist. What failed is not told (the device's own log has it).
 */
const REFUSED_DEVICE_REQUEST = unauthorized("the device request is refused: its signature, timestamp or nonce does not hold");

/** Strict base64url without padding, canonical, as the protocol sends bytes; null otherwise. */
export function decodeBase64Url(text: string): Uint8Array | null {
  if (!isCanonicalBase64Url(text)) return null;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let value = 0;
  let i = 0;
  for (const ch of text) {
    value = (value << 6) | alphabet.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[i++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

function signedBy(verifier: PushSignatureVerifier, device: PushDeviceRecord, message: PushMessage, signature: string): boolean {
  if (device.algorithm === null || device.publicKey === null) return false;
  const canonical = canonicalPushMessage(message);
  const key = decodeBase64Url(device.publicKey);
  const sig = decodeBase64Url(signature);
  if (!canonical.ok || key === null || sig === null) return false;
  return verifier.verify(key, device.algorithm, canonical.value, sig);
}

// ---------------------------------------------------------------------------------------------------------- enroll

export interface EnrollPushDeviceInput {
  readonly tenantId: string;
  readonly credentialId: string;
  readonly userId: unknown;
  readonly enrollmentToken: unknown;
  readonly algorithm: unknown;
  readonly publicKey: unknown;
  readonly deviceName: unknown;
  readonly pushToken?: unknown;
  readonly signature: unknown;
}

/** The device's proof of its key: verifies it over §3.1 and activates the push factor. */
export class EnrollPushDevice {
  constructor(private readonly deps: PushDeviceDeps) {}

  async execute(input: EnrollPushDeviceInput): Promise<Result<{ readonly deviceId: string }, AppError>> {
    const { deps } = this;
    const { tenantId, credentialId } = input;
    const { userId, enrollmentToken, algorithm, publicKey, deviceName, signature } = input;
    const pushToken = input.pushToken ?? null;
    if (
      !isPushId(tenantId) ||
      !isPushId(credentialId) ||
      !isPushId(userId) ||
      !isPushToken(enrollmentToken) ||
      !isPushAlgorithm(algorithm) ||
      !isPushPublicKeyText(publicKey) ||
      !isPushDisplayText(deviceName) ||
      typeof signature !== "string" ||
      (pushToken !== null && (typeof pushToken !== "string" || !PUSH_TOKEN.test(pushToken)))
    ) {
      return err<AppError>({
        code: "invalid_input",
        message:
          "an enrollment proof is { userId, enrollmentToken, algorithm: ES256|Ed25519, publicKey (base64url SPKI), deviceName (1–64 characters of display text), pushToken?, signature }",
      });
    }
    const keyBytes = decodeBase64Url(publicKey);
    const parsed = keyBytes && deps.verifier.parsePublicKey(algorithm, keyBytes);
    if (!parsed || !parsed.ok) {
      return err<AppError>({ code: "invalid_input", message: `publicKey is not a ${algorithm} public key (SPKI DER, base64url)` });
    }
    const refused = (why: string) => unauthorized(`the enrollment proof is refused (${why}): enroll the factor again for a new link`);
    return deps.uow
      .run(async (repos): Promise<Result<{ readonly deviceId: string }, AppError>> => {
        const now = deps.clock.now();
        const device = await repos.push.findDevice(tenantId, credentialId);
        // One answer for every way a token does not hold: the caller learns nothing about which credentials exist.
        if (!device || device.userId !== userId || device.status !== "pending" || device.enrollmentTokenHash === null) {
          return err(refused("no pending push enrollment with this token"));
        }
        const hash = enrollmentTokenHash(deps.hasher, tenantId, credentialId, enrollmentToken);
        if (!matchesEnrollmentToken(deps.hasher, tenantId, credentialId, enrollmentToken, device.enrollmentTokenHash)) {
          return err(refused("no pending push enrollment with this token"));
        }
        if (now >= pushEnrollmentTokenExpiresAt(device.createdAt)) return err(refused("the enrollment link expired"));
        const proof: PushMessage = { type: "enroll", enrollmentToken, tenantId, userId, credentialId, algorithm, publicKey, deviceName };
        if (!signedBy(deps.verifier, { ...device, algorithm, publicKey }, proof, signature)) {
          await repos.audit.append({
            tenantId,
            type: "push.enrollment_refused",
            at: now,
            actor: DEVICE,
            userId,
            attemptId: null,
            factorId: device.factorId,
            data: { credentialId, reason: "bad_signature" },
          });
          return err(refused("the signature does not verify"));
        }
        // The token is consumed by this statement: of two proofs of one token, one wins.
        const enrolled = await repos.push.enrollDevice(tenantId, credentialId, hash, {
          algorithm,
          publicKey,
          name: deviceName,
          pushToken: pushToken as string | null,
          enrolledAt: now,
        });
        if (!enrolled || !(await repos.credentials.activate(tenantId, credentialId, now, null))) {
          throw new ProofLost();
        }
        const audit = { tenantId, at: now, actor: DEVICE, userId, attemptId: null, factorId: device.factorId };
        await repos.audit.append(
          { ...audit, type: "push.device_enrolled", data: { credentialId, algorithm, deviceName } },
          { ...audit, type: "factor.confirmed", data: { credentialId } },
        );
        await queueNotification(repos, { tenantId, userId, event: "factor_added", at: now, factorLabel: device.label });
        return ok({ deviceId: credentialId });
      })
      .catch((error: unknown) => {
        if (error instanceof ProofLost) return err(refused("the enrollment token was used already"));
        throw error;
      })
      .finally(() => deps.notify?.kick());
  }
}

/** A concurrent proof consumed the token first: this transaction rolls back. */
class ProofLost extends Error {}

// ------------------------------------------------------------------------------------------------------------ poll

export interface PollPushChallengesInput {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly timestamp: unknown;
  readonly nonce: unknown;
  readonly signature: unknown;
}

export interface DeviceChallengeView {
  readonly challengeId: string;
  readonly attemptId: string;
  readonly userId: string;
  readonly choices: readonly [number, number, number];
  readonly expiresAt: Instant;
  readonly context?: string;
}

/** The device's pending challenges, for a signed poll within ±60 s whose nonce was never seen (§3.2). */
export class PollPushChallenges {
  constructor(private readonly deps: PushDeviceDeps) {}

  async execute(input: PollPushChallengesInput): Promise<Result<DeviceChallengeView[], AppError>> {
    const { deps } = this;
    const { tenantId, deviceId, nonce, signature } = input;
    const timestamp =
      typeof input.timestamp === "string" && /^(0|[1-9][0-9]{0,15})$/.test(input.timestamp) ? Number(input.timestamp) : null;
    if (
      !isPushId(tenantId) ||
      !isPushId(deviceId) ||
      timestamp === null ||
      !isPushInstant(timestamp) ||
      !isPushToken(nonce) ||
      typeof signature !== "string"
    ) {
      return err(REFUSED_DEVICE_REQUEST);
    }
    return deps.uow.run(async (repos): Promise<Result<DeviceChallengeView[], AppError>> => {
      const now = deps.clock.now();
      const device = await repos.push.findDevice(tenantId, deviceId);
      // The signature first: before it holds, nothing tells a caller whether the device exists or the clock is off.
      if (!device || device.status !== "active") return err(REFUSED_DEVICE_REQUEST);
      if (!signedBy(deps.verifier, device, { type: "poll", tenantId, deviceId, timestamp, nonce }, signature)) {
        return err(REFUSED_DEVICE_REQUEST);
      }
      if (!checkPushPollTimestamp(timestamp, now).ok) return err(REFUSED_DEVICE_REQUEST);
      // After the signature: an unauthenticated caller cannot burn a device's nonces.
      if (!(await repos.push.rememberNonce(tenantId, deviceId, nonce, pushPollNonceRetainUntil(timestamp), now))) {
        return err(REFUSED_DEVICE_REQUEST);
      }
      const pending = await repos.push.pendingChallenges(tenantId, deviceId, now);
      return ok(pending.map(deviceView));
    });
  }
}

const deviceView = (c: StoredPushChallenge): DeviceChallengeView => ({
  challengeId: c.id,
  attemptId: c.attemptId,
  userId: c.userId,
  choices: c.choices,
  expiresAt: c.expiresAt,
  ...(c.context === null ? {} : { context: c.context }),
});

// ---------------------------------------------------------------------------------------------------------- answer

export interface AnswerPushChallengeInput {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly challengeId: string;
  readonly decision: unknown;
  readonly number: unknown;
  readonly notMe: unknown;
  readonly signature: unknown;
}

/**
 * The device's answer (§3.3), verified with the key of the device the challenge went to, recorded once. A deny marked
 * "not me" is audited as reported fraud, notifies the user and, per policy (`suspendOnFraud`), revokes the push factor.
 */
export class AnswerPushChallenge {
  constructor(private readonly deps: PushDeviceDeps) {}

  async execute(input: AnswerPushChallengeInput): Promise<Result<{ readonly outcome: PushAnswerOutcome }, AppError>> {
    const { deps } = this;
    const { tenantId, deviceId, challengeId, decision, signature } = input;
    const number = input.number ?? null;
    const notMe = input.notMe ?? false;
    if (
      !isPushId(tenantId) ||
      !isPushId(deviceId) ||
      !isPushId(challengeId) ||
      !isPushDecision(decision) ||
      typeof notMe !== "boolean" ||
      typeof signature !== "string" ||
      (decision === "approve" ? !isPushNumber(number) || notMe : number !== null)
    ) {
      return err<AppError>({
        code: "invalid_input",
        message:
          'an answer is { decision: "approve", number: 10–99, notMe: false } or { decision: "deny", number: null, notMe }, with its signature',
      });
    }
    const answer = { decision: decision as PushDecision, number: number as number | null, notMe };
    return deps.uow
      .run(async (repos): Promise<Result<{ readonly outcome: PushAnswerOutcome }, AppError>> => {
        const now = deps.clock.now();
        const device = await repos.push.findDevice(tenantId, deviceId);
        const challenge = device && (await repos.push.findChallenge(tenantId, challengeId));
        // No challenge of this device: there is no answer string to check a signature over, and the refusal is the
        // same as a bad signature's (a caller cannot tell which devices and challenges exist).
        if (!device || device.status !== "active" || !challenge || challenge.credentialId !== deviceId) {
          return err(REFUSED_DEVICE_REQUEST);
        }
        // The string is rebuilt from what the server stored: an answer made for another challenge, attempt, user or
        // tenant, or signed by another key, does not verify.
        const message: PushMessage = {
          type: "answer",
          tenantId,
          userId: challenge.userId,
          attemptId: challenge.attemptId,
          challengeId,
          ...answer,
        };
        if (!signedBy(deps.verifier, device, message, signature)) return err(REFUSED_DEVICE_REQUEST);
        // The user's lock, as a new push of the user's steps takes it: an answer is recorded either before the push
        // that would replace its challenge (which then sees it, push_answer_unverified) or after it (refused: retired).
        await repos.users.lock(tenantId, challenge.userId, now);
        const locked = (await repos.push.findChallenge(tenantId, challengeId)) ?? challenge;
        if (locked.answer !== null) return err<AppError>({ code: "push_already_answered", message: "this challenge was answered already" });
        const outcome = judgePushAnswer(locked, answer, now);
        if (outcome === "expired")
          return err<AppError>({ code: "push_challenge_expired", message: "this challenge expired; nothing was recorded" });
        // Answered once: of parallel answers, this conditional write lets one through.
        if (!(await repos.push.answerChallenge(tenantId, challengeId, { ...answer, outcome, answeredAt: now }))) {
          return err<AppError>({ code: "push_already_answered", message: "this challenge was answered already" });
        }
        await this.recordOutcome(repos, input, device, challenge, outcome, now);
        if (outcome === "wrong_number") {
          return err<AppError>({
            code: "push_wrong_number",
            message: "that is not the number shown on the sign-in page: the answer is recorded as a failure",
          });
        }
        return ok({ outcome });
      })
      .finally(() => deps.notify?.kick());
  }

  private async recordOutcome(
    repos: Repositories,
    input: AnswerPushChallengeInput,
    device: PushDeviceRecord,
    challenge: StoredPushChallenge,
    outcome: Exclude<PushAnswerOutcome, "expired">,
    now: Instant,
  ): Promise<void> {
    const { tenantId } = input;
    const audit = { tenantId, at: now, actor: DEVICE, userId: challenge.userId, attemptId: challenge.attemptId, factorId: device.factorId };
    await repos.audit.append({
      ...audit,
      type: "push.answered",
      data: { credentialId: device.credentialId, challengeId: challenge.id, outcome, failure: isPushFailure(outcome) },
    });
    if (outcome !== "reported_fraud") return;
    const options = await pushOptionsOf(repos, tenantId, challenge.attemptId, device.factorId);
    const suspended = options.suspendOnFraud && (await repos.credentials.revoke(tenantId, device.credentialId, now));
    await repos.audit.append({
      ...audit,
      type: "push.fraud_reported",
      data: { credentialId: device.credentialId, challengeId: challenge.id, factorSuspended: suspended },
    });
    if (suspended)
      await repos.audit.append({ ...audit, type: "factor.revoked", data: { credentialId: device.credentialId, reason: "fraud_reported" } });
    await queueNotification(repos, { tenantId, userId: challenge.userId, event: "fraud_reported", at: now, factorLabel: device.label });
  }
}

// ----------------------------------------------------------------------------------------------------------- admin

/** An administrator lets pushes go to a user again after repeated denies stopped them (S16). */
export class ClearPushDenies {
  constructor(private readonly deps: Pick<PushDeviceDeps, "uow" | "clock">) {}

  async execute(input: { readonly actor: Actor; readonly userId: string }): Promise<Result<{ readonly cleared: true }, AppError>> {
    if (input.actor.role !== "admin")
      return err<AppError>({ code: "forbidden", message: "clearing a user's push denies needs an admin API key" });
    const { tenantId } = input.actor;
    return this.deps.uow.run(async (repos) => {
      const now = this.deps.clock.now();
      await repos.users.lock(tenantId, input.userId, now);
      await repos.push.clearDenies(tenantId, input.userId, now);
      await repos.audit.append({
        tenantId,
        type: "push.denies_cleared",
        at: now,
        actor: auditActor(input.actor),
        userId: input.userId,
        attemptId: null,
        factorId: null,
        data: {},
      });
      return ok({ cleared: true as const });
    });
  }
}

export type { PushAlgorithm };

/** Refuses every signature: device routes answer 401 where no verifier is wired. */
export const NO_PUSH_VERIFIER: PushSignatureVerifier = {
  parsePublicKey: () => ({ ok: false, error: { code: "malformed", message: "push devices are not configured" } }),
  verify: () => false,
};

/** The push device use cases and the administrator's clear, over the services' adapters. */
export function createPushServices(deps: PushDeviceDeps) {
  return {
    enrollPushDevice: new EnrollPushDevice(deps),
    pollPushChallenges: new PollPushChallenges(deps),
    answerPushChallenge: new AnswerPushChallenge(deps),
    clearPushDenies: new ClearPushDenies(deps),
  };
}
