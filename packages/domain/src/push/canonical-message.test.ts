import { describe, expect, it } from "vitest";
import {
  canonicalPushMessage,
  parsePushMessage,
  type PushAnswer,
  type PushEnrollmentProof,
  type PushMessage,
  type PushPollRequest,
} from "./canonical-message.js";

const TOKEN = "q83vEjRWeJCrze8SNFZ4kA";
const NONCE = "AAECAwQFBgcICQoLDA0ODw";

const enroll: PushEnrollmentProof = {
  type: "enroll",
  enrollmentToken: TOKEN,
  tenantId: "acme",
  userId: "alice@example.com",
  credentialId: "cred_01",
  algorithm: "Ed25519",
  publicKey: "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE",
  deviceName: "Zoë’s phone",
};
const poll: PushPollRequest = { type: "poll", tenantId: "acme", deviceId: "cred_01", timestamp: 1735689600000, nonce: NONCE };
const approve: PushAnswer = {
  type: "answer",
  tenantId: "acme",
  userId: "alice@example.com",
  attemptId: "att_9",
  challengeId: "ch_7",
  decision: "approve",
  number: 42,
  notMe: false,
};
const deny: PushAnswer = { ...approve, decision: "deny", number: null, notMe: true };

const encode = (m: PushMessage): string => {
  const r = canonicalPushMessage(m);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe("canonical push strings", () => {
  it("writes an enrollment proof byte by byte (the example of docs/push-protocol.md)", () => {
    expect(encode(enroll)).toBe(
      "mfa-chain-push-v1\nenroll\n" +
        `token=${TOKEN}\ntenant=acme\nuser=alice@example.com\ncredential=cred_01\nalgorithm=Ed25519\n` +
        "public-key=MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE\ndevice-name=Zoë’s phone\n",
    );
  });

  it("writes a poll and both kinds of answer", () => {
    expect(encode(poll)).toBe(`mfa-chain-push-v1\npoll\ntenant=acme\ndevice=cred_01\ntimestamp=1735689600000\nnonce=${NONCE}\n`);
    expect(encode(approve)).toBe(
      "mfa-chain-push-v1\nanswer\ntenant=acme\nuser=alice@example.com\nattempt=att_9\nchallenge=ch_7\ndecision=approve\nnumber=42\nnot-me=false\n",
    );
    expect(encode(deny)).toBe(
      "mfa-chain-push-v1\nanswer\ntenant=acme\nuser=alice@example.com\nattempt=att_9\nchallenge=ch_7\ndecision=deny\nnumber=\nnot-me=true\n",
    );
  });

  it("reads back what it writes", () => {
    for (const m of [enroll, poll, approve, deny]) expect(parsePushMessage(encode(m))).toEqual({ ok: true, value: m });
  });

  it.each([
    ["a line break in a device name", { ...enroll, deviceName: "phone\nuser=mallory" }, "device-name"],
    ["a carriage return", { ...enroll, deviceName: "phone\r" }, "device-name"],
    ["a bidi override", { ...enroll, deviceName: "phone\u202e" }, "device-name"],
    ["a lone surrogate", { ...enroll, deviceName: "phone\ud800" }, "device-name"],
    ["surrounding spaces", { ...enroll, deviceName: " phone" }, "device-name"],
    ["a non-NFC name", { ...enroll, deviceName: "Zoe\u0308" }, "device-name"],
    ["a 65-character name", { ...enroll, deviceName: "x".repeat(65) }, "device-name"],
    ["an empty name", { ...enroll, deviceName: "" }, "device-name"],
    ["a short token (< 128 bits)", { ...enroll, enrollmentToken: "q83vEjRWeJCrze8SNFZ4k" }, "token"],
    ["a padded token", { ...enroll, enrollmentToken: `${TOKEN}==` }, "token"],
    ["a non-canonical base64url token", { ...enroll, enrollmentToken: "q83vEjRWeJCrze8SNFZ4kB" }, "token"],
    ["an unknown algorithm", { ...enroll, algorithm: "RS256" }, "algorithm"],
    ["a key in standard base64", { ...enroll, publicKey: "MCowBQYDK2VwAyEA+b9E/WmE" }, "public-key"],
    ["a slash in an id", { ...poll, tenantId: "a/b" }, "tenant"],
    ["an empty id", { ...poll, deviceId: "" }, "device"],
    ["a 129-character id", { ...approve, challengeId: "c".repeat(129) }, "challenge"],
    ["a fractional timestamp", { ...poll, timestamp: 1.5 }, "timestamp"],
    ["a negative timestamp", { ...poll, timestamp: -1 }, "timestamp"],
    ["a number below 10", { ...approve, number: 7 }, "number"],
    ["a number above 99", { ...approve, number: 100 }, "number"],
    ["a missing field", { ...approve, decision: undefined }, "decision"],
    ["a string not-me", { ...deny, notMe: "true" }, "not-me"],
  ])("refuses %s", (_what, message, field) => {
    const r = canonicalPushMessage(message as unknown as PushMessage);
    expect(r).toMatchObject({ ok: false, error: { code: "invalid_field", field } });
  });

  it.each([
    ["an approve without a number", { ...approve, number: null }],
    ["a deny with a number", { ...deny, number: 42 }],
    ['an approve marked "not me"', { ...approve, notMe: true }],
  ])("refuses %s", (_what, message) => {
    expect(canonicalPushMessage(message)).toMatchObject({ ok: false, error: { code: "inconsistent_fields" } });
  });

  it.each([
    ["another version", encode(poll).replace("v1", "v2")],
    ["no final line break", encode(poll).slice(0, -1)],
    ["an extra line", `${encode(poll)}extra=1\n`],
    ["fields out of order", "mfa-chain-push-v1\npoll\ndevice=cred_01\ntenant=acme\ntimestamp=1\nnonce=" + NONCE + "\n"],
    ["an unknown type", encode(poll).replace("\npoll\n", "\nping\n")],
    ["a CRLF string", encode(poll).replaceAll("\n", "\r\n")],
    ["a leading zero in a timestamp", encode(poll).replace("timestamp=1", "timestamp=01")],
  ])("parses nothing from %s", (_what, text) => {
    expect(parsePushMessage(text).ok).toBe(false);
  });

  it("keeps the types apart: a poll string is never read as an answer", () => {
    const r = parsePushMessage(encode(poll));
    expect(r.ok && r.value.type).toBe("poll");
  });
});
