// WebAuthn (SPEC §3, S21–S24): a security key or passkey registered at enrollment and asked for a signed assertion at a
// step. The policy slot's options are read and checked here (the server decides, whatever the browser was asked); a
// submission is the browser's JSON (AuthenticationResponseJSON or RegistrationResponseJSON) as text. The relying party
// (RP id, origins) is per tenant and checked here when it is written.
import { checkKeys, describe, isObject, join, readChoice } from "../policy/read.js";
import type { DomainKind } from "./kind.js";

export const WEBAUTHN_REQUIREMENTS = ["required", "preferred", "discouraged"] as const;
export type WebAuthnRequirementOption = (typeof WEBAUTHN_REQUIREMENTS)[number];
export const WEBAUTHN_ALGORITHM_NAMES = ["ES256", "EdDSA", "RS256"] as const;
export type WebAuthnAlgorithmName = (typeof WEBAUTHN_ALGORITHM_NAMES)[number];
export const WEBAUTHN_ATTACHMENTS = ["platform", "cross-platform"] as const;

export interface WebAuthnOptions {
  readonly userVerification: WebAuthnRequirementOption;
  readonly residentKey: WebAuthnRequirementOption;
  readonly attestation: "none" | "direct";
  /** Non-empty, no repeats, in order of preference. */
  readonly algorithms: readonly WebAuthnAlgorithmName[];
  readonly authenticatorAttachment?: "platform" | "cross-platform";
}

export interface WebAuthnParams extends WebAuthnOptions {
  readonly type: "webauthn";
}

/** The largest submission (the browser's JSON as text) looked at; a real one is a few hundred bytes to a few KiB. */
export const WEBAUTHN_RESPONSE_MAX_LENGTH = 32_768;

const OPTION_KEYS = ["userVerification", "residentKey", "attestation", "algorithms", "authenticatorAttachment"] as const;

export const webauthn: DomainKind<"webauthn", WebAuthnOptions, WebAuthnParams> = {
  type: "webauthn",
  optionKeys: OPTION_KEYS,
  readOptions({ raw, at, issues }) {
    const before = issues.list.length;
    checkKeys(raw, at, OPTION_KEYS, issues);
    const userVerification = readChoice(raw, "userVerification", at, issues, WEBAUTHN_REQUIREMENTS, "preferred");
    const residentKey = readChoice(raw, "residentKey", at, issues, WEBAUTHN_REQUIREMENTS, "preferred");
    const attestation = readChoice(raw, "attestation", at, issues, ["none", "direct"] as const, "none");
    const algorithms = readAlgorithms(raw.algorithms, join(at, "algorithms"), issues);
    const attachment = raw.authenticatorAttachment;
    let authenticatorAttachment: "platform" | "cross-platform" | undefined;
    if (attachment !== undefined) authenticatorAttachment = readChoice(raw, "authenticatorAttachment", at, issues, WEBAUTHN_ATTACHMENTS);
    if (issues.list.length > before || !userVerification || !residentKey || !attestation || !algorithms) return undefined;
    return {
      userVerification,
      residentKey,
      attestation,
      algorithms,
      ...(authenticatorAttachment === undefined ? {} : { authenticatorAttachment }),
    };
  },
  paramsOf: (o) => ({ type: "webauthn", ...o }),
  // A credential registered when user verification was not required cannot pass a step that now requires it (its
  // assertions are checked with the params it was registered under). Its algorithm was checked at registration.
  sameParams: (have, want) => want.userVerification !== "required" || have.userVerification === "required",
  isWellFormed: (code) => isWebAuthnResponseText(code),
};

/** A submission worth handing to the ceremony: a JSON object, not larger than a real response can be. */
export function isWebAuthnResponseText(code: string): boolean {
  if (code.length === 0 || code.length > WEBAUTHN_RESPONSE_MAX_LENGTH || code[0] !== "{") return false;
  try {
    return isObject(JSON.parse(code));
  } catch {
    return false;
  }
}

function readAlgorithms(v: unknown, at: string, issues: { add(path: string, message: string): void }) {
  if (v === undefined) return ["ES256", "EdDSA", "RS256"] as const;
  if (!Array.isArray(v) || v.length === 0)
    return (issues.add(at, `must be a non-empty list of ${WEBAUTHN_ALGORITHM_NAMES.join(", ")}, got ${describe(v)}`), undefined);
  const seen: WebAuthnAlgorithmName[] = [];
  for (const [i, a] of v.entries()) {
    if (!(WEBAUTHN_ALGORITHM_NAMES as readonly unknown[]).includes(a)) {
      issues.add(join(at, i), `must be one of ${WEBAUTHN_ALGORITHM_NAMES.join(", ")}, got ${describe(a)}`);
      return undefined;
    }
    if (seen.includes(a as WebAuthnAlgorithmName)) {
      issues.add(join(at, i), `${String(a)} is listed twice`);
      return undefined;
    }
    seen.push(a as WebAuthnAlgorithmName);
  }
  return seen;
}

// ------------------------------------------------------------------------------------------------ the relying party
export interface RelyingPartyConfig {
  /** The RP id: a host name (no scheme, port or path), e.g. "example.com" or "localhost". */
  readonly id: string;
  readonly name: string;
  /** Exact origins the browser reports (scheme, host, port): https, or http on localhost. Each host is the RP id or a subdomain. */
  readonly origins: readonly string[];
}

export const RELYING_PARTY_MAX_ORIGINS = 20;
const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The relying party as stored (id and origins lower-cased, no trailing slash), or every problem found. */
export function readRelyingParty(raw: {
  readonly id: string;
  readonly name: string;
  readonly origins: readonly string[];
}): { readonly ok: true; readonly value: RelyingPartyConfig } | { readonly ok: false; readonly problems: readonly string[] } {
  const problems: string[] = [];
  const id = raw.id.trim().toLowerCase();
  const labels = id.split(".");
  if (id.length === 0 || id.length > 253 || !labels.every((l) => HOST_LABEL.test(l)) || /^[0-9.]+$/.test(id))
    problems.push("id: must be a host name (letters, digits, hyphens and dots; no scheme, port, path or IP address)");
  const name = raw.name.trim();
  if (name.length === 0 || name.length > 100 || /[\u0000-\u001f\u007f]/.test(name)) problems.push("name: 1 to 100 printable characters");
  if (raw.origins.length === 0 || raw.origins.length > RELYING_PARTY_MAX_ORIGINS)
    problems.push(`origins: 1 to ${RELYING_PARTY_MAX_ORIGINS} origins`);
  const origins: string[] = [];
  raw.origins.forEach((o, i) => {
    const checked = readOrigin(o, id);
    if (typeof checked === "string" && checked.startsWith("!")) problems.push(`origins[${i}]: ${checked.slice(1)}`);
    else if (!origins.includes(checked)) origins.push(checked);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: { id, name, origins } };
}

/** scheme://host[:port], nothing after: the only shape an origin has. */
const ORIGIN = /^(https?):\/\/([^/?#@:\s]+)(?::([0-9]{1,5}))?$/i;

/** The origin in its serialized form, or "!" and why it is refused. */
function readOrigin(raw: string, rpId: string): string {
  const m = ORIGIN.exec(raw.trim());
  if (!m) {
    return /^https?:\/\/[^/?#]+[/?#]/i.test(raw.trim())
      ? "!must be an origin only: scheme, host and port, no path, query or credentials"
      : "!must be an origin like https://app.example.com";
  }
  const scheme = (m[1] ?? "").toLowerCase();
  const host = (m[2] ?? "").toLowerCase();
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (!host.split(".").every((l) => HOST_LABEL.test(l))) return "!its host must be a host name";
  if (port !== undefined && (port < 1 || port > 65535)) return "!its port must be 1 to 65535";
  if (host !== rpId && !host.endsWith(`.${rpId}`)) return `!its host must be the RP id "${rpId}" or a subdomain of it`;
  const local = host === "localhost" || host.endsWith(".localhost");
  if (scheme === "http" && !local) return "!must be https (http is allowed on localhost only)";
  const defaultPort = scheme === "https" ? 443 : 80;
  return `${scheme}://${host}${port === undefined || port === defaultPort ? "" : `:${port}`}`;
}
