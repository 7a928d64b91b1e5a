// Properties of the canonical encoding: it reads back exactly (so it is injective: two different messages never give
// the same string), and anything that is not a canonical string parses to a typed error, never to a throw.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalPushMessage, parsePushMessage, type PushMessage } from "./canonical-message.js";

const ID_CHARS = "ABCXYZabcxyz0189._@:+=-".split("");
const B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split("");

const idArb = fc.string({ unit: fc.constantFrom(...ID_CHARS), minLength: 1, maxLength: 12 });
/** Canonical base64url of n bytes. */
const b64Arb = (minBytes: number, maxBytes: number) =>
  fc.uint8Array({ minLength: minBytes, maxLength: maxBytes }).map((bytes) => {
    let bits = "";
    for (const b of bytes) bits += b.toString(2).padStart(8, "0");
    let out = "";
    for (let i = 0; i < bits.length; i += 6) out += B64_CHARS[parseInt(bits.slice(i, i + 6).padEnd(6, "0"), 2)];
    return out;
  });
const nameArb = fc
  .string({ unit: fc.constantFrom("a", "Z", "é", "’", " ", "=", "😀", "中", "-", ":"), minLength: 1, maxLength: 20 })
  .filter((s) => s.trim() === s && s.length > 0);

const messageArb: fc.Arbitrary<PushMessage> = fc.oneof(
  fc.record({
    type: fc.constant("enroll" as const),
    enrollmentToken: b64Arb(16, 40),
    tenantId: idArb,
    userId: idArb,
    credentialId: idArb,
    algorithm: fc.constantFrom("ES256" as const, "Ed25519" as const),
    publicKey: b64Arb(1, 100),
    deviceName: nameArb,
  }),
  fc.record({
    type: fc.constant("poll" as const),
    tenantId: idArb,
    deviceId: idArb,
    timestamp: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    nonce: b64Arb(16, 40),
  }),
  fc
    .record({
      tenantId: idArb,
      userId: idArb,
      attemptId: idArb,
      challengeId: idArb,
      approve: fc.boolean(),
      number: fc.integer({ min: 10, max: 99 }),
      notMe: fc.boolean(),
    })
    .map(({ approve, number, notMe, ...ids }) => ({
      type: "answer" as const,
      ...ids,
      decision: approve ? ("approve" as const) : ("deny" as const),
      number: approve ? number : null,
      notMe: approve ? false : notMe,
    })),
);

const encode = (m: PushMessage): string => {
  const r = canonicalPushMessage(m);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

describe("canonical push strings (properties)", () => {
  it("every valid message encodes and reads back to itself", () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(parsePushMessage(encode(m))).toEqual({ ok: true, value: m });
      }),
      {
        numRuns: 2000,
      },
    );
  });

  it("two different messages never give the same string", () => {
    fc.assert(
      fc.property(messageArb, messageArb, (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        expect(encode(a)).not.toBe(encode(b));
      }),
      { numRuns: 2000 },
    );
  });

  it("a message differing in one field gives a different string (near misses)", () => {
    fc.assert(
      fc.property(messageArb, idArb, (m, other) => {
        const changed = { ...m, tenantId: other };
        fc.pre(other !== m.tenantId);
        expect(encode(changed)).not.toBe(encode(m));
      }),
    );
  });

  it("garbage parses to a typed error, never a throw", () => {
    const garbage = fc.oneof(
      fc.string({ maxLength: 300 }),
      messageArb.chain((m) =>
        fc.tuple(fc.nat({ max: encode(m).length }), fc.string({ maxLength: 3 })).map(([at, ins]) => {
          const s = encode(m);
          return s.slice(0, at) + ins + s.slice(at);
        }),
      ),
    );
    fc.assert(
      fc.property(garbage, (text) => {
        const r = parsePushMessage(text);
        // Whatever parses must be the exact canonical string of what it parsed to: no second spelling of a message.
        if (r.ok) expect(encode(r.value)).toBe(text);
        else expect(["invalid_field", "inconsistent_fields", "malformed_message"]).toContain(r.error.code);
      }),
      { numRuns: 2000 },
    );
  });
});
