// Errors of the crypto adapters: a stable code from a closed union, a message that names no key material.

export type CryptoErrorCode =
  /** The keyring configuration is missing, empty or malformed. */
  | "keyring_invalid"
  /** A sealed secret names a key id this keyring does not hold. */
  | "unknown_key"
  /** A sealed secret is too short or of an unknown layout version. */
  | "malformed_ciphertext"
  /** The tag did not verify: tampered, or bound to another tenant, user or credential, or sealed by another key. */
  | "authentication_failed"
  /** A keyed hasher was configured with an unusable key. */
  | "hasher_key_invalid";

export class CryptoError extends Error {
  override readonly name = "CryptoError";

  constructor(
    readonly code: CryptoErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
