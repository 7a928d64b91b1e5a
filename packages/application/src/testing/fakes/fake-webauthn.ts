// A WebAuthn ceremony and software authenticator for the use-case tests, in one: responses are small JSON objects
// ({ fake: "create" | "get", id, challenge, origin, rpId, up, uv, counter, alg, sig }) whose "signature" is a function of
// the credential id, the challenge and the counter. It checks what the real adapter checks (challenge, origin, RP id,
// UP, UV when required, algorithm, signature, counter) and reports the same failure reasons; the real ceremony over
// real keys is packages/webauthn's, tested there and end to end.
import type {
  WebAuthnAlgorithm,
  WebAuthnAuthenticationInput,
  WebAuthnAuthenticationOptionsInput,
  WebAuthnAuthenticationResult,
  WebAuthnCeremony,
  WebAuthnCreationOptionsJSON,
  WebAuthnFailureReason,
  WebAuthnRegistrationInput,
  WebAuthnRegistrationOptionsInput,
  WebAuthnRegistrationResult,
  WebAuthnRequestOptionsJSON,
} from "../../ports/webauthn.port.js";
import { WEBAUTHN_COSE_ALGORITHM } from "../../ports/webauthn.port.js";
import { fromBase64Url, toBase64Url } from "../../kinds/webauthn.js";

export interface FakeWebAuthnResponse {
  readonly fake: "create" | "get";
  readonly id: string;
  readonly challenge: string;
  readonly origin: string;
  readonly rpId: string;
  readonly up?: boolean;
  readonly uv?: boolean;
  readonly counter?: number;
  readonly alg?: WebAuthnAlgorithm;
  readonly sig?: string;
}

/** ASCII text as bytes (the fake's key is `key:<credential id>`, base64url: ASCII). */
const ascii = (t: string): Uint8Array => Uint8Array.from(t, (c) => c.charCodeAt(0) & 0x7f);
const fail = (reason: WebAuthnFailureReason, detail: string) => ({ ok: false as const, reason, detail });

/** The signature the fake authenticator makes: only a holder of the credential makes it (the tests play the holder). */
export const fakeSignature = (id: string, challenge: string, counter: number): string => `sig:${id}:${challenge}:${counter}`;

export class FakeWebAuthn implements WebAuthnCeremony {
  async registrationOptions(input: WebAuthnRegistrationOptionsInput): Promise<WebAuthnCreationOptionsJSON> {
    return {
      rp: { id: input.rp.id, name: input.rp.name },
      user: { id: toBase64Url(input.user.handle), name: input.user.name, displayName: input.user.displayName },
      challenge: toBase64Url(input.challenge),
      pubKeyCredParams: input.options.algorithms.map((a) => ({ type: "public-key" as const, alg: WEBAUTHN_COSE_ALGORITHM[a] })),
      timeout: input.timeoutMs ?? 60_000,
      excludeCredentials: input.excludeCredentials.map((c) => ({ type: "public-key" as const, id: c.id })),
      authenticatorSelection: {
        residentKey: input.options.residentKey,
        requireResidentKey: input.options.residentKey === "required",
        userVerification: input.options.userVerification,
      },
      attestation: input.options.attestation,
      hints: [],
      extensions: { credProps: true },
    };
  }

  async authenticationOptions(input: WebAuthnAuthenticationOptionsInput): Promise<WebAuthnRequestOptionsJSON> {
    return {
      rpId: input.rp.id,
      challenge: toBase64Url(input.challenge),
      allowCredentials: input.allowCredentials.map((c) => ({ type: "public-key" as const, id: c.id })),
      timeout: input.timeoutMs ?? 60_000,
      userVerification: input.userVerification,
    };
  }

  async verifyRegistration(input: WebAuthnRegistrationInput): Promise<WebAuthnRegistrationResult> {
    const r = input.response as Partial<FakeWebAuthnResponse> | null;
    if (!r || typeof r !== "object" || typeof r.id !== "string" || r.id.length === 0) return fail("malformed", "not a fake response");
    if (r.fake !== "create") return fail("wrong_ceremony", "not a registration");
    const common = this.common(r, input.expectedChallenge, input.rp, input.options.userVerification);
    if (common) return common;
    const alg = r.alg ?? "ES256";
    if (!input.options.algorithms.includes(alg)) return fail("algorithm_not_allowed", `${alg} is not allowed`);
    return {
      ok: true,
      credential: {
        id: r.id,
        publicKey: ascii(`key:${r.id}`),
        algorithm: alg,
        signCount: r.counter ?? 0,
        transports: ["internal"],
        aaguid: "00000000-0000-0000-0000-000000000000",
        attestationFormat: "none",
        backupEligible: false,
        backedUp: false,
        userVerified: r.uv === true,
      },
    };
  }

  async verifyAuthentication(input: WebAuthnAuthenticationInput): Promise<WebAuthnAuthenticationResult> {
    const r = input.response as Partial<FakeWebAuthnResponse> | null;
    if (!r || typeof r !== "object" || typeof r.id !== "string") return fail("malformed", "not a fake response");
    if (r.fake !== "get") return fail("wrong_ceremony", "not an assertion");
    if (r.id !== input.credential.id) return fail("credential_mismatch", "another credential");
    const common = this.common(r, input.expectedChallenge, input.rp, input.userVerification);
    if (common) return common;
    const counter = r.counter ?? 0;
    if (r.sig !== fakeSignature(r.id, r.challenge ?? "", counter)) return fail("bad_signature", "the signature does not verify");
    const stored = input.credential.signCount;
    return {
      ok: true,
      newSignCount: counter,
      counterRegressed: (counter !== 0 || stored !== 0) && counter <= stored,
      userVerified: r.uv === true,
      backedUp: false,
    };
  }

  credentialIdOf(response: unknown): string | undefined {
    const id = (response as { id?: unknown } | null)?.id;
    return typeof id === "string" ? id : undefined;
  }

  private common(
    r: Partial<FakeWebAuthnResponse>,
    expected: Uint8Array,
    rp: { readonly id: string; readonly origins: readonly string[] },
    uv: string,
  ) {
    if (r.challenge !== toBase64Url(expected) || fromBase64Url(r.challenge) === null)
      return fail("challenge_mismatch", "another challenge");
    if (typeof r.origin !== "string" || !rp.origins.includes(r.origin)) return fail("wrong_origin", "another origin");
    if (r.rpId !== rp.id) return fail("wrong_rp_id", "another RP id");
    if (r.up === false) return fail("user_presence_missing", "UP not set");
    if (uv === "required" && r.uv !== true) return fail("user_verification_missing", "UV not set");
    return null;
  }
}

/** The fake authenticator's registration answer to creation options (as the browser would post it). */
export function fakeRegistration(
  options: { readonly challenge: string; readonly rp: { readonly id: string } },
  over: Partial<FakeWebAuthnResponse> & { readonly origin: string },
): FakeWebAuthnResponse {
  return { fake: "create", id: "cred-1", challenge: options.challenge, rpId: options.rp.id, up: true, uv: true, ...over };
}

/** The fake authenticator's assertion for request options, signed for `counter`. */
export function fakeAssertion(
  options: { readonly challenge: string; readonly rpId: string },
  id: string,
  counter: number,
  over: Partial<FakeWebAuthnResponse> & { readonly origin: string },
): FakeWebAuthnResponse {
  const r = { fake: "get" as const, id, challenge: options.challenge, rpId: options.rpId, up: true, uv: true, counter, ...over };
  return { ...r, sig: over.sig ?? fakeSignature(r.id, r.challenge, r.counter) };
}
