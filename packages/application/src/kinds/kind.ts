// What a factor kind is to the use cases: how a credential of the kind is provisioned (and what the user is shown,
// once), how a submitted code is checked and what a success claims, what a client may see of it, and optional hooks
// (resynchronisation, a live code for development). One module per kind, composed in index.ts.
import type {
  CredentialParams,
  FailureReason,
  ImplementedFactorType,
  Instant,
  ParamsOf,
  RandomSource,
  VerifyWindow,
} from "@mfa-chain/domain";
import type { KeyedHasher } from "../ports/keyed-hasher.port.js";
import type { OtpGenerator, OtpProvisioner, OtpVerifier } from "../ports/otp.port.js";
import type { ChallengePurpose, Channel } from "../ports/delivery.port.js";
import type { Repositories, StepClaim, StoredChallenge, StoredCredentialOf } from "../ports/repositories.port.js";
import type { AppError } from "../shared/application.errors.js";
import type { WebAuthnCeremony } from "../ports/webauthn.port.js";
import type { SecretCipher } from "../ports/secret-cipher.port.js";
import type { PushKindDeps } from "../ports/push.port.js";

/** What the kinds need from outside; each kind uses its part. */
export interface KindDeps {
  readonly otp: OtpVerifier;
  readonly provisioner: OtpProvisioner;
  readonly cipher: SecretCipher;
  /** Keyed hashes of single-use codes (backup codes). */
  readonly hasher: KeyedHasher;
  /** A CSPRNG in production. */
  readonly random: RandomSource;
  /** The issuer shown in authenticator apps. */
  readonly issuer: string;
  /** WebAuthn registration and assertion ceremonies (packages/webauthn); absent, webauthn factors are refused. */
  readonly webauthn?: WebAuthnCeremony;
  /** Push (issue 13): the API's base URL for enrollment links and the gateway that wakes devices; absent, push enrollment fails. */
  readonly push?: PushKindDeps;
}

/** Who and what a new credential is for. */
export interface ProvisionInput {
  readonly tenantId: string;
  readonly userId: string;
  readonly credentialId: string;
  readonly label: string;
  /** What the enrollment request gave for this kind (an email address), as `acceptDetails` normalized it. */
  readonly details?: unknown;
}

export type CodeCheck =
  | {
      readonly ok: true;
      readonly claim: StepClaim;
      /**
       * A confirmation's result for kinds whose material is only known once the user answered (a WebAuthn
       * registration's public key): the credential's material, written before it is activated. Absent: unchanged.
       */
      readonly material?: unknown;
    }
  | {
      readonly ok: false;
      readonly reason: Exclude<FailureReason, "chain_breached">;
      /** What the failure spends, written with it (a try of a sent code); absent when nothing. */
      readonly claim?: StepClaim;
      /** Why, in the kind's own closed terms (a WebAuthn failure reason), for the audit; never a secret. */
      readonly cause?: string;
    };

export interface CheckInput {
  readonly now: Instant;
  /** Time steps accepted either side of now (TOTP): the policy's, or the confirmation's. */
  readonly window: VerifyWindow;
  /** The challenge issued for this check (the current step's, or the enrollment's), for kinds that take one. */
  readonly challenge?: StoredChallenge | null;
  /** What the kind's `prepare` found for this submission (absent for kinds without `prepare`). */
  readonly prepared?: unknown;
}

/** The input of a kind's `prepare`: what `check` gets, before the decision. */
export interface PrepareInput {
  readonly now: Instant;
  readonly challenge: StoredChallenge | null;
  /** "verify": a step of an attempt; "enroll": the confirmation of a pending enrollment. */
  readonly purpose: ChallengePurpose;
  /**
   * At a step: the params its policy factor wants now (the policy version of the attempt), which may be stricter than
   * those the credential was enrolled with (WebAuthn: user verification, algorithms). Absent at a confirmation.
   */
  readonly params?: CredentialParams;
}

/** Where a kind's code goes, opened for a send: never stored or logged in clear. */
export interface ChallengeDestination {
  readonly channel: Channel;
  readonly to: string;
  readonly masked: string;
  readonly destinationKey: string;
}

/**
 * The challenge phase of a kind: what `POST /v1/attempts/{id}/challenge` (and an enrollment) does before a check.
 * `delivery: "send"`: the service draws a code and sends it to the credential's destination (email, SMS; limits,
 * provider and audit in `shared/challenge-sender.ts`). `delivery: "answer"`: the kind makes the challenge itself and
 * says what to store for it and what to answer the client (WebAuthn request options; a push kind's notice).
 */
export type KindChallenge<K extends ImplementedFactorType> = SentCodeChallenge<K> | AnsweredChallenge<K>;

/** The challenge store's namespaces of a kind (S30): a challenge of one never satisfies or consumes another. */
export interface ChallengePurposes {
  readonly verify: string;
  readonly enroll: string;
}

/** What an answered challenge is issued for. */
export interface AnswerChallengeInput {
  readonly tenantId: string;
  readonly userId: string;
  /** "verify": the attempt's current step; "enroll": a pending enrollment's confirmation. */
  readonly purpose: ChallengePurpose;
  /** The namespace it is stored under (`purposes[purpose]`). */
  readonly storedPurpose: string;
  /** Its id in that namespace: `<attemptId>:<step>` for a step, the credential's id for an enrollment. */
  readonly challengeId: string;
  readonly attemptId: string | null;
  readonly step: number | null;
  readonly now: Instant;
  /** The transaction's repositories, for what the kind reads to build its answer (a tenant's relying party). */
  readonly repos: Repositories;
  /** For a step: the params its policy factor wants now (see PrepareInput.params); absent for an enrollment. */
  readonly params?: CredentialParams;
  /**
   * Registers work to run once the transaction committed (a push's wake-up), best effort: never for a challenge that
   * rolls back. Absent where the caller runs none (an enrollment's confirmation).
   */
  readonly afterCommit?: (task: () => Promise<void>) => void;
}

/** An answered challenge: what the challenge store keeps for it, and what the client is answered. */
export type IssuedChallenge =
  | {
      readonly ok: true;
      /**
       * Stored as the challenge's `codeHash`: what the kind's check compares the submission with (a keyed hash of a
       * code, or a non-secret nonce handed to the client together with what it is bound to). Expires at most 5 minutes on.
       */
      readonly stored: { readonly codeHash: string; readonly expiresAt: Instant };
      /** The kind's fields of the answer (`ApiKind.challenge` declares them on the wire). */
      readonly answer: Readonly<Record<string, unknown>>;
    }
  /** Nothing can be issued (a tenant without a relying party): answered as this error, nothing stored. */
  | { readonly ok: false; readonly error: AppError };

/** A kind that answers the challenge phase itself (WebAuthn; push). */
export interface AnsweredChallenge<K extends ImplementedFactorType> {
  readonly delivery: "answer";
  readonly purposes: ChallengePurposes;
  /**
   * Makes the challenge (random bytes from `KindDeps.random`, S21) for the credential; the caller stores it (replacing
   * the same id's previous challenge, tries back to 0) in the same transaction and answers the client.
   */
  issue(credential: StoredCredentialOf<K>, input: AnswerChallengeInput): Promise<IssuedChallenge>;
}

/** A kind that sends a code before a check (email, SMS): the challenge phase. */
export interface SentCodeChallenge<K extends ImplementedFactorType> {
  readonly delivery: "send";
  /** The challenge store's namespaces (S30): a code of one never satisfies the other. */
  readonly purposes: ChallengePurposes;
  /** The destination of a credential, opened for one send. */
  destination(credential: StoredCredentialOf<K>): ChallengeDestination;
  /** Digits and lifetime of the codes of a credential. */
  codeOptions(credential: StoredCredentialOf<K>): { readonly digits: number; readonly ttlSeconds: number };
  /** The stored hash of a code for the challenge `challengeId` of `purpose`, bound to tenant and credential. */
  hashCode(credential: StoredCredentialOf<K>, purpose: string, challengeId: string, code: string): string;
}

export interface ApplicationKind<K extends ImplementedFactorType, Material, Shown, View> {
  readonly type: K;
  /**
   * `pending`: the user proves the new credential with a code before it counts (an authenticator app); `active`: it
   * replaces the slot's credential at once (a new set of backup codes voids the old set in the same transaction).
   */
  readonly enrollsAs: "pending" | "active";
  /** What the user is told when a code of this kind passes a step (a backup code used); absent: nothing. */
  readonly usedNotice?: "backup_code_used";
  /** New material for a credential of these params, and what the user is shown this once. */
  provision(input: ProvisionInput, params: ParamsOf<K>): Promise<{ readonly material: Material; readonly shown: Shown }>;
  /**
   * Optional, for kinds whose check needs asynchronous work (WebAuthn's signature verification): run by the use cases
   * before `check`, outside any decision, on a well-formed submission; its result reaches `check` as `input.prepared`.
   * It reads nothing from storage and writes nothing: the decision and its claim stay in `check`, which is synchronous.
   */
  prepare?(credential: StoredCredentialOf<K>, code: string, input: PrepareInput): Promise<unknown>;
  /** Checks a code of the right shape against the credential's own material; a success names the claim to write. */
  check(credential: StoredCredentialOf<K>, code: string, input: CheckInput): CodeCheck;
  /** What a client may see of the credential beyond its common part. */
  view(credential: StoredCredentialOf<K>): View;
  /**
   * False when the credential can pass no step any more (a set of backup codes all used): its slot then counts as not
   * enrolled, so an attempt never draws a step the user cannot pass. Absent: usable while active.
   */
  usable?(credential: StoredCredentialOf<K>): boolean;
  /** HOTP-style resynchronisation from consecutive codes: the claim that moves the credential past them, or null. */
  resync?(credential: StoredCredentialOf<K>, codes: readonly [string, string]): StepClaim | null;
  /**
   * Kind-specific enrollment input (an email address): normalized, or the reason it is refused (safe to show). Absent:
   * the kind takes none, and enrolling with some is refused.
   */
  acceptDetails?(raw: unknown): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };
  /**
   * Present when a check needs a challenge first (email, SMS: a code sent; WebAuthn: options answered): enrollment
   * issues one, and `POST /v1/attempts/{id}/challenge` issues one for a step.
   */
  readonly challenge?: KindChallenge<K>;
  /** Development only (S32): the code the credential would accept now. */
  currentCode?(credential: StoredCredentialOf<K>, now: Instant, generator: OtpGenerator): string;
}
