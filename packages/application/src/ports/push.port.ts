// Push approval (issue 13, docs/push-protocol.md): the storage of devices, challenges, answers and poll nonces, and the
// gateway that wakes a device. Every method is scoped by tenant.
import type { Instant, PushAlgorithm, PushAnswerOutcome, PushDecision, PushFatigueState } from "@mfa-chain/domain";

/** A push credential as the device routes see it: who it belongs to and the device's key, once proved. */
export interface PushDeviceRecord {
  readonly tenantId: string;
  readonly credentialId: string;
  readonly userId: string;
  readonly factorId: string;
  readonly label: string;
  readonly status: "pending" | "active" | "revoked";
  readonly createdAt: Instant;
  /** The enrollment token's keyed hash until a proof consumed it. */
  readonly enrollmentTokenHash: string | null;
  readonly algorithm: PushAlgorithm | null;
  /** base64url SPKI DER. */
  readonly publicKey: string | null;
  readonly name: string | null;
  readonly pushToken: string | null;
}

export interface PushDeviceProof {
  readonly algorithm: PushAlgorithm;
  readonly publicKey: string;
  readonly name: string;
  readonly pushToken: string | null;
  readonly enrolledAt: Instant;
}

/** The device's recorded answer to a challenge. */
export interface PushAnswerRecord {
  readonly decision: PushDecision;
  readonly number: number | null;
  readonly notMe: boolean;
  /** judgePushAnswer's verdict, never `expired` (an answer after expiry is not recorded). */
  readonly outcome: Exclude<PushAnswerOutcome, "expired">;
  readonly answeredAt: Instant;
}

export interface StoredPushChallenge {
  readonly tenantId: string;
  readonly id: string;
  readonly userId: string;
  /** The push credential (device) it was sent to. */
  readonly credentialId: string;
  readonly attemptId: string;
  readonly step: number;
  /** The number the relying party shows (10–99). */
  readonly number: number;
  /** What the device offers: three distinct numbers, `number` one of them. */
  readonly choices: readonly [number, number, number];
  /** Display text from the relying party, shown by the device; null when none. */
  readonly context: string | null;
  readonly createdAt: Instant;
  readonly expiresAt: Instant;
  readonly answer: PushAnswerRecord | null;
}

export interface PushRepository {
  /** The push credential `credentialId` of the tenant with its device, or null (no such credential, or not a push one). */
  findDevice(tenantId: string, credentialId: string): Promise<PushDeviceRecord | null>;
  /**
   * Records the device's key and consumes the enrollment token, only while the token's hash is still `tokenHash`
   * (one atomic statement): false when a proof got there first.
   */
  enrollDevice(tenantId: string, credentialId: string, tokenHash: string, proof: PushDeviceProof): Promise<boolean>;
  insertChallenge(challenge: StoredPushChallenge): Promise<void>;
  findChallenge(tenantId: string, challengeId: string): Promise<StoredPushChallenge | null>;
  /** The device's challenges not answered and alive at `now`, oldest first. */
  pendingChallenges(tenantId: string, credentialId: string, now: Instant): Promise<StoredPushChallenge[]>;
  /**
   * Records the answer only while the challenge is unanswered and alive at `answer.answeredAt` (one atomic statement:
   * each challenge is answered once). False when it was answered already or has expired.
   */
  answerChallenge(tenantId: string, challengeId: string, answer: PushAnswerRecord): Promise<boolean>;
  /**
   * Ends the attempt step's pushes that are unanswered and alive at `at` (their expiry becomes `at`): a new push replaces
   * them, and they can no longer be answered or polled. Answered ones are left as they are. How many it ended.
   */
  retireStepChallenges(tenantId: string, attemptId: string, step: number, at: Instant): Promise<number>;
  /**
   * What the anti-fatigue rules decide on for a user: expiries of unanswered challenges, issue times of the last hour,
   * and denies (reported fraud included) since the later of the last administrator's clear and the user's last
   * completed attempt.
   */
  fatigueState(tenantId: string, userId: string, now: Instant): Promise<PushFatigueState>;
  /** An administrator clears the user's denies: pushes may go to the user again. */
  clearDenies(tenantId: string, userId: string, at: Instant): Promise<void>;
  /**
   * Remembers a poll's nonce for the device until `retainUntil` (one atomic insert); false when the device used it
   * already (a replayed poll). Nonces of the device past their retention are forgotten on the way.
   */
  rememberNonce(tenantId: string, credentialId: string, nonce: string, retainUntil: Instant, now: Instant): Promise<boolean>;
}

/**
 * Wakes a device so that it polls sooner. The notification carries no number, no choices, nothing secret: the device
 * only acts on what its signed poll returns (docs/push-protocol.md §6). A gateway that cannot deliver throws a
 * PushGatewayUnavailableError; the challenge stays valid and pollable anyway.
 */
export interface PushGateway {
  notify(input: {
    readonly tenantId: string;
    readonly deviceId: string;
    readonly pushToken: string;
    readonly challengeId: string;
    readonly expiresAt: Instant;
  }): Promise<void>;
}

export class PushGatewayUnavailableError extends Error {
  override readonly name = "PushGatewayUnavailableError";
}

/** No gateway configured: devices poll. */
export const POLLING_ONLY: PushGateway = { notify: async () => {} };

/** What the push kind needs beyond the other kinds' deps (KindDeps.push). */
export interface PushKindDeps {
  /** The API's base URL put in enrollment links (`https://…`, or `http://` on a loopback host). */
  readonly apiBaseUrl: () => string | undefined;
  /** Wakes devices; they poll anyway. */
  readonly gateway: PushGateway;
  /** Told when the gateway fails to wake a device (the challenge stays pollable). */
  readonly onGatewayError?: (error: unknown) => void;
}
