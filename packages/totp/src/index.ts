// @mfa-chain/totp — TOTP/HOTP for mfa-chain, usable on its own: secrets, codes, verification with a replay guard,
// otpauth:// URIs and QR codes. Depends on no other workspace package.
export type {
  HotpOptions,
  HotpVerifyInput,
  KeyUriInput,
  OtpAlgorithm,
  OtpDigits,
  OtpGenerator,
  OtpMatch,
  OtpProvisioner,
  OtpVerifier,
  QrImages,
  TotpOptions,
  TotpPeriod,
  TotpVerifyInput,
} from "./otp.types.js";
export { OTP_ALGORITHMS, OTP_DIGITS, TOTP_PERIODS } from "./otp.types.js";
export { Base32Error, KeyUriError, OtpError } from "./otp.errors.js";
export type { Base32ErrorCode, KeyUriErrorCode, OtpErrorCode } from "./otp.errors.js";
export { decodeBase32, encodeBase32, generateSecret, MAX_SECRET_BYTES, MIN_SECRET_BYTES, SECRET_BYTES } from "./secret.js";
export { isAsciiDigits } from "./code-shape.js";
export { DEFAULT_HOTP_RESYNC_WINDOW, generateHotp, MAX_HOTP_LOOK_AHEAD, MAX_HOTP_RESYNC_WINDOW, resyncHotp, verifyHotp } from "./hotp.js";
export type { HotpResync, HotpResyncInput } from "./otp.types.js";
export { generateTotp, timeStepAt, verifyTotp } from "./totp.js";
export { buildKeyUri, MAX_KEY_URI_LENGTH, parseKeyUri } from "./key-uri.js";
export type { KeyUriParams, ParsedKeyUri, ParseKeyUriOptions } from "./key-uri.js";
export { qrCode } from "./qr-code.js";
export { NodeOtp, otp } from "./node-otp.js";
