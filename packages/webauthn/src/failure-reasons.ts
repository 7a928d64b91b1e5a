// @simplewebauthn/server reports every refusal by throwing an Error whose message names the check that failed (it has
// no error codes for them, as of 14.0). This table maps those messages, read from the library's source
// (esm/registration/verifyRegistrationResponse.js, esm/authentication/verifyAuthenticationResponse.js,
// esm/helpers/matchExpectedRPID.js, esm/registration/verifications/*), to the port's closed reasons. The tests produce
// each reason from a real bad response, so a library upgrade that rewords a message fails them. Anything unknown
// is "malformed": the ceremony is refused either way, only the label would be vaguer.
import type { WebAuthnFailureReason } from "@mfa-chain/application";

const MESSAGE_REASONS: readonly (readonly [RegExp, WebAuthnFailureReason])[] = [
  [/^Unexpected (registration|authentication) response type/, "wrong_ceremony"],
  [/^Unexpected (registration|authentication) response challenge/, "challenge_mismatch"],
  [/^Unexpected (registration|authentication) response origin/, "wrong_origin"],
  // A response from a cross-origin iframe: mfa-chain accepts top-level calls from the RP's own origins only.
  [/top origin/i, "wrong_origin"],
  [/^Unexpected RP ID hash$/, "wrong_rp_id"],
  [/^User presence was required|^User not present/, "user_presence_missing"],
  [/^User verification (was )?required/, "user_verification_missing"],
  [/^Unexpected public key alg/, "algorithm_not_allowed"],
  // Statement checks of every format end with the format's name in parentheses (esm/registration/verifications/*).
  [/\((Packed|TPM|Apple|Android Key|FIDOU2F|SafetyNet)(\|[A-Za-z]+)?\)$/, "attestation_refused"],
  [/^None attestation had unexpected attestation statement|^Unsupported Attestation Format/, "attestation_refused"],
  [/^AAGUID ".*" was not expected value|^Certificate extension id-fido-gen-ce-aaguid/, "attestation_refused"],
  [/^Invalid signature component length/, "bad_signature"],
];

/** The few errors the library does mark, by `code` (SimpleWebAuthnError) or by `name`. */
const CODE_REASONS: Readonly<Record<string, WebAuthnFailureReason>> = {
  // A post-quantum key this runtime cannot verify: no policy allows a PQC algorithm anyway.
  RUNTIME_NO_PQC_SUPPORT: "algorithm_not_allowed",
  // An attestation certificate chain that does not lead to a trusted root.
  CERTIFICATE_PATH_VERIFICATION_FAILED: "attestation_refused",
};
const NAME_REASONS: Readonly<Record<string, WebAuthnFailureReason>> = {
  UnexpectedRPIDHash: "wrong_rp_id",
};

function lookup(table: Readonly<Record<string, WebAuthnFailureReason>>, key: unknown): WebAuthnFailureReason | undefined {
  return typeof key === "string" && Object.hasOwn(table, key) ? table[key] : undefined;
}

export function reasonForLibraryError(error: unknown): { reason: WebAuthnFailureReason; detail: string } {
  if (!(error instanceof Error)) return { reason: "malformed", detail: "non-error thrown while verifying" };
  // A TypeError or RangeError is the library stumbling on bytes of the wrong shape (a CBOR string where a map was
  // expected, a buffer too short), before any check could name a reason: whatever its message says, it is malformed.
  if (error instanceof TypeError || error instanceof RangeError) return { reason: "malformed", detail: error.message };
  const marked = lookup(CODE_REASONS, (error as { code?: unknown }).code) ?? lookup(NAME_REASONS, error.name);
  if (marked) return { reason: marked, detail: error.message };
  for (const [pattern, reason] of MESSAGE_REASONS) {
    if (pattern.test(error.message)) return { reason, detail: error.message };
  }
  return { reason: "malformed", detail: error.message };
}
