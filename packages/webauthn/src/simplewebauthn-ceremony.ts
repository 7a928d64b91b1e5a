// The WebAuthn ceremony port over @simplewebauthn/server: options for navigator.credentials.create/get, and
// verification of what the browser returns. Exact origins and RP id, UP always, UV when the policy requires it,
// algorithms from the policy only. It reports; the application decides (challenge single use, counters, duplicates).
import type {
  RegisteredWebAuthnCredential,
  WebAuthnAuthenticationInput,
  WebAuthnAuthenticationOptionsInput,
  WebAuthnAuthenticationResult,
  WebAuthnCeremony,
  WebAuthnCreationOptionsJSON,
  WebAuthnCredentialDescriptor,
  WebAuthnFailure,
  WebAuthnFailureReason,
  WebAuthnPolicyOptions,
  WebAuthnRegistrationInput,
  WebAuthnRegistrationOptionsInput,
  WebAuthnRegistrationResult,
  WebAuthnRelyingParty,
  WebAuthnRequestOptionsJSON,
} from "@mfa-chain/application";
import { WEBAUTHN_COSE_ALGORITHM } from "@mfa-chain/application";
import type * as SimpleWebAuthnServer from "@simplewebauthn/server";
import { isoBase64URL, isoUint8Array } from "@simplewebauthn/server/helpers";
import { checkCoseKey } from "./cose-key.js";
import { reasonForLibraryError } from "./failure-reasons.js";
import { authenticationResponseSchema, describeIssue, registrationResponseSchema } from "./response-schemas.js";

// The library (with its ASN.1, certificate and attestation code) is loaded by the first ceremony, not at start: a
// process whose tenants use no WebAuthn factor never holds it in memory (docs/benchmarks.md, memory).
let library: Promise<typeof SimpleWebAuthnServer> | undefined;
const simpleWebAuthn = () => (library ??= import("@simplewebauthn/server"));

/** S21: at least 16 bytes; mfa-chain issues 32, and refuses less. */
export const MIN_CHALLENGE_BYTES = 32;
/** WebAuthn L3 §5.4.3: a user handle is 1 to 64 bytes. */
const MAX_USER_HANDLE_BYTES = 64;
/** SPEC §3: a challenge lives 5 minutes; the browser's timeout says the same by default. */
const DEFAULT_TIMEOUT_MS = 5 * 60 * 1000;

function fail(reason: WebAuthnFailureReason, detail: string): WebAuthnFailure {
  return { ok: false, reason, detail };
}

function assertChallenge(challenge: Uint8Array): void {
  if (!(challenge instanceof Uint8Array) || challenge.byteLength < MIN_CHALLENGE_BYTES) {
    throw new RangeError(`a WebAuthn challenge must be at least ${MIN_CHALLENGE_BYTES} random bytes`);
  }
}

function assertRelyingParty(rp: WebAuthnRelyingParty): void {
  if (rp.id.length === 0 || rp.origins.length === 0 || rp.origins.some((origin) => origin.length === 0)) {
    throw new RangeError("a WebAuthn relying party needs an RP id and at least one origin");
  }
}

function assertPolicy(options: WebAuthnPolicyOptions): void {
  if (options.algorithms.length === 0) throw new RangeError("a WebAuthn policy must allow at least one algorithm");
}

function descriptors(list: readonly WebAuthnCredentialDescriptor[]) {
  return list.map((credential) =>
    credential.transports === undefined ? { id: credential.id } : { id: credential.id, transports: [...credential.transports] },
  );
}

/** Rebuilds the library's options as the port's type: only the fields the port promises, nothing the library adds later. */
function descriptorsJSON(list: readonly { id: string; transports?: readonly string[] | undefined }[]) {
  return list.map((credential) => {
    const transports = credential.transports as WebAuthnCredentialDescriptor["transports"];
    return transports === undefined
      ? { type: "public-key" as const, id: credential.id }
      : { type: "public-key" as const, id: credential.id, transports };
  });
}

export class SimpleWebAuthnCeremony implements WebAuthnCeremony {
  async registrationOptions(input: WebAuthnRegistrationOptionsInput): Promise<WebAuthnCreationOptionsJSON> {
    const { rp, user, challenge, options } = input;
    assertChallenge(challenge);
    assertRelyingParty(rp);
    assertPolicy(options);
    if (user.handle.byteLength === 0 || user.handle.byteLength > MAX_USER_HANDLE_BYTES) {
      throw new RangeError(`a WebAuthn user handle is 1 to ${MAX_USER_HANDLE_BYTES} bytes`);
    }
    const generated = await (
      await simpleWebAuthn()
    ).generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: user.name,
      userDisplayName: user.displayName,
      userID: new Uint8Array(user.handle),
      challenge: new Uint8Array(challenge),
      timeout: input.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      attestationType: options.attestation,
      excludeCredentials: descriptors(input.excludeCredentials),
      supportedAlgorithmIDs: options.algorithms.map((name) => WEBAUTHN_COSE_ALGORITHM[name]),
      authenticatorSelection: {
        residentKey: options.residentKey,
        userVerification: options.userVerification,
        ...(options.authenticatorAttachment === undefined ? {} : { authenticatorAttachment: options.authenticatorAttachment }),
      },
    });
    return {
      rp: { id: rp.id, name: rp.name },
      user: { id: generated.user.id, name: generated.user.name, displayName: generated.user.displayName },
      challenge: generated.challenge,
      pubKeyCredParams: generated.pubKeyCredParams.map((param) => ({ type: "public-key" as const, alg: param.alg })),
      timeout: input.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      excludeCredentials: descriptorsJSON(generated.excludeCredentials ?? []),
      authenticatorSelection: {
        ...(options.authenticatorAttachment === undefined ? {} : { authenticatorAttachment: options.authenticatorAttachment }),
        residentKey: options.residentKey,
        requireResidentKey: options.residentKey === "required",
        userVerification: options.userVerification,
      },
      attestation: options.attestation,
      hints: [],
      extensions: { credProps: true },
    };
  }

  async verifyRegistration(input: WebAuthnRegistrationInput): Promise<WebAuthnRegistrationResult> {
    const { expectedChallenge, rp, options } = input;
    assertChallenge(expectedChallenge);
    assertRelyingParty(rp);
    assertPolicy(options);
    const parsed = registrationResponseSchema.safeParse(input.response);
    if (!parsed.success) return fail("malformed", describeIssue(parsed.error));
    const response = parsed.data;
    try {
      const verification = await (
        await simpleWebAuthn()
      ).verifyRegistrationResponse({
        response: {
          id: response.id,
          rawId: response.rawId,
          type: response.type,
          response: {
            clientDataJSON: response.response.clientDataJSON,
            attestationObject: response.response.attestationObject,
            transports: response.response.transports,
          },
          clientExtensionResults: {},
        },
        expectedChallenge: isoBase64URL.fromBuffer(new Uint8Array(expectedChallenge)),
        expectedOrigin: [...rp.origins],
        expectedRPID: [rp.id],
        expectedType: "webauthn.create",
        requireUserPresence: true,
        requireUserVerification: options.userVerification === "required",
        supportedAlgorithmIDs: options.algorithms.map((name) => WEBAUTHN_COSE_ALGORITHM[name]),
      });
      if (!verification.verified) return fail("attestation_refused", "the attestation statement did not verify");
      const info = verification.registrationInfo;
      if (options.attestation === "direct" && info.fmt === "none") {
        return fail("attestation_refused", 'attestation format "none", the policy requires "direct"');
      }
      const key = checkCoseKey(info.credential.publicKey, options.algorithms);
      if (!key.ok) return fail("algorithm_not_allowed", key.detail);
      const credential: RegisteredWebAuthnCredential = {
        id: info.credential.id,
        publicKey: new Uint8Array(info.credential.publicKey),
        algorithm: key.algorithm,
        signCount: info.credential.counter,
        transports: response.response.transports,
        aaguid: info.aaguid,
        attestationFormat: info.fmt,
        backupEligible: info.credentialDeviceType === "multiDevice",
        backedUp: info.credentialBackedUp,
        userVerified: info.userVerified,
      };
      return { ok: true, credential };
    } catch (error) {
      const { reason, detail } = reasonForLibraryError(error);
      return fail(reason, detail);
    }
  }

  async authenticationOptions(input: WebAuthnAuthenticationOptionsInput): Promise<WebAuthnRequestOptionsJSON> {
    const { rp, challenge } = input;
    assertChallenge(challenge);
    assertRelyingParty(rp);
    if (input.allowCredentials.length === 0) {
      throw new RangeError("a WebAuthn step needs at least one of the user's credentials to allow");
    }
    const generated = await (
      await simpleWebAuthn()
    ).generateAuthenticationOptions({
      rpID: rp.id,
      challenge: new Uint8Array(challenge),
      allowCredentials: descriptors(input.allowCredentials),
      userVerification: input.userVerification,
      timeout: input.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    return {
      rpId: rp.id,
      challenge: generated.challenge,
      allowCredentials: descriptorsJSON(generated.allowCredentials ?? []),
      timeout: input.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      userVerification: input.userVerification,
    };
  }

  async verifyAuthentication(input: WebAuthnAuthenticationInput): Promise<WebAuthnAuthenticationResult> {
    const { expectedChallenge, rp, credential } = input;
    assertChallenge(expectedChallenge);
    assertRelyingParty(rp);
    const parsed = authenticationResponseSchema.safeParse(input.response);
    if (!parsed.success) return fail("malformed", describeIssue(parsed.error));
    const response = parsed.data;
    if (response.id !== credential.id) {
      return fail("credential_mismatch", `assertion for credential ${response.id}, expected ${credential.id}`);
    }
    const userHandle = response.response.userHandle ?? undefined;
    if (userHandle !== undefined && input.userHandle !== undefined) {
      if (!isoUint8Array.areEqual(isoBase64URL.toBuffer(userHandle), new Uint8Array(input.userHandle))) {
        return fail("credential_mismatch", "the assertion's user handle is not the user's");
      }
    }
    try {
      const verification = await (
        await simpleWebAuthn()
      ).verifyAuthenticationResponse({
        response: {
          id: response.id,
          rawId: response.rawId,
          type: response.type,
          response: {
            clientDataJSON: response.response.clientDataJSON,
            authenticatorData: response.response.authenticatorData,
            signature: response.response.signature,
            ...(userHandle === undefined ? {} : { userHandle }),
          },
          clientExtensionResults: {},
        },
        expectedChallenge: isoBase64URL.fromBuffer(new Uint8Array(expectedChallenge)),
        expectedOrigin: [...rp.origins],
        expectedRPID: [rp.id],
        expectedType: "webauthn.get",
        requireUserVerification: input.userVerification === "required",
        // The counter rule is the application's (S23): the library is given 0, which disables its own check, and
        // the comparison is reported below as counterRegressed.
        credential: { id: credential.id, publicKey: new Uint8Array(credential.publicKey), counter: 0 },
      });
      if (!verification.verified) return fail("bad_signature", "the assertion signature does not verify with the credential's key");
      const info = verification.authenticationInfo;
      const newSignCount = info.newCounter;
      const stored = credential.signCount;
      return {
        ok: true,
        newSignCount,
        counterRegressed: (newSignCount > 0 || stored > 0) && newSignCount <= stored,
        userVerified: info.userVerified,
        backedUp: info.credentialBackedUp,
      };
    } catch (error) {
      const { reason, detail } = reasonForLibraryError(error);
      return fail(reason, detail);
    }
  }

  credentialIdOf(response: unknown): string | undefined {
    const parsed = authenticationResponseSchema.safeParse(response);
    return parsed.success ? parsed.data.id : undefined;
  }
}
