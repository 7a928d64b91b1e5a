// Typed errors of this package: bad input that a caller may want to tell apart (a malformed secret, a broken
// otpauth:// URI). Each carries a stable `code` from a closed union and keeps its `cause`.

export type Base32ErrorCode = "empty" | "invalid_character" | "invalid_length" | "invalid_padding";

export type KeyUriErrorCode =
  | "invalid_uri"
  | "invalid_scheme"
  | "unsupported_type"
  | "invalid_label"
  | "invalid_issuer"
  | "issuer_mismatch"
  | "missing_secret"
  | "invalid_secret"
  | "invalid_algorithm"
  | "invalid_digits"
  | "invalid_period"
  | "missing_counter"
  | "invalid_counter"
  | "invalid_image"
  | "duplicate_parameter"
  | "unexpected_parameter"
  | "unknown_parameter"
  | "invalid_encoding";

export type OtpErrorCode = Base32ErrorCode | KeyUriErrorCode;

/** Base class: `instanceof OtpError` catches every typed error of @mfa-chain/totp. */
export abstract class OtpError extends Error {
  abstract readonly code: OtpErrorCode;
}

/** A string that is not RFC 4648 base32. */
export class Base32Error extends OtpError {
  override readonly name = "Base32Error";
  readonly code: Base32ErrorCode;

  constructor(code: Base32ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** An otpauth:// URI (or the input to build one) that does not follow the Key URI Format. */
export class KeyUriError extends OtpError {
  override readonly name = "KeyUriError";
  readonly code: KeyUriErrorCode;

  constructor(code: KeyUriErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
