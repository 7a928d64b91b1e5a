// The enrollment link a push factor's enrollment returns (and shows as a QR code): everything a device needs to enroll,
// one-time token included. Built by the server and read by the device with the same rules, strictly: an unknown, a
// repeated or a missing parameter, or a value outside its field's type, refuses the whole link.
import { err, ok, type Result } from "../shared/result.js";
import { isPushDisplayText, isPushId, isPushToken } from "./push-fields.js";

export const PUSH_ENROLLMENT_LINK_PREFIX = "mfachain-push://enroll?";
export const PUSH_ENROLLMENT_LINK_VERSION = "1";
export const PUSH_ENROLLMENT_LINK_MAX_CHARS = 2048;

export interface PushEnrollmentLink {
  /** The API's base URL, e.g. "https://mfa.example.com" (http only on a loopback host). */
  readonly apiBaseUrl: string;
  readonly tenantId: string;
  readonly userId: string;
  /** The push credential being enrolled: the device's id once enrolled. */
  readonly credentialId: string;
  /** One-time, ≥128 bits, valid 10 minutes. */
  readonly enrollmentToken: string;
  /** What the device shows for the account (e.g. "Example — alice"); optional. */
  readonly label?: string;
}

export interface PushEnrollmentLinkError {
  readonly code: "invalid_enrollment_link";
  readonly message: string;
}

const HOST = "(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])";
/** Scheme, host, optional port, optional path; no user info, query or fragment; no trailing slash. */
const BASE_URL = new RegExp(`^(https?)://(${HOST})(?::([0-9]{1,5}))?((?:/[A-Za-z0-9._~-]+)*)$`);
const LOOPBACK = /^(?:localhost|127(?:\.[0-9]{1,3}){3}|\[::1\])$/i;

/** An API base URL a device may send its key to: https, or http on a loopback host (development, tests). */
export function isPushApiBaseUrl(value: unknown): value is string {
  if (typeof value !== "string" || value.length > 512) return false;
  const m = BASE_URL.exec(value);
  if (m === null) return false;
  const [, scheme, host = "", port] = m;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return false;
  return scheme === "https" || LOOPBACK.test(host);
}

type Param = "v" | "api" | "tenant" | "user" | "credential" | "token" | "label";

/** Parameter → what it must be; in the order the link is written. */
const PARAMS: readonly (readonly [Param, string, (v: string) => boolean])[] = [
  ["v", `"${PUSH_ENROLLMENT_LINK_VERSION}"`, (v) => v === PUSH_ENROLLMENT_LINK_VERSION],
  ["api", "an https URL (http only on a loopback host), without query or fragment", isPushApiBaseUrl],
  ["tenant", "an id", isPushId],
  ["user", "an id", isPushId],
  ["credential", "an id", isPushId],
  ["token", "canonical base64url of 22–128 characters", isPushToken],
  ["label", "1–64 characters of NFC display text", isPushDisplayText],
];
const OPTIONAL: ReadonlySet<Param> = new Set(["label"]);

const invalid = (message: string) => err<PushEnrollmentLinkError>({ code: "invalid_enrollment_link", message });

function valuesOf(link: PushEnrollmentLink): Record<Param, string | undefined> {
  return {
    v: PUSH_ENROLLMENT_LINK_VERSION,
    api: link.apiBaseUrl,
    tenant: link.tenantId,
    user: link.userId,
    credential: link.credentialId,
    token: link.enrollmentToken,
    label: link.label,
  };
}

/** The link text, every value percent-encoded; refused if a value is outside its type. */
export function formatPushEnrollmentLink(link: PushEnrollmentLink): Result<string, PushEnrollmentLinkError> {
  const values = valuesOf(link);
  const parts: string[] = [];
  for (const [param, expected, valid] of PARAMS) {
    const value = values[param];
    if (value === undefined && OPTIONAL.has(param)) continue;
    if (value === undefined || !valid(value)) return invalid(`${param}: expected ${expected}`);
    parts.push(`${param}=${encodeURIComponent(value)}`);
  }
  const text = PUSH_ENROLLMENT_LINK_PREFIX + parts.join("&");
  return text.length > PUSH_ENROLLMENT_LINK_MAX_CHARS ? invalid("the link is too long") : ok(text);
}

/** The link's contents, or why it is refused (the message never repeats the token). */
export function parsePushEnrollmentLink(text: string): Result<PushEnrollmentLink, PushEnrollmentLinkError> {
  if (typeof text !== "string" || text.length > PUSH_ENROLLMENT_LINK_MAX_CHARS) return invalid("the link is too long");
  if (!text.startsWith(PUSH_ENROLLMENT_LINK_PREFIX)) return invalid(`the link must start with ${PUSH_ENROLLMENT_LINK_PREFIX}`);
  const query = text.slice(PUSH_ENROLLMENT_LINK_PREFIX.length);
  const found = new Map<string, string>();
  for (const pair of query.split("&")) {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (!PARAMS.some(([p]) => p === name)) return invalid(`unknown parameter "${name.slice(0, 32)}"`);
    if (eq < 0) return invalid(`${name}: a value is required`);
    if (found.has(name)) return invalid(`${name}: given more than once`);
    let value: string;
    try {
      value = decodeURIComponent(pair.slice(eq + 1));
    } catch {
      return invalid(`${name}: malformed percent-encoding`);
    }
    found.set(name, value);
  }
  for (const [param, expected, valid] of PARAMS) {
    const value = found.get(param);
    if (value === undefined) {
      if (OPTIONAL.has(param)) continue;
      return invalid(`${param}: missing`);
    }
    if (!valid(value)) return invalid(`${param}: expected ${expected}`);
  }
  const label = found.get("label");
  return ok({
    apiBaseUrl: found.get("api") ?? "",
    tenantId: found.get("tenant") ?? "",
    userId: found.get("user") ?? "",
    credentialId: found.get("credential") ?? "",
    enrollmentToken: found.get("token") ?? "",
    ...(label === undefined ? {} : { label }),
  });
}
