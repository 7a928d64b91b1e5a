// WebAuthn ceremonies (SPEC §3 webauthn, S21–S24): the adapter builds the options a browser needs and verifies what the
// browser sends back. It stores nothing and decides nothing: the application chooses the credential and the policy,
// makes, stores and consumes the challenge (S21), refuses an already registered credential id (S24) and updates the
// sign counter by compare-and-set, refusing a regression (S23).

/** COSE algorithms a policy may allow: ES256 (-7), EdDSA (-8), RS256 (-257). */
export type WebAuthnAlgorithm = "ES256" | "EdDSA" | "RS256";

export const WEBAUTHN_ALGORITHMS: readonly WebAuthnAlgorithm[] = ["ES256", "EdDSA", "RS256"];

/** The COSE identifier of each algorithm (IANA COSE Algorithms registry). */
export const WEBAUTHN_COSE_ALGORITHM: Readonly<Record<WebAuthnAlgorithm, number>> = { ES256: -7, EdDSA: -8, RS256: -257 };

export type WebAuthnRequirement = "required" | "preferred" | "discouraged";

export type WebAuthnTransport = "ble" | "cable" | "hybrid" | "internal" | "nfc" | "smart-card" | "usb";

/** The policy options of a webauthn slot of a chain. Checked on the server, whatever the browser was asked (S24). */
export interface WebAuthnPolicyOptions {
  /** "required": an assertion or registration without the UV flag is refused (S22); otherwise UV is only reported. */
  readonly userVerification: WebAuthnRequirement;
  /** Asks for a discoverable credential (passkey). Sent to the browser only: the server cannot check it. */
  readonly residentKey: WebAuthnRequirement;
  /** "none": any attestation statement that verifies is accepted, "none" included. "direct": a statement other than "none" is required and must verify. */
  readonly attestation: "none" | "direct";
  /** Allowed algorithms, in order of preference; a credential with another algorithm is refused at registration (S24). */
  readonly algorithms: readonly WebAuthnAlgorithm[];
  /** Asks the browser for a platform authenticator or a roaming one. A hint: the server cannot check it. */
  readonly authenticatorAttachment?: "platform" | "cross-platform";
}

/** The relying party: the team's site. `origins` are exact (scheme, host and port), as the browser reports them. */
export interface WebAuthnRelyingParty {
  /** The RP id: a registrable domain suffix of the origins' host, e.g. "example.com". Matched exactly by its SHA-256. */
  readonly id: string;
  /** Shown by some authenticators. */
  readonly name: string;
  /** e.g. ["https://app.example.com"]; non-empty. */
  readonly origins: readonly string[];
}

export interface WebAuthnUser {
  /**
   * The user handle, 1–64 opaque bytes. Never the tenant's user id: the handle is stored on the authenticator and
   * returned to any site that asks with the same RP id, so it must not identify the user outside mfa-chain. The
   * application derives it with a keyed hash of (purpose "webauthn-user-handle", tenant, user) — stable, so that one
   * user keeps one handle across credentials, and meaningless without the key.
   */
  readonly handle: Uint8Array;
  /** Shown by the authenticator to pick an account, e.g. the user's login name at the relying party. */
  readonly name: string;
  readonly displayName: string;
}

/** A credential as the application stores it and passes it back. */
export interface WebAuthnCredentialDescriptor {
  /** base64url, without padding. */
  readonly id: string;
  readonly transports?: readonly WebAuthnTransport[];
}

/** PublicKeyCredentialCreationOptionsJSON (WebAuthn L3 §5.4): give it to `navigator.credentials.create` after `PublicKeyCredential.parseCreationOptionsFromJSON`, or to @simplewebauthn/browser's startRegistration. */
export interface WebAuthnCreationOptionsJSON {
  readonly rp: { readonly id: string; readonly name: string };
  readonly user: { readonly id: string; readonly name: string; readonly displayName: string };
  readonly challenge: string;
  readonly pubKeyCredParams: readonly { readonly type: "public-key"; readonly alg: number }[];
  readonly timeout: number;
  readonly excludeCredentials: readonly {
    readonly type: "public-key";
    readonly id: string;
    readonly transports?: readonly WebAuthnTransport[];
  }[];
  readonly authenticatorSelection: {
    readonly authenticatorAttachment?: "platform" | "cross-platform";
    readonly residentKey: WebAuthnRequirement;
    readonly requireResidentKey: boolean;
    readonly userVerification: WebAuthnRequirement;
  };
  readonly attestation: "none" | "direct";
  readonly hints: readonly string[];
  readonly extensions: { readonly credProps: true };
}

/** PublicKeyCredentialRequestOptionsJSON (WebAuthn L3 §5.5): for `navigator.credentials.get`, or startAuthentication. */
export interface WebAuthnRequestOptionsJSON {
  readonly rpId: string;
  readonly challenge: string;
  readonly allowCredentials: readonly {
    readonly type: "public-key";
    readonly id: string;
    readonly transports?: readonly WebAuthnTransport[];
  }[];
  readonly timeout: number;
  readonly userVerification: WebAuthnRequirement;
}

/**
 * Why a ceremony was refused; a closed union. Every refusal is final for the challenge: the application consumes it
 * whatever the reason (S21).
 */
export const WEBAUTHN_FAILURE_REASONS = [
  /** The response is not the JSON of a PublicKeyCredential, or its bytes do not decode. */
  "malformed",
  /** A registration response was sent to an authentication, or the reverse (clientData.type). */
  "wrong_ceremony",
  /** clientData.challenge is not the challenge the application issued for this ceremony. */
  "challenge_mismatch",
  /** clientData.origin is not one of the relying party's origins (or the call came from a cross-origin frame). */
  "wrong_origin",
  /** The authenticator data's RP id hash is not SHA-256 of the relying party's id. */
  "wrong_rp_id",
  /** The UP flag is not set. */
  "user_presence_missing",
  /** The UV flag is not set while the policy requires user verification. */
  "user_verification_missing",
  /** The credential's algorithm is not in the policy's list, or its key does not fit its algorithm. */
  "algorithm_not_allowed",
  /** The attestation statement does not verify, or is "none" while the policy asks for "direct". */
  "attestation_refused",
  /** The assertion names another credential, or another user handle, than the one the application expected. */
  "credential_mismatch",
  /** The assertion's signature does not verify with the stored public key. */
  "bad_signature",
] as const;

export type WebAuthnFailureReason = (typeof WEBAUTHN_FAILURE_REASONS)[number];

export interface WebAuthnFailure {
  readonly ok: false;
  readonly reason: WebAuthnFailureReason;
  /** What was expected and what came, for the log and the audit; never shown to the end user. Holds no secret. */
  readonly detail: string;
}

export interface RegisteredWebAuthnCredential {
  /** base64url, without padding. The application refuses it if already registered (S24). */
  readonly id: string;
  /** The COSE_Key, as the authenticator sent it; what verifyAuthentication needs back. */
  readonly publicKey: Uint8Array;
  readonly algorithm: WebAuthnAlgorithm;
  readonly signCount: number;
  readonly transports: readonly WebAuthnTransport[];
  /** The authenticator model's AAGUID, "00000000-0000-0000-0000-000000000000" when not disclosed. */
  readonly aaguid: string;
  /** The attestation statement's format ("none", "packed", …). */
  readonly attestationFormat: string;
  /** BE: the credential may be synced (a passkey). */
  readonly backupEligible: boolean;
  /** BS: the credential is synced now. */
  readonly backedUp: boolean;
  readonly userVerified: boolean;
}

export type WebAuthnRegistrationResult = { readonly ok: true; readonly credential: RegisteredWebAuthnCredential } | WebAuthnFailure;

export interface WebAuthnAssertion {
  readonly ok: true;
  /** The authenticator's counter in this assertion: what the application stores by compare-and-set. */
  readonly newSignCount: number;
  /**
   * The counter did not increase although one of the two counters is non-zero — a cloned authenticator, or a
   * replayed assertion. The adapter only reports it; the application refuses it (S23). Both counters zero (synced
   * passkeys do not count) is not a regression.
   */
  readonly counterRegressed: boolean;
  readonly userVerified: boolean;
  readonly backedUp: boolean;
}

export type WebAuthnAuthenticationResult = WebAuthnAssertion | WebAuthnFailure;

export interface WebAuthnRegistrationOptionsInput {
  readonly rp: WebAuthnRelyingParty;
  readonly user: WebAuthnUser;
  /** Made by the application from a CSPRNG, at least 32 bytes, stored for this user and this ceremony (S21). */
  readonly challenge: Uint8Array;
  /** The user's registered credentials, so that an authenticator does not register twice. */
  readonly excludeCredentials: readonly WebAuthnCredentialDescriptor[];
  readonly options: WebAuthnPolicyOptions;
  /** How long the browser waits for the user; the challenge's life (≤ 5 minutes) is enforced by the application. */
  readonly timeoutMs?: number;
}

export interface WebAuthnRegistrationInput {
  /** The browser's RegistrationResponseJSON, as received: untrusted. */
  readonly response: unknown;
  readonly expectedChallenge: Uint8Array;
  readonly rp: WebAuthnRelyingParty;
  readonly options: WebAuthnPolicyOptions;
}

export interface WebAuthnAuthenticationOptionsInput {
  readonly rp: WebAuthnRelyingParty;
  /** As for registration: ≥ 32 bytes from a CSPRNG, stored for this user, this attempt and this step (S21). */
  readonly challenge: Uint8Array;
  /** The user's confirmed credentials allowed by the step; non-empty (mfa-chain is a second factor: the user is known). */
  readonly allowCredentials: readonly WebAuthnCredentialDescriptor[];
  readonly userVerification: WebAuthnRequirement;
  readonly timeoutMs?: number;
}

export interface WebAuthnAuthenticationInput {
  /** The browser's AuthenticationResponseJSON, as received: untrusted. */
  readonly response: unknown;
  readonly expectedChallenge: Uint8Array;
  readonly rp: WebAuthnRelyingParty;
  /** The stored credential the application picked by the response's id (see credentialIdOf). */
  readonly credential: { readonly id: string; readonly publicKey: Uint8Array; readonly signCount: number };
  /** The user's handle; an assertion that carries another user handle is refused. */
  readonly userHandle?: Uint8Array;
  readonly userVerification: WebAuthnRequirement;
}

/**
 * Builds WebAuthn options and verifies responses. Untrusted input never throws: it gives `{ ok: false, reason }`.
 * A broken invariant of the caller (a challenge shorter than 32 bytes, an empty origin list, an empty algorithm list)
 * throws a RangeError.
 */
export interface WebAuthnCeremony {
  registrationOptions(input: WebAuthnRegistrationOptionsInput): Promise<WebAuthnCreationOptionsJSON>;
  verifyRegistration(input: WebAuthnRegistrationInput): Promise<WebAuthnRegistrationResult>;
  authenticationOptions(input: WebAuthnAuthenticationOptionsInput): Promise<WebAuthnRequestOptionsJSON>;
  verifyAuthentication(input: WebAuthnAuthenticationInput): Promise<WebAuthnAuthenticationResult>;
  /** The credential id an untrusted authentication response names (base64url), to look the credential up; undefined if malformed. */
  credentialIdOf(response: unknown): string | undefined;
}

/** A tenant's relying party as stored (checked when written: domain `readRelyingParty`). */
export interface StoredRelyingParty extends WebAuthnRelyingParty {
  readonly tenantId: string;
  readonly updatedAt: number;
}

/** Each tenant's WebAuthn relying party: one per tenant, replaced as a whole. */
export interface RelyingPartyRepository {
  find(tenantId: string): Promise<StoredRelyingParty | null>;
  save(rp: StoredRelyingParty): Promise<void>;
}
