/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies and mutated responses are free-form JSON the tests take apart */
// WebAuthn end to end (issue 12; S21–S24, S26, S30) over HTTP on a real PostgreSQL, with the real ceremony
// (@simplewebauthn/server behind packages/webauthn) and a software authenticator of real keys (node:crypto P-256,
// Ed25519, RSA), real authenticator data, clientDataJSON and CBOR attestation objects (packages/webauthn/test). The
// relying party is set through the API; enrollment answers creation options and the confirmation takes the browser's
// registration; a step's challenge answers request options and the verify takes the assertion.
import { FLAG, SoftwareAuthenticator, flipBit } from "@mfa-chain/webauthn/testing";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, uniqueId, type ApiClient, type Reply, type TestApi } from "./support/api.js";

const database = useTestDatabase("api_webauthn");
const RP_ID = "example.com";
const ORIGIN = "https://app.example.com";
let api: TestApi;
let admin: ApiClient;
let tenantId: string;

const keyPolicy = (id: string, options: Record<string, unknown>) => ({
  id,
  name: "A security key",
  mode: "fixed",
  requiredSteps: 1,
  factors: [{ id: "key", label: "Security key", type: "webauthn", options }],
});

beforeAll(async () => {
  api = await startTestApi(database.url);
  ({ client: admin, tenantId } = await api.tenant("admin"));
  const rp = await admin.put("/v1/admin/webauthn", { id: RP_ID, name: "Example", origins: [ORIGIN] });
  expect(rp.status).toBe(200);
  expect(
    (await admin.post("/v1/policies", keyPolicy("key", { userVerification: "required", algorithms: ["ES256", "EdDSA"] }))).status,
  ).toBe(201);
  expect((await admin.post("/v1/policies", keyPolicy("passkey", { userVerification: "preferred", residentKey: "required" }))).status).toBe(
    201,
  );
});
afterAll(async () => api?.close());

interface Enrolled {
  readonly userId: string;
  readonly credentialId: string;
  readonly auth: SoftwareAuthenticator;
}

async function enrollStart(userId: string, policyId = "key"): Promise<Reply> {
  return admin.post(`/v1/users/${userId}/factors`, { policyId, factorId: "key" });
}

async function enrolled(policyId = "key", auth = new SoftwareAuthenticator("ES256", RP_ID, ORIGIN)): Promise<Enrolled> {
  const userId = uniqueId("u");
  const started = await enrollStart(userId, policyId);
  expect(started.status).toBe(201);
  const credentialId = started.body.factor.id as string;
  const confirmed = await admin.post(`/v1/users/${userId}/factors/${credentialId}/confirm`, {
    response: auth.register(started.body.publicKey.challenge),
  });
  expect(confirmed.body).toMatchObject({ confirmed: true, factor: { status: "active", type: "webauthn" } });
  return { userId, credentialId, auth };
}

async function stepChallenge(userId: string, policyId = "key"): Promise<{ attemptId: string; challenge: string; body: any }> {
  const started = await admin.post("/v1/attempts", { userId, policyId });
  expect(started.status).toBe(201);
  const attemptId = started.body.attemptId as string;
  const issued = await admin.post(`/v1/attempts/${attemptId}/challenge`, {});
  expect(issued.status).toBe(200);
  return { attemptId, challenge: issued.body.publicKey.challenge as string, body: issued.body };
}

const verify = (attemptId: string, response: unknown) => admin.post(`/v1/attempts/${attemptId}/verify`, { factorId: "key", response });

async function challengeRow(attemptId: string): Promise<{ consumed_at: Date | null; purpose: string; code_hash: string }> {
  const c = new pg.Client({ connectionString: database.url });
  await c.connect();
  try {
    const { rows } = await c.query(
      "select consumed_at, purpose, code_hash from one_time_challenges where tenant_id = $1 and attempt_id = $2",
      [tenantId, attemptId],
    );
    return rows[0];
  } finally {
    await c.end();
  }
}

async function signCount(credentialId: string): Promise<number> {
  const c = new pg.Client({ connectionString: database.url });
  await c.connect();
  try {
    const { rows } = await c.query("select sign_count from webauthn_credentials where tenant_id = $1 and credential_id = $2", [
      tenantId,
      credentialId,
    ]);
    return Number(rows[0].sign_count);
  } finally {
    await c.end();
  }
}

describe("the relying party (PUT /v1/admin/webauthn)", () => {
  it.each<[string, Record<string, unknown>]>([
    ["an http origin off localhost", { id: RP_ID, name: "x", origins: ["http://app.example.com"] }],
    ["an origin of another site", { id: RP_ID, name: "x", origins: ["https://example.com.evil.net"] }],
    ["an origin with a path", { id: RP_ID, name: "x", origins: ["https://app.example.com/login"] }],
    ["an RP id with a scheme", { id: "https://example.com", name: "x", origins: [ORIGIN] }],
    ["no origin", { id: RP_ID, name: "x", origins: [] }],
    ["an unknown field", { id: RP_ID, name: "x", origins: [ORIGIN], extra: 1 }],
  ])("refuses %s (400 problem+json), changing nothing", async (_label, body) => {
    const refused = await admin.put("/v1/admin/webauthn", body);
    expect(refused.status).toBe(400);
    expect(refused.contentType).toContain("application/problem+json");
    expect((await admin.get("/v1/admin/webauthn")).body).toMatchObject({ id: RP_ID, origins: [ORIGIN] });
  });

  it("is set with an admin key only; localhost over http is allowed", async () => {
    const { client: other } = await api.tenant("service");
    const refused = await other.put("/v1/admin/webauthn", { id: "localhost", name: "Dev", origins: ["http://localhost:3000"] });
    expect(refused.status).toBe(403);
    const { client: dev } = await api.tenant("admin");
    expect((await dev.get("/v1/admin/webauthn")).body.code).toBe("relying_party_not_configured");
    const set = await dev.put("/v1/admin/webauthn", { id: "localhost", name: "Dev", origins: ["http://localhost:3000"] });
    expect(set.body).toMatchObject({ id: "localhost", origins: ["http://localhost:3000"] });
  });
});

describe("registration and assertion on PostgreSQL", () => {
  it("enrolls a security key (creation options, then the registration), and passes a step with an assertion", async () => {
    const userId = uniqueId("u");
    const started = await enrollStart(userId);
    expect(started.body).toMatchObject({ factor: { status: "pending", type: "webauthn" }, publicKey: { rp: { id: RP_ID } } });
    expect(started.body.publicKey.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(started.body.publicKey.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toEqual([-7, -8]);
    expect(started.body.publicKey.authenticatorSelection.userVerification).toBe("required");
    const auth = new SoftwareAuthenticator("ES256", RP_ID, ORIGIN);
    const confirmed = await admin.post(`/v1/users/${userId}/factors/${started.body.factor.id}/confirm`, {
      response: auth.register(started.body.publicKey.challenge),
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.factor).toMatchObject({ aaguid: "6d66612d-6368-6169-6e2d-746573742d31", backupEligible: false });

    const { attemptId, body } = await stepChallenge(userId);
    expect(body).toMatchObject({ factorId: "key", delivery: "answer", publicKey: { rpId: RP_ID, userVerification: "required" } });
    expect(body.publicKey.allowCredentials).toEqual([expect.objectContaining({ id: auth.credentialIdB64 })]);
    const passed = await verify(attemptId, auth.assert(body.publicKey.challenge));
    expect(passed.body).toMatchObject({ success: true, complete: true });
    expect(await signCount(started.body.factor.id)).toBe(2);
    expect((await challengeRow(attemptId)).consumed_at).not.toBeNull();
  });

  it("S22 wrong origin, wrong RP id, user presence absent, user verification absent when required: refused and counted", async () => {
    const { userId, auth } = await enrolled();
    const cases = [{ origin: "https://evil.example.net" }, { rpId: "evil.com" }, { flags: FLAG.UV }, { flags: FLAG.UP }];
    for (const over of cases) {
      const { attemptId, challenge } = await stepChallenge(userId);
      const refused = await verify(attemptId, auth.assert(challenge, over));
      expect(refused.status).toBe(200);
      expect(refused.body).toMatchObject({ success: false, failuresRemaining: 4 });
      // S21 the refusal used the challenge up: the right answer to it fails now too, and counts.
      expect((await challengeRow(attemptId)).consumed_at).not.toBeNull();
      expect((await verify(attemptId, auth.assert(challenge))).body).toMatchObject({ success: false, failuresRemaining: 3 });
      expect((await admin.post(`/v1/users/${userId}/unlock`)).status).toBe(200);
    }
    // S26 each refusal is in the audit with its cause (the ceremony's closed reason), never a challenge or a key.
    const audit = await admin.get(`/v1/audit-events?userId=${userId}&type=attempt.step_failed`);
    const causes = (audit.body.events as { data: { cause?: string } }[]).map((e) => e.data.cause);
    expect(new Set(causes)).toEqual(
      new Set(["wrong_origin", "wrong_rp_id", "user_presence_missing", "user_verification_missing", "challenge_used"]),
    );
  });

  it("S21 a replayed assertion and a reused or expired challenge are refused", async () => {
    const { userId, auth } = await enrolled();
    const first = await stepChallenge(userId);
    const assertion = auth.assert(first.challenge);
    expect((await verify(first.attemptId, assertion)).body.success).toBe(true);
    // The same assertion on a new attempt: another challenge.
    const second = await stepChallenge(userId);
    expect((await verify(second.attemptId, assertion)).body).toMatchObject({ success: false, failuresRemaining: 4 });
    // A challenge reissued for the same step replaces the previous one: an answer to the old one fails.
    const third = await stepChallenge(userId);
    const stale = auth.assert(third.challenge);
    const reissued = await admin.post(`/v1/attempts/${third.attemptId}/challenge`, {});
    expect(reissued.body.publicKey.challenge).not.toBe(third.challenge);
    expect((await verify(third.attemptId, stale)).body.success).toBe(false);
    // Expired: more than 5 minutes old.
    const fourth = await stepChallenge(userId);
    api.clock.advance(301_000);
    try {
      expect((await verify(fourth.attemptId, auth.assert(fourth.challenge))).body.success).toBe(false);
    } finally {
      api.clock.advance(-301_000);
    }
  });

  it("S23 a counter regression is refused and the counter is not moved; a passkey that never counts stays at 0", async () => {
    const { userId, credentialId, auth } = await enrolled();
    const a = await stepChallenge(userId);
    expect((await verify(a.attemptId, auth.assert(a.challenge))).body.success).toBe(true);
    expect(await signCount(credentialId)).toBe(2);
    const b = await stepChallenge(userId);
    expect((await verify(b.attemptId, auth.assert(b.challenge, { signCount: 2 }))).body).toMatchObject({ success: false });
    expect(await signCount(credentialId)).toBe(2);

    const synced = await enrolled("passkey", new SoftwareAuthenticator("EdDSA", RP_ID, ORIGIN, false));
    for (let i = 0; i < 2; i++) {
      const s = await stepChallenge(synced.userId, "passkey");
      expect((await verify(s.attemptId, synced.auth.assert(s.challenge))).body.success).toBe(true);
    }
    expect(await signCount(synced.credentialId)).toBe(0);
  });

  it("S24 a credential id registered in the tenant already is refused (409), and an algorithm outside the policy", async () => {
    const { auth } = await enrolled();
    const other = uniqueId("u");
    const started = await enrollStart(other);
    const duplicate = await admin.post(`/v1/users/${other}/factors/${started.body.factor.id}/confirm`, {
      response: auth.register(started.body.publicKey.challenge),
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe("credential_already_registered");
    expect((await admin.get(`/v1/users/${other}/factors`)).body.factors).toEqual([expect.objectContaining({ status: "pending" })]);

    const rsa = new SoftwareAuthenticator("RS256", RP_ID, ORIGIN);
    const user = uniqueId("u");
    const again = await enrollStart(user);
    const refused = await admin.post(`/v1/users/${user}/factors/${again.body.factor.id}/confirm`, {
      response: rsa.register(again.body.publicKey.challenge),
    });
    expect(refused.body).toMatchObject({ confirmed: false, failuresRemaining: 4 });
    const audit = await admin.get(`/v1/audit-events?userId=${user}&type=factor.confirm_failed`);
    expect(audit.body.events).toEqual([expect.objectContaining({ data: expect.objectContaining({ cause: "algorithm_not_allowed" }) })]);
  });

  it("S30 a registration never passes a step, nor an assertion a registration", async () => {
    const { userId, auth } = await enrolled();
    const { attemptId, challenge } = await stepChallenge(userId);
    expect((await verify(attemptId, auth.register(challenge))).body.success).toBe(false);
    const other = uniqueId("u");
    const started = await enrollStart(other);
    const wrong = await admin.post(`/v1/users/${other}/factors/${started.body.factor.id}/confirm`, {
      response: auth.assert(started.body.publicKey.challenge),
    });
    expect(wrong.body.confirmed).toBe(false);
  });

  it("S21 S23 twenty parallel submissions of one assertion: exactly one success", async () => {
    const { userId, credentialId, auth } = await enrolled();
    const { attemptId, challenge } = await stepChallenge(userId);
    const assertion = auth.assert(challenge);
    const replies = await Promise.all(Array.from({ length: 20 }, () => verify(attemptId, assertion)));
    const successes = replies.filter((r) => r.status === 200 && r.body.success === true);
    expect(successes).toHaveLength(1);
    for (const r of replies) expect(r.status).toBeLessThan(500);
    expect(await signCount(credentialId)).toBe(2);
  });
});

// ------------------------------------------------------------------------------------------------------- bad input
/** A small seeded PRNG (mulberry32), so that a failing mutation can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = Record<string, any>;
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");

/** One mutation of a real response: bad base64url, truncated or flipped bytes, wrong types, huge or missing fields. */
function mutate(original: Json, rand: () => number): Json {
  const r = structuredClone(original);
  // A mutation of a mutation may have no response object left to work on: the whole shape is then replaced.
  if (typeof r !== "object" || r === null || typeof r.response !== "object" || r.response === null || Array.isArray(r.response))
    return [r, { ...(typeof r === "object" ? r : {}), response: { clientDataJSON: 7 } }][Math.floor(rand() * 2)] as Json;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const fields = Object.keys(r.response).filter((k) => typeof r.response[k] === "string");
  const field = fields.length > 0 ? pick(fields) : "clientDataJSON";
  const value = typeof r.response[field] === "string" ? (r.response[field] as string) : "";
  const bytes = Buffer.from(value, "base64url");
  const wrongValues = [5, null, true, [], {}, "", "=", "a=b", "!!!!", "é", -1, 1e308];
  switch (Math.floor(rand() * 14)) {
    case 0: // bad base64url characters
      r.response[field] =
        `${value.slice(0, Math.floor(rand() * value.length))}${pick(["+", "/", "=", "*", " ", "%", "\u0000"])}${value.slice(1)}`;
      break;
    case 1: // truncated bytes (truncated CBOR, short authenticator data)
      r.response[field] = b64(bytes.subarray(0, Math.floor(rand() * bytes.length)));
      break;
    case 2: // flipped bits
      r.response[field] = flipBit(value, Math.floor(rand() * bytes.length));
      break;
    case 3: // a wrong type
      r.response[field] = pick(wrongValues);
      break;
    case 4: // a huge field
      r.response[field] = "A".repeat(2000 + Math.floor(rand() * 40_000));
      break;
    case 5: // a missing field
      delete r.response[field];
      break;
    case 6: // wrong top-level types
      r[pick(["id", "rawId", "type", "response", "clientExtensionResults", "authenticatorAttachment"])] = pick(wrongValues);
      break;
    case 7: {
      // clientDataJSON of other JSON
      let cd: Json = {};
      try {
        cd = JSON.parse(Buffer.from(String(r.response.clientDataJSON), "base64url").toString()) as Json;
      } catch {
        // mutated already
      }
      cd[pick(["type", "challenge", "origin", "crossOrigin", "topOrigin"])] = pick(wrongValues);
      r.response.clientDataJSON = b64(JSON.stringify(cd));
      break;
    }
    case 8: // clientDataJSON that is no JSON
      r.response.clientDataJSON = b64(pick(["{", "null", "[]", "\u0000\u0001", '{"type":']));
      break;
    case 9: // random bytes of the same length
      r.response[field] = b64(Uint8Array.from(bytes, () => Math.floor(rand() * 256)));
      break;
    case 10: // another id
      r.id = b64(Uint8Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      break;
    case 11: // extra bytes appended (trailing CBOR)
      r.response[field] = b64(Buffer.concat([bytes, Buffer.from([0xa1, 0x61, 0x78, Math.floor(rand() * 256)])]));
      break;
    case 12: // a whole different shape
      return pick([[], "x", 1, null, { response: [] }, { id: r.id }]) as Json;
    default: // two mutations
      return mutate(mutate(original, rand), rand);
  }
  return r;
}

/** 4xx problem+json, or a failed check (200, as the API answers a wrong code); never a 5xx. Returns whether it passed. */
function expectHandled(reply: Reply, okKey: "confirmed" | "success", label: string): boolean {
  if (reply.status >= 500) throw new Error(`${label}: answered ${reply.status} ${JSON.stringify(reply.body)}`);
  if (reply.status >= 400) {
    expect(reply.contentType, label).toContain("application/problem+json");
    expect(typeof reply.body.code, label).toBe("string");
    return false;
  }
  expect(reply.status, label).toBe(200);
  return reply.body[okKey] === true;
}

describe("bad input", () => {
  it("1,000 mutations of real registration and assertion responses: 4xx problem+json or a failed check, never a 5xx; no assertion passes with other signed bytes", async () => {
    const rand = prng(12);
    let problems = 0;
    let registered = 0;
    // Registrations: each mutation against a fresh enrollment (a refusal spends its challenge).
    const registering = new SoftwareAuthenticator("ES256", RP_ID, ORIGIN);
    for (let i = 0; i < 500; i++) {
      const userId = uniqueId("m");
      const started = await enrollStart(userId);
      const mutated = mutate(registering.register(started.body.publicKey.challenge), rand);
      const reply = await admin.call("POST", `/v1/users/${userId}/factors/${started.body.factor.id}/confirm`, undefined, {
        raw: JSON.stringify({ response: mutated }),
        headers: { "content-type": "application/json" },
      });
      // A "none" attestation signs nothing: a bit flipped in the COSE key or the AAGUID registers another (well-formed)
      // key, as a browser could; that is not a refusal to expect. Everything else is refused.
      if (expectHandled(reply, "confirmed", `registration mutation ${i}: ${JSON.stringify(mutated).slice(0, 300)}`)) registered++;
      if (reply.status >= 400) problems++;
    }
    // Assertions: each against a fresh challenge of the enrolled key; the user is unlocked as failures add up.
    const { userId, auth } = await enrolled();
    for (let i = 0; i < 500; i++) {
      if (i % 4 === 0) await admin.post(`/v1/users/${userId}/unlock`);
      const { attemptId, challenge } = await stepChallenge(userId);
      const genuine = auth.assert(challenge);
      const mutated = mutate(genuine, rand);
      const reply = await admin.call("POST", `/v1/attempts/${attemptId}/verify`, undefined, {
        raw: JSON.stringify({ factorId: "key", response: mutated }),
        headers: { "content-type": "application/json" },
      });
      const label = `assertion mutation ${i}: ${JSON.stringify(mutated).slice(0, 600)}`;
      // What the signature covers (authenticator data, the client data's hash) must be the genuine bytes for a pass:
      // only the signature's encoding may vary (trailing bytes after its DER are ignored, as by the library).
      if (expectHandled(reply, "success", label)) {
        expect(mutated.response?.authenticatorData, label).toBe(genuine.response.authenticatorData);
        expect(mutated.response?.clientDataJSON, label).toBe(genuine.response.clientDataJSON);
        expect(mutated.id, label).toBe(genuine.id);
      }
      if (reply.status >= 400) problems++;
    }
    // Many are refused at the edge (shape, types, sizes: 400/413); the rest reach the ceremony and fail there.
    expect(problems).toBeGreaterThan(200);
    expect(registered).toBeLessThan(50);
  }, 300_000);
});
