// otpauth:// Key URIs (the Google Authenticator "Key Uri Format"): built through otplib, parsed strictly here.
//
// otplib's own parser is lenient on purpose (it keeps the first of duplicated parameters, accepts 7 digits and does
// not check the secret's base32 or the issuer prefix), and it drops `image`. An enrollment or vault import must
// instead refuse anything ambiguous with a precise, typed reason, so parsing is done below.
import { generateURI } from "otplib";
import { OTPLIB_ALGORITHM } from "./hotp.js";
import { KeyUriError } from "./otp.errors.js";
import type { KeyUriInput, OtpAlgorithm, OtpDigits } from "./otp.types.js";
import { decodeBase32, encodeBase32, MAX_SECRET_BYTES, MIN_SECRET_BYTES } from "./secret.js";

/** Longer URIs do not fit in a QR code anyway. */
export const MAX_KEY_URI_LENGTH = 4096;

/** Everything a Key URI can carry: {@link KeyUriInput} plus an optional logo `image` and any positive TOTP period. */
export interface KeyUriParams extends Omit<KeyUriInput, "period"> {
  /** TOTP only, seconds (default 30). */
  readonly period?: number;
  /** An http(s) URL of a logo, shown by some authenticator apps (FreeOTP). */
  readonly image?: string;
}

/** A parsed Key URI with every default filled in: `period` for TOTP, `counter` for HOTP, never both. */
export interface ParsedKeyUri {
  readonly type: "totp" | "hotp";
  readonly secret: Uint8Array;
  /** From the `issuer` parameter or the label prefix (they must agree when both are present); "" when neither. */
  readonly issuer: string;
  readonly accountName: string;
  readonly algorithm: OtpAlgorithm;
  readonly digits: OtpDigits;
  readonly period?: number;
  readonly counter?: number;
  readonly image?: string;
}

const ALGORITHMS = new Map<string, OtpAlgorithm>([
  ["SHA1", "SHA1"],
  ["SHA256", "SHA256"],
  ["SHA512", "SHA512"],
]);
const KNOWN_PARAMETERS = new Set(["secret", "issuer", "algorithm", "digits", "period", "counter", "image"]);

function fail(code: ConstructorParameters<typeof KeyUriError>[0], message: string, cause?: unknown): never {
  throw new KeyUriError(code, message, cause === undefined ? undefined : { cause });
}

function checkSecretLength(secret: Uint8Array): void {
  if (secret.length < MIN_SECRET_BYTES || secret.length > MAX_SECRET_BYTES) {
    fail("invalid_secret", `secret: expected ${MIN_SECRET_BYTES}–${MAX_SECRET_BYTES} bytes, got ${secret.length}`);
  }
}

function checkImage(image: string): void {
  let url: URL;
  try {
    url = new URL(image);
  } catch (cause) {
    fail("invalid_image", `image: expected an absolute http(s) URL, got ${JSON.stringify(image)}`, cause);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    fail("invalid_image", `image: expected an http(s) URL, got the scheme ${JSON.stringify(url.protocol)}`);
  }
}

function checkName(field: "issuer" | "accountName", value: unknown): void {
  const code = field === "issuer" ? "invalid_issuer" : "invalid_label";
  if (typeof value !== "string" || value.length === 0) fail(code, `${field}: expected a non-empty string`);
  if (value.trim() !== value) fail(code, `${field}: must not start or end with whitespace, got ${JSON.stringify(value)}`);
  try {
    encodeURIComponent(value);
  } catch (cause) {
    fail(code, `${field}: not well-formed Unicode (a lone surrogate)`, cause);
  }
}

/**
 * Builds an `otpauth://totp/Issuer:account?secret=…&issuer=…` URI. The label and every parameter are
 * percent-encoded (spaces, `@`, a `:` inside the account name as `%3A`, any Unicode), so the label has exactly one
 * literal colon, the one after the issuer; the issuer appears both as the label prefix
 * and as the `issuer` parameter, so apps old and new group it right. Defaults (SHA1, 6 digits, period 30) are left
 * out, as authenticator apps expect. Throws a {@link KeyUriError} for input that could not round-trip: an empty or
 * padded issuer/account, a colon in the issuer, a secret outside 10–64 bytes, a period on HOTP or a counter on TOTP.
 */
export function buildKeyUri(input: KeyUriParams): string {
  const { type, secret, issuer, accountName, algorithm, digits } = input;
  if (type !== "totp" && type !== "hotp") fail("unsupported_type", `type: expected "totp" or "hotp", got ${JSON.stringify(type)}`);
  if (!(secret instanceof Uint8Array)) fail("invalid_secret", "secret: expected a Uint8Array of raw bytes");
  checkSecretLength(secret);
  checkName("issuer", issuer);
  // Key URI Format: the issuer may not contain a colon, or the label prefix could not be split off again.
  if (issuer.includes(":")) fail("invalid_issuer", `issuer: must not contain ":", got ${JSON.stringify(issuer)}`);
  checkName("accountName", accountName);
  if (!ALGORITHMS.has(algorithm)) fail("invalid_algorithm", `algorithm: expected SHA1, SHA256 or SHA512, got ${JSON.stringify(algorithm)}`);
  if (digits !== 6 && digits !== 8) fail("invalid_digits", `digits: expected 6 or 8, got ${String(digits)}`);
  if (input.image !== undefined) checkImage(input.image);

  const common = { issuer, label: accountName, secret: encodeBase32(secret), algorithm: OTPLIB_ALGORITHM[algorithm], digits };
  let uri: string;
  if (type === "totp") {
    if (input.counter !== undefined) fail("unexpected_parameter", "counter: only an HOTP URI has a counter");
    const period = input.period ?? 30;
    if (!Number.isSafeInteger(period) || period <= 0)
      fail("invalid_period", `period: expected a positive integer of seconds, got ${String(period)}`);
    uri = generateURI({ strategy: "totp", ...common, period });
  } else {
    if (input.period !== undefined) fail("unexpected_parameter", "period: only a TOTP URI has a period");
    const counter = input.counter ?? 0;
    if (!Number.isSafeInteger(counter) || counter < 0)
      fail("invalid_counter", `counter: expected a non-negative integer, got ${String(counter)}`);
    uri = generateURI({ strategy: "hotp", ...common, counter });
  }
  // otplib percent-encodes each colon-separated piece of the label but leaves the colons themselves literal, so an
  // account name "a:b" would come out as "Issuer:a:b". The Key Uri Format allows exactly one separator between issuer
  // and account name: the label is written here, with every colon of the account name encoded as %3A.
  uri = `otpauth://${type}/${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}${uri.slice(uri.indexOf("?"))}`;
  return input.image === undefined ? uri : `${uri}&image=${encodeURIComponent(input.image)}`;
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch (cause) {
    return fail("invalid_encoding", `${what}: invalid percent-encoding in ${JSON.stringify(part)}`, cause);
  }
}

/** How {@link parseKeyUri} treats a parameter it does not know: ignored (the default), or refused by name. */
export interface ParseKeyUriOptions {
  readonly unknownParameters?: "ignore" | "refuse";
}

/**
 * Reads the query into a map; a known parameter given twice is ambiguous and refused, unknown ones are ignored or
 * refused (`unknown_parameter`, naming it).
 */
function readParameters(query: string, refuseUnknown: boolean): Map<string, string> {
  const params = new Map<string, string>();
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const key = decode(eq === -1 ? pair : pair.slice(0, eq), "parameter name");
    if (!KNOWN_PARAMETERS.has(key)) {
      if (refuseUnknown) fail("unknown_parameter", `unknown parameter ${JSON.stringify(key.slice(0, 40))}`);
      continue;
    }
    if (params.has(key)) fail("duplicate_parameter", `${key}: given more than once`);
    params.set(key, eq === -1 ? "" : decode(pair.slice(eq + 1), key));
  }
  return params;
}

/**
 * Parses an `otpauth://` URI strictly, filling in the defaults (SHA1, 6 digits, period 30). Throws a
 * {@link KeyUriError} whose `code` names the problem: `invalid_scheme`, `unsupported_type`, `invalid_label`,
 * `missing_secret`, `invalid_secret` (bad base32 or length), `invalid_algorithm`, `invalid_digits` (not 6 or 8),
 * `invalid_period` (not a positive integer), `missing_counter` (HOTP), `issuer_mismatch` (label prefix ≠ `issuer`),
 * `duplicate_parameter`, `unexpected_parameter` (a period on HOTP, a counter on TOTP), `invalid_encoding`, … Unknown
 * parameters are ignored, or refused as `unknown_parameter` with `{ unknownParameters: "refuse" }` (a vault import, where
 * a parameter dropped silently would make wrong codes).
 */
export function parseKeyUri(uri: string, options: ParseKeyUriOptions = {}): ParsedKeyUri {
  if (typeof uri !== "string") fail("invalid_uri", "expected the URI as a string");
  if (uri.length > MAX_KEY_URI_LENGTH) fail("invalid_uri", `longer than ${MAX_KEY_URI_LENGTH} characters`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri);
  if (!scheme) fail("invalid_uri", `expected otpauth://…, got ${JSON.stringify(uri.slice(0, 40))}`);
  if ((scheme[1] as string).toLowerCase() !== "otpauth")
    fail("invalid_scheme", `expected the otpauth: scheme, got ${JSON.stringify(scheme[1])}`);
  const m = /^otpauth:\/\/([^/?#]*)\/([^?#]*)(?:\?([^#]*))?$/i.exec(uri);
  if (!m) fail("invalid_uri", "expected otpauth://TYPE/LABEL?PARAMETERS (no fragment)");
  const [, rawType = "", rawLabel = "", query = ""] = m;

  const lowerType = rawType.toLowerCase();
  const type: "totp" | "hotp" =
    lowerType === "totp" || lowerType === "hotp"
      ? lowerType
      : fail("unsupported_type", `expected totp or hotp, got ${JSON.stringify(rawType)}`);

  // Label: "Issuer:account" or "account"; the separator may be a literal or an encoded colon, spaces may follow it.
  const label = decode(rawLabel, "label");
  const colon = label.indexOf(":");
  const prefix = colon === -1 ? undefined : label.slice(0, colon);
  const accountName = (colon === -1 ? label : label.slice(colon + 1)).replace(/^ +/, "");
  if (prefix === "") fail("invalid_label", "label: empty issuer before the colon");
  if (accountName === "") fail("invalid_label", "label: empty account name");

  const params = readParameters(query, options.unknownParameters === "refuse");
  const encodedSecret = params.get("secret");
  if (encodedSecret === undefined || encodedSecret === "") fail("missing_secret", "the secret parameter is required");
  let secret: Uint8Array;
  try {
    secret = decodeBase32(encodedSecret);
  } catch (cause) {
    fail("invalid_secret", `secret: ${(cause as Error).message}`, cause);
  }
  checkSecretLength(secret);

  const issuerParam = params.get("issuer");
  if (issuerParam === "") fail("invalid_issuer", "issuer: empty");
  if (issuerParam !== undefined && prefix !== undefined && issuerParam !== prefix) {
    fail("issuer_mismatch", `the label names the issuer ${JSON.stringify(prefix)}, the issuer parameter ${JSON.stringify(issuerParam)}`);
  }
  const issuer = issuerParam ?? prefix ?? "";

  const rawAlgorithm = params.get("algorithm");
  const algorithm = rawAlgorithm === undefined ? "SHA1" : ALGORITHMS.get(rawAlgorithm.toUpperCase());
  if (algorithm === undefined) fail("invalid_algorithm", `algorithm: expected SHA1, SHA256 or SHA512, got ${JSON.stringify(rawAlgorithm)}`);

  const rawDigits = params.get("digits");
  const digits: OtpDigits | undefined = rawDigits === undefined || rawDigits === "6" ? 6 : rawDigits === "8" ? 8 : undefined;
  if (digits === undefined) fail("invalid_digits", `digits: expected 6 or 8, got ${JSON.stringify(rawDigits)}`);

  const image = params.get("image");
  if (image !== undefined) checkImage(image);

  const base = { type, secret, issuer, accountName, algorithm, digits, ...(image === undefined ? {} : { image }) };
  if (type === "totp") {
    if (params.has("counter")) fail("unexpected_parameter", "counter: a TOTP URI has no counter");
    const rawPeriod = params.get("period");
    const period = rawPeriod === undefined ? 30 : /^[1-9][0-9]*$/.test(rawPeriod) ? Number(rawPeriod) : NaN;
    if (!Number.isSafeInteger(period))
      fail("invalid_period", `period: expected a positive integer of seconds, got ${JSON.stringify(rawPeriod)}`);
    return { ...base, period };
  }
  if (params.has("period")) fail("unexpected_parameter", "period: an HOTP URI has no period");
  const rawCounter = params.get("counter");
  if (rawCounter === undefined) fail("missing_counter", "counter: required for HOTP");
  const counter = /^[0-9]+$/.test(rawCounter) ? Number(rawCounter) : NaN;
  if (!Number.isSafeInteger(counter))
    fail("invalid_counter", `counter: expected a non-negative integer, got ${JSON.stringify(rawCounter)}`);
  return { ...base, counter };
}
