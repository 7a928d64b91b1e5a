// What a factor kind is to the use cases: how a credential of the kind is provisioned (and what the user is shown,
// once), how a submitted code is checked and what a success claims, what a client may see of it, and optional hooks
// (resynchronisation, a live code for development). One module per kind, composed in index.ts.
import type { FailureReason, ImplementedFactorType, Instant, ParamsOf, RandomSource, VerifyWindow } from "@mfa-chain/domain";
import type { KeyedHasher } from "../ports/keyed-hasher.port.js";
import type { OtpGenerator, OtpProvisioner, OtpVerifier } from "../ports/otp.port.js";
import type { StepClaim, StoredCredentialOf } from "../ports/repositories.port.js";
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
}

export type CodeCheck =
  { readonly ok: true; readonly claim: StepClaim } | { readonly ok: false; readonly reason: Exclude<FailureReason, "chain_breached"> };

export interface CheckInput {
  readonly now: Instant;
  /** Time steps accepted either side of now (TOTP): the policy's, or the confirmation's. */
  readonly window: VerifyWindow;
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
  /** Development only (S32): the code the credential would accept now. */
  currentCode?(credential: StoredCredentialOf<K>, now: Instant, generator: OtpGenerator): string;
}
