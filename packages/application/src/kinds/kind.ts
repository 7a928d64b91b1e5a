// What a factor kind is to the use cases: how a credential of the kind is provisioned (and what the user is shown,
// once), how a submitted code is checked and what a success claims, what a client may see of it, and optional hooks
// (resynchronisation, a live code for development). One module per kind, composed in index.ts.
import type { FailureReason, ImplementedFactorType, Instant, ParamsOf, RandomSource, VerifyWindow } from "@mfa-chain/domain";
import type { KeyedHasher } from "../ports/keyed-hasher.port.js";
import type { OtpGenerator, OtpProvisioner, OtpVerifier } from "../ports/otp.port.js";
import type { Channel } from "../ports/delivery.port.js";
import type { StepClaim, StoredChallenge, StoredCredentialOf } from "../ports/repositories.port.js";
import type { SecretCipher } from "../ports/secret-cipher.port.js";

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
  | { readonly ok: true; readonly claim: StepClaim }
  | {
      readonly ok: false;
      readonly reason: Exclude<FailureReason, "chain_breached">;
      /** What the failure spends, written with it (a try of a sent code); absent when nothing. */
      readonly claim?: StepClaim;
    };

export interface CheckInput {
  readonly now: Instant;
  /** Time steps accepted either side of now (TOTP): the policy's, or the confirmation's. */
  readonly window: VerifyWindow;
  /** The challenge issued for this check (the current step's, or the enrollment's), for kinds that send one. */
  readonly challenge?: StoredChallenge | null;
}

/** Where a kind's code goes, opened for a send: never stored or logged in clear. */
export interface ChallengeDestination {
  readonly channel: Channel;
  readonly to: string;
  readonly masked: string;
  readonly destinationKey: string;
}

/** A kind that sends a code before a check (email, SMS): the challenge phase. */
export interface KindChallenge<K extends ImplementedFactorType> {
  /** The challenge store's namespaces (S30): a code of one never satisfies the other. */
  readonly purposes: { readonly verify: string; readonly enroll: string };
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
  /** New material for a credential of these params, and what the user is shown this once. */
  provision(input: ProvisionInput, params: ParamsOf<K>): Promise<{ readonly material: Material; readonly shown: Shown }>;
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
  /** Present when a check needs a code sent first (email, SMS): enrollment sends one, and attempts issue challenges. */
  readonly challenge?: KindChallenge<K>;
  /** Development only (S32): the code the credential would accept now. */
  currentCode?(credential: StoredCredentialOf<K>, now: Instant, generator: OtpGenerator): string;
}
