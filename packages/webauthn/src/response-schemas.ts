// The shape of the browser's RegistrationResponseJSON and AuthenticationResponseJSON, checked before any byte is
// decoded: untrusted input that does not fit becomes "malformed", never an exception. Lengths are bounded so that a
// hostile body cannot make the adapter decode megabytes.
import { z } from "zod";
import type { WebAuthnTransport } from "@mfa-chain/application";

/** Unpadded base64url, as browsers produce it (WebAuthn L3 toJSON). */
const base64url = (maxChars: number) =>
  z
    .string()
    .min(1)
    .max(maxChars)
    .regex(/^[A-Za-z0-9_-]+$/, "not unpadded base64url");

/** A credential id is at most 1023 bytes (WebAuthn L3 §5.8.3 … credentialIdLength ≤ 1023): 1364 base64url chars. */
const credentialId = base64url(1364);

const KNOWN_TRANSPORTS: readonly WebAuthnTransport[] = ["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"];

/** Unknown transports are dropped, not refused: browsers add new ones, and they are only hints. */
const transports = z
  .array(z.string().max(32))
  .max(16)
  .optional()
  .transform((list) => (list ?? []).filter((t): t is WebAuthnTransport => (KNOWN_TRANSPORTS as readonly string[]).includes(t)));

const credentialEnvelope = {
  id: credentialId,
  rawId: credentialId,
  type: z.literal("public-key"),
};

export const registrationResponseSchema = z.object({
  ...credentialEnvelope,
  response: z.object({
    clientDataJSON: base64url(8192),
    // Attestation statements carry certificate chains: a few KiB each, 128 KiB is far above any real one.
    attestationObject: base64url(131_072),
    transports,
  }),
});

export const authenticationResponseSchema = z.object({
  ...credentialEnvelope,
  response: z.object({
    clientDataJSON: base64url(8192),
    authenticatorData: base64url(8192),
    signature: base64url(2048),
    // A user handle is at most 64 bytes: 86 base64url chars.
    userHandle: base64url(86).nullish(),
  }),
});

export type RegistrationResponseShape = z.output<typeof registrationResponseSchema>;
export type AuthenticationResponseShape = z.output<typeof authenticationResponseSchema>;

/** "path: message" of the first issue, for a failure's detail; never the offending value. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid response";
  const path = issue.path.length > 0 ? issue.path.join(".") : "(root)";
  return `${path}: ${issue.message}`;
}
