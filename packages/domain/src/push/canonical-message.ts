// The canonical strings a push device signs and the server checks. Versioned and unambiguous: a fixed first line,
// the message type, then the type's fields, always all of them, in a fixed order, one `name=value` line each, every line
// ending in "\n". No value can contain "\n" (each field is validated), so a string splits back into exactly one
// message: two different messages never give the same string, and a string of one type is never one of another.
// Signed as UTF-8 bytes (only a device name may be non-ASCII). docs/push-protocol.md shows every message byte by byte.
import { err, ok, type Result } from "../shared/result.js";
import type { Instant } from "../shared/time.js";
import { isPushNumber } from "./number-matching.js";
import {
  isPushAlgorithm,
  isPushDecision,
  isPushDisplayText,
  isPushId,
  isPushInstant,
  isPushPublicKeyText,
  isPushToken,
  type PushAlgorithm,
  type PushDecision,
} from "./push-fields.js";

/** The first line of every canonical string. A new version gets a new first line; a verifier accepts only its own. */
export const PUSH_PROTOCOL_VERSION = "mfa-chain-push-v1";

/** The device proves it holds the key it enrolls, by signing the one-time enrollment token it was given. */
export interface PushEnrollmentProof {
  readonly type: "enroll";
  readonly enrollmentToken: string;
  readonly tenantId: string;
  readonly userId: string;
  /** The push credential (factor) being enrolled; the device id from then on. */
  readonly credentialId: string;
  readonly algorithm: PushAlgorithm;
  /** The device's public key: base64url (no padding) of its SPKI DER. */
  readonly publicKey: string;
  readonly deviceName: string;
}

/** A device asks for its pending challenges; the nonce is remembered so that the signed poll cannot be replayed. */
export interface PushPollRequest {
  readonly type: "poll";
  readonly tenantId: string;
  readonly deviceId: string;
  /** The device's clock, epoch milliseconds; within ±60 s of the server's. */
  readonly timestamp: Instant;
  /** At least 128 random bits, base64url. */
  readonly nonce: string;
}

/** The device's answer to one challenge. */
export interface PushAnswer {
  readonly type: "answer";
  readonly tenantId: string;
  readonly userId: string;
  readonly attemptId: string;
  readonly challengeId: string;
  readonly decision: PushDecision;
  /** The number the user chose: 10–99 on approve, null on deny. */
  readonly number: number | null;
  /** "This was not me": only on deny. */
  readonly notMe: boolean;
}

export type PushMessage = PushEnrollmentProof | PushPollRequest | PushAnswer;
export type PushMessageType = PushMessage["type"];

export type PushMessageErrorCode =
  /** A field is missing or its value is not of its type (the message names the field and what it expects). */
  | "invalid_field"
  /** The fields are each valid but do not fit together (e.g. a deny with a number). */
  | "inconsistent_fields"
  /** The text is not a canonical string of this version (parse only). */
  | "malformed_message";

export interface PushMessageError {
  readonly code: PushMessageErrorCode;
  /** The field concerned, when there is one. */
  readonly field?: string;
  readonly message: string;
}

// ------------------------------------------------------------------------------------------------------ field table
interface FieldCodec {
  /** The name on the wire, `name=` at the start of the line. */
  readonly name: string;
  readonly expected: string;
  /** The text of a valid value, or undefined. */
  encode(value: unknown): string | undefined;
  /** The value of a valid text, or undefined. */
  decode(text: string): unknown;
}

const text = (name: string, expected: string, valid: (v: unknown) => boolean): FieldCodec => ({
  name,
  expected,
  encode: (v) => (valid(v) ? (v as string) : undefined),
  decode: (t) => (valid(t) ? t : undefined),
});

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const instant = (name: string): FieldCodec => ({
  name,
  expected: "epoch milliseconds, a non-negative integer",
  encode: (v) => (isPushInstant(v) ? String(v) : undefined),
  decode: (t) => (DECIMAL.test(t) && isPushInstant(Number(t)) ? Number(t) : undefined),
});

const id = (name: string) => text(name, "1–128 characters of A–Z a–z 0–9 . _ @ : + = -", isPushId);
const token = (name: string) => text(name, "canonical base64url of 22–128 characters (≥128 bits)", isPushToken);

/** Field name on the wire → property of the message; a table per type, in wire order. */
const FIELDS: { readonly [T in PushMessageType]: readonly (readonly [keyof Extract<PushMessage, { type: T }>, FieldCodec])[] } = {
  enroll: [
    ["enrollmentToken", token("token")],
    ["tenantId", id("tenant")],
    ["userId", id("user")],
    ["credentialId", id("credential")],
    ["algorithm", text("algorithm", "ES256 or Ed25519", isPushAlgorithm)],
    ["publicKey", text("public-key", "canonical base64url of at most 256 characters", isPushPublicKeyText)],
    ["deviceName", text("device-name", "1–64 characters of NFC display text, no control characters", isPushDisplayText)],
  ],
  poll: [
    ["tenantId", id("tenant")],
    ["deviceId", id("device")],
    ["timestamp", instant("timestamp")],
    ["nonce", token("nonce")],
  ],
  answer: [
    ["tenantId", id("tenant")],
    ["userId", id("user")],
    ["attemptId", id("attempt")],
    ["challengeId", id("challenge")],
    ["decision", text("decision", "approve or deny", isPushDecision)],
    [
      "number",
      {
        name: "number",
        expected: "two digits 10–99 (approve), empty (deny)",
        encode: (v) => (v === null ? "" : isPushNumber(v) ? String(v) : undefined),
        decode: (t) => (t === "" ? null : /^[1-9][0-9]$/.test(t) ? Number(t) : undefined),
      },
    ],
    [
      "notMe",
      {
        name: "not-me",
        expected: "true or false",
        encode: (v) => (v === true ? "true" : v === false ? "false" : undefined),
        decode: (t) => (t === "true" ? true : t === "false" ? false : undefined),
      },
    ],
  ],
};

const TYPES = Object.keys(FIELDS) as PushMessageType[];

/** Rules across fields, checked when encoding and when parsing. */
function checkConsistency(message: PushMessage): PushMessageError | undefined {
  switch (message.type) {
    case "answer":
      if (message.decision === "approve" && message.number === null) {
        return { code: "inconsistent_fields", field: "number", message: "an approve must carry the chosen number" };
      }
      if (message.decision === "deny" && message.number !== null) {
        return { code: "inconsistent_fields", field: "number", message: "a deny carries no number" };
      }
      if (message.decision === "approve" && message.notMe) {
        return { code: "inconsistent_fields", field: "not-me", message: '"not me" marks a deny only' };
      }
      return undefined;
    case "enroll":
    case "poll":
      return undefined;
  }
}

// ------------------------------------------------------------------------------------------------------ encode/parse
/** The canonical string of a message, or why a field cannot be signed. */
export function canonicalPushMessage(message: PushMessage): Result<string, PushMessageError> {
  const fields = FIELDS[message.type] as readonly (readonly [string, FieldCodec])[] | undefined;
  if (fields === undefined) return err({ code: "invalid_field", field: "type", message: `unknown message type` });
  let out = `${PUSH_PROTOCOL_VERSION}\n${message.type}\n`;
  for (const [property, codec] of fields) {
    const value = codec.encode((message as unknown as Record<string, unknown>)[property]);
    if (value === undefined) {
      return err({ code: "invalid_field", field: codec.name, message: `${codec.name}: expected ${codec.expected}` });
    }
    out += `${codec.name}=${value}\n`;
  }
  const inconsistent = checkConsistency(message);
  return inconsistent === undefined ? ok(out) : err(inconsistent);
}

/** The message a canonical string encodes: the inverse of canonicalPushMessage (for devices, tools and tests). */
export function parsePushMessage(canonical: string): Result<PushMessage, PushMessageError> {
  const malformed = (message: string) => err<PushMessageError>({ code: "malformed_message", message });
  if (!canonical.endsWith("\n")) return malformed("a canonical string ends with a line break");
  const lines = canonical.slice(0, -1).split("\n");
  const [version, type, ...rest] = lines;
  if (version !== PUSH_PROTOCOL_VERSION) return malformed(`the first line must be ${PUSH_PROTOCOL_VERSION}`);
  const kind = TYPES.find((t) => t === type);
  if (kind === undefined) return malformed(`the second line must be one of ${TYPES.join(", ")}`);
  const fields = FIELDS[kind] as readonly (readonly [string, FieldCodec])[];
  if (rest.length !== fields.length) return malformed(`a ${kind} message has ${fields.length} fields, got ${rest.length}`);
  const message: Record<string, unknown> = { type: kind };
  for (const [i, [property, codec]] of fields.entries()) {
    const line = rest[i] ?? "";
    if (!line.startsWith(`${codec.name}=`)) return malformed(`line ${i + 3} must be ${codec.name}=…`);
    const value = codec.decode(line.slice(codec.name.length + 1));
    if (value === undefined) {
      return err({ code: "invalid_field", field: codec.name, message: `${codec.name}: expected ${codec.expected}` });
    }
    message[property] = value;
  }
  const inconsistent = checkConsistency(message as unknown as PushMessage);
  return inconsistent === undefined ? ok(message as unknown as PushMessage) : err(inconsistent);
}
