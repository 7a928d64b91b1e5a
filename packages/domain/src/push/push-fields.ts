// The field types of mfa-chain's push protocol and their validation. Every value that goes into a signed canonical
// string or an enrollment link is checked here, so that no value can contain the separators of either encoding.

/** The signature algorithms a push device may use: ECDSA P-256 with SHA-256, or Ed25519. */
export const PUSH_ALGORITHMS = ["ES256", "Ed25519"] as const;
export type PushAlgorithm = (typeof PUSH_ALGORITHMS)[number];

export type PushDecision = "approve" | "deny";
export const PUSH_DECISIONS: readonly PushDecision[] = ["approve", "deny"];

/** Tenant, user, attempt, challenge and credential (device) ids: 1–128 visible ASCII characters, no spaces or slashes. */
export const PUSH_ID_PATTERN = /^[A-Za-z0-9._@:+=-]{1,128}$/;
/** The one-time enrollment token and the poll nonce: base64url without padding, at least 128 bits (22 characters). */
export const PUSH_TOKEN_MIN_CHARS = 22;
export const PUSH_TOKEN_MAX_CHARS = 128;
/** A public key (SPKI DER, base64url): a P-256 SPKI is 91 bytes, an Ed25519 SPKI 44; room for raw forms too. */
export const PUSH_PUBLIC_KEY_MAX_CHARS = 256;
/** A device name or an account label: 1–64 code points of display text. */
export const PUSH_DISPLAY_TEXT_MAX = 64;

export const isPushId = (value: unknown): value is string => typeof value === "string" && PUSH_ID_PATTERN.test(value);

const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const BASE64URL_TEXT = /^[A-Za-z0-9_-]+$/;

/**
 * Base64url without padding, in its canonical form: the unused low bits of the last character are zero, so that one
 * byte string has exactly one text (two texts for one key would be two signed strings for one message).
 */
export function isCanonicalBase64Url(value: unknown): value is string {
  if (typeof value !== "string" || !BASE64URL_TEXT.test(value) || value.length % 4 === 1) return false;
  const last = BASE64URL_ALPHABET.indexOf(value[value.length - 1] ?? "");
  if (value.length % 4 === 2) return last % 16 === 0;
  if (value.length % 4 === 3) return last % 4 === 0;
  return true;
}

/** An enrollment token or a nonce: canonical base64url of at least 128 bits. */
export const isPushToken = (value: unknown): value is string =>
  isCanonicalBase64Url(value) && value.length >= PUSH_TOKEN_MIN_CHARS && value.length <= PUSH_TOKEN_MAX_CHARS;

export const isPushPublicKeyText = (value: unknown): value is string =>
  isCanonicalBase64Url(value) && value.length <= PUSH_PUBLIC_KEY_MAX_CHARS;

export const isPushAlgorithm = (value: unknown): value is PushAlgorithm =>
  typeof value === "string" && (PUSH_ALGORITHMS as readonly string[]).includes(value);

export const isPushDecision = (value: unknown): value is PushDecision =>
  typeof value === "string" && (PUSH_DECISIONS as readonly string[]).includes(value);

/**
 * Control characters (line breaks included), format characters (bidi overrides that would let a name display as
 * another), lone surrogates (not UTF-8 encodable), line and paragraph separators.
 */
const FORBIDDEN_IN_TEXT = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/**
 * Display text (a device name, an account label): 1–64 code points, in Unicode NFC (the signed bytes are the bytes
 * sent: nothing is normalized on the way), without leading or trailing white space and without the characters above.
 */
export function isPushDisplayText(value: unknown): value is string {
  if (typeof value !== "string" || value.length === 0) return false;
  const codePoints = [...value].length;
  return (
    codePoints <= PUSH_DISPLAY_TEXT_MAX && !FORBIDDEN_IN_TEXT.test(value) && value.trim() === value && value.normalize("NFC") === value
  );
}

/** An instant in the protocol: a non-negative integer count of epoch milliseconds, written in decimal. */
export const isPushInstant = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
