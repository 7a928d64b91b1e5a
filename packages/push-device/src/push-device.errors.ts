// Errors of the reference push device: a stable code from a closed union, a message that never contains key material,
// the enrollment token or a signature.

export type PushDeviceErrorCode =
  /** The enrollment link is not a valid mfachain-push:// link. */
  | "invalid_link"
  /** An argument (device name, number, challenge id …) is outside its type. */
  | "invalid_input"
  /** Enrolling would overwrite an existing key file. */
  | "key_file_exists"
  /** The key file is missing, unreadable or not a key file of this format. */
  | "key_file_invalid"
  /** The key file can be read by other users (its mode must be 0600). */
  | "key_file_insecure"
  /** The server could not be reached, or did not answer in time. */
  | "network"
  /** The server answered with an error (its status and problem details are kept). */
  | "server_refused"
  /** The server's answer is not what the protocol says. */
  | "invalid_response"
  /** No pending challenge has this id. */
  | "challenge_not_found"
  /** The number is not one of the three the challenge offers. */
  | "number_not_offered";

export class PushDeviceError extends Error {
  override readonly name = "PushDeviceError";

  constructor(
    readonly code: PushDeviceErrorCode,
    message: string,
    readonly details: { readonly status?: number; readonly problem?: unknown; readonly cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}
