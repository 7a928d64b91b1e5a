// What each factor kind keeps beside a credential's common part: its material and state. A leaf module (the storage
// ports name these types, and the kind modules build on the ports), so that no import cycle runs through the kinds.
import type { SealedSecret } from "../ports/secret-cipher.port.js";

export interface TotpMaterial {
  readonly secret: SealedSecret;
  /** The last accepted time step; codes of this step or earlier are replays. Null before the first use. */
  readonly lastTimeStep: number | null;
}

export interface HotpMaterial {
  readonly secret: SealedSecret;
  /** The next counter expected. */
  readonly counter: number;
}

export interface BackupCodeMaterial {
  /** The keyed hashes of the set's unused codes (on insert: all of them). */
  readonly codeHashes: readonly string[];
}

/** Email and SMS: where codes go, sealed (bound to tenant, user and credential), and its masked form for display. */
export interface OobMaterial {
  readonly destination: SealedSecret;
  /** `a***@example.com`, `+44******789`: what logs, audit and answers show. */
  readonly masked: string;
  /** The destination's keyed hash: send limits per destination count by it. */
  readonly destinationKey: string;
}

/** Push (issue 13): the device's key once it proved it, and the state of the credential's newest challenges. */
export interface PushDeviceKey {
  readonly algorithm: "ES256" | "Ed25519";
  /** The device's public key, base64url (no padding) of its SPKI DER, as the device sent it (and signed it). */
  readonly publicKey: string;
  readonly name: string;
  /** Where a push gateway wakes the device (FCM/APNs registration token); null: the device only polls. */
  readonly pushToken: string | null;
  readonly enrolledAt: number;
}

/** What the step's verify needs of a push challenge: whether and how the device answered it. */
export interface PushChallengeState {
  readonly id: string;
  readonly expiresAt: number;
  /** Null until the device answered (within the challenge's life). */
  readonly outcome: "approved" | "wrong_number" | "denied" | "reported_fraud" | null;
  readonly answeredAt: number | null;
}

export interface PushMaterial {
  /** The one-time enrollment token's keyed hash while the device has not proved its key; null once it has. */
  readonly enrollmentTokenHash: string | null;
  /** Null until the device's enrollment proof verified. */
  readonly device: PushDeviceKey | null;
  /** The credential's newest challenges (at most PUSH_MATERIAL_CHALLENGES), newest first; empty at insert. */
  readonly challenges: readonly PushChallengeState[];
}

/** How many of a push credential's newest challenges its material carries (what a verify may name). */
export const PUSH_MATERIAL_CHALLENGES = 8;

/** A WebAuthn credential once its registration is confirmed (null while pending): what assertions are checked with. */
export interface WebAuthnMaterial {
  readonly registered: {
    /** The authenticator's credential id, base64url; unique in the tenant (S24). */
    readonly credentialId: string;
    /** The COSE_Key, base64url. */
    readonly publicKey: string;
    readonly algorithm: "ES256" | "EdDSA" | "RS256";
    /** The last sign counter seen; moved only by compare-and-set (S23). */
    readonly signCount: number;
    readonly transports: readonly string[];
    readonly aaguid: string;
    readonly attestationFormat: string;
    readonly backupEligible: boolean;
    readonly backedUp: boolean;
  } | null;
}

/** Each kind's material, by kind: a Record over the kinds (one left out is a type error where it is used). */
export interface KindMaterial {
  totp: TotpMaterial;
  hotp: HotpMaterial;
  backup_code: BackupCodeMaterial;
  email: OobMaterial;
  sms: OobMaterial;
  webauthn: WebAuthnMaterial;
  push: PushMaterial;
}
