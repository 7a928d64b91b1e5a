// What webauthn factors look like on the wire: their params (the policy slot's options), what enrolling one shows
// (`publicKey`: the creation options for navigator.credentials.create), the challenge phase's answer (`publicKey`: the
// request options for navigator.credentials.get), a view's AAGUID and backup flags, and the browser's responses as the
// confirm and verify routes take them (shape and sizes checked here; the ceremony decides the rest).
import { WEBAUTHN_ALGORITHM_NAMES, WEBAUTHN_ATTACHMENTS, WEBAUTHN_REQUIREMENTS } from "@mfa-chain/domain";
import { z } from "../zod.js";
import type { ApiKind } from "./kind.js";

export const WebAuthnRequirement = z.enum(WEBAUTHN_REQUIREMENTS);
export const WebAuthnAlgorithmName = z.enum(WEBAUTHN_ALGORITHM_NAMES);

export const webauthnPolicyOptions = {
  userVerification: WebAuthnRequirement.optional().openapi({
    description: "webauthn: `required` refuses an assertion without user verification (default `preferred`).",
  }),
  residentKey: WebAuthnRequirement.optional().openapi({
    description: "webauthn: ask for a passkey (discoverable credential); default `preferred`.",
  }),
  attestation: z
    .enum(["none", "direct"])
    .optional()
    .openapi({ description: "webauthn: `direct` requires a verifying attestation statement (default `none`)." }),
  algorithms: z.array(WebAuthnAlgorithmName).min(1).max(3).optional().openapi({
    description: "webauthn: allowed algorithms in order of preference (default ES256, EdDSA, RS256); others are refused at registration.",
  }),
  authenticatorAttachment: z
    .enum(WEBAUTHN_ATTACHMENTS)
    .optional()
    .openapi({ description: "webauthn: a hint to the browser (not checkable)." }),
};

/** The options JSON handed to the browser (PublicKeyCredentialCreationOptionsJSON / RequestOptionsJSON). */
const PublicKeyOptions = z.record(z.string(), z.unknown()).openapi({
  description:
    "WebAuthn options in their standard JSON form: pass them to `PublicKeyCredential.parseCreationOptionsFromJSON` (enrollment) or `parseRequestOptionsFromJSON` (a step), or to @simplewebauthn/browser (docs/webauthn.md).",
});

const B64Url = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, "not base64url");

/** A browser's PublicKeyCredential JSON (registration or assertion): shape and sizes only. */
export const WebAuthnResponse = z
  .object({
    id: B64Url(1366).min(1),
    rawId: B64Url(1366).min(1),
    type: z.literal("public-key"),
    response: z.object({
      clientDataJSON: B64Url(4096).min(1),
      authenticatorData: B64Url(8192).optional(),
      signature: B64Url(2048).optional(),
      userHandle: B64Url(512).nullable().optional(),
      attestationObject: B64Url(12288).optional(),
      transports: z.array(z.string().max(32)).max(10).optional(),
      publicKeyAlgorithm: z.int().optional(),
      publicKey: B64Url(4096).optional(),
    }),
    clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
    authenticatorAttachment: z.enum(["platform", "cross-platform"]).nullable().optional(),
  })
  .openapi("WebAuthnResponse", {
    description: "What `credential.toJSON()` gives in the browser (RegistrationResponseJSON or AuthenticationResponseJSON).",
  });

export const webauthnApi = {
  params: z.object({
    type: z.literal("webauthn"),
    userVerification: WebAuthnRequirement,
    residentKey: WebAuthnRequirement,
    attestation: z.enum(["none", "direct"]),
    algorithms: z.array(WebAuthnAlgorithmName),
    authenticatorAttachment: z.enum(WEBAUTHN_ATTACHMENTS).optional(),
  }),
  shown: z.object({ publicKey: PublicKeyOptions }),
  view: z.object({
    aaguid: z
      .string()
      .nullable()
      .openapi({ description: "webauthn: the authenticator model's AAGUID (all zeros when not disclosed); null while pending." }),
    backupEligible: z.boolean().nullable().openapi({ description: "webauthn: the credential may be synced (a passkey)." }),
    backedUp: z.boolean().nullable().openapi({ description: "webauthn: the credential was synced at registration." }),
  }),
  challenge: z.object({ publicKey: PublicKeyOptions }),
} satisfies ApiKind<"webauthn">;
