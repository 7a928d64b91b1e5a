// The ceremony adapter against a software authenticator with real keys: @simplewebauthn/server is not mocked.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { WebAuthnAlgorithm, WebAuthnPolicyOptions, WebAuthnRelyingParty } from "@mfa-chain/application";
import { WEBAUTHN_FAILURE_REASONS } from "@mfa-chain/application";
import { FLAG, SoftwareAuthenticator, TEST_AAGUID_STRING, b64url, flipBit } from "../test/software-authenticator.js";
import { SimpleWebAuthnCeremony } from "./simplewebauthn-ceremony.js";

const ORIGIN = "https://app.example.com";
const RP: WebAuthnRelyingParty = { id: "app.example.com", name: "Example", origins: [ORIGIN, "https://admin.example.com"] };
const ALL: readonly WebAuthnAlgorithm[] = ["ES256", "EdDSA", "RS256"];
const REQUIRED: WebAuthnPolicyOptions = { userVerification: "required", residentKey: "preferred", attestation: "none", algorithms: ALL };
const PREFERRED: WebAuthnPolicyOptions = { ...REQUIRED, userVerification: "preferred" };

const ceremony = new SimpleWebAuthnCeremony();
const newChallenge = () => new Uint8Array(randomBytes(32));

/** A registered credential of `algorithm`, as the application would have stored it. */
async function registered(algorithm: WebAuthnAlgorithm, counts = true) {
  const authenticator = new SoftwareAuthenticator(algorithm, RP.id, ORIGIN, counts);
  const challenge = newChallenge();
  const result = await ceremony.verifyRegistration({
    response: authenticator.register(b64url(challenge)),
    expectedChallenge: challenge,
    rp: RP,
    options: REQUIRED,
  });
  if (!result.ok) throw new Error(`registration failed: ${result.reason} ${result.detail}`);
  return { authenticator, credential: result.credential };
}

async function register(authenticator: SoftwareAuthenticator, options = REQUIRED, overrides = {}, challenge = newChallenge()) {
  return ceremony.verifyRegistration({
    response: authenticator.register(b64url(challenge), overrides),
    expectedChallenge: challenge,
    rp: RP,
    options,
  });
}

async function assertWith(
  setup: Awaited<ReturnType<typeof registered>>,
  overrides: Parameters<SoftwareAuthenticator["assert"]>[1] = {},
  userVerification: WebAuthnPolicyOptions["userVerification"] = "required",
  edit: (response: ReturnType<SoftwareAuthenticator["assert"]>) => unknown = (r) => r,
) {
  const challenge = newChallenge();
  return ceremony.verifyAuthentication({
    response: edit(setup.authenticator.assert(b64url(challenge), overrides)),
    expectedChallenge: challenge,
    rp: RP,
    credential: { id: setup.credential.id, publicKey: setup.credential.publicKey, signCount: setup.credential.signCount },
    userVerification,
  });
}

describe.each(ALL)("%s: a full ceremony with real keys", (algorithm) => {
  it("registration options → registration → authentication options → assertion", async () => {
    const authenticator = new SoftwareAuthenticator(algorithm, RP.id, ORIGIN);
    const challenge = newChallenge();
    const creation = await ceremony.registrationOptions({
      rp: RP,
      user: { handle: new Uint8Array(randomBytes(32)), name: "ada@example.com", displayName: "Ada" },
      challenge,
      excludeCredentials: [],
      options: REQUIRED,
    });
    const registration = await ceremony.verifyRegistration({
      response: authenticator.register(creation.challenge, { transports: ["usb", "nfc", "quantum-entanglement"] }),
      expectedChallenge: challenge,
      rp: RP,
      options: REQUIRED,
    });
    expect(registration).toMatchObject({
      ok: true,
      credential: {
        id: authenticator.credentialIdB64,
        algorithm,
        signCount: 1,
        transports: ["usb", "nfc"],
        aaguid: TEST_AAGUID_STRING,
        attestationFormat: "none",
        backupEligible: false,
        backedUp: false,
        userVerified: true,
      },
    });
    if (!registration.ok) return;
    expect(registration.credential.publicKey).toEqual(authenticator.cosePublicKey);

    const assertionChallenge = newChallenge();
    const request = await ceremony.authenticationOptions({
      rp: RP,
      challenge: assertionChallenge,
      allowCredentials: [{ id: registration.credential.id, transports: registration.credential.transports }],
      userVerification: "required",
    });
    const assertion = await ceremony.verifyAuthentication({
      response: authenticator.assert(request.challenge),
      expectedChallenge: assertionChallenge,
      rp: RP,
      credential: {
        id: registration.credential.id,
        publicKey: registration.credential.publicKey,
        signCount: registration.credential.signCount,
      },
      userVerification: "required",
    });
    expect(assertion).toEqual({ ok: true, newSignCount: 2, counterRegressed: false, userVerified: true, backedUp: false });
  });

  it("a tampered signature is refused (bad_signature)", async () => {
    const setup = await registered(algorithm);
    const result = await assertWith(setup, {}, "required", (r) => ({
      ...r,
      response: { ...r.response, signature: flipBit(r.response.signature, 10) },
    }));
    expect(result).toMatchObject({ ok: false, reason: "bad_signature" });
  });

  it("authenticator data changed after signing is refused (bad_signature)", async () => {
    const setup = await registered(algorithm);
    // The last byte is the counter's lowest: a replayed assertion with a forged, higher counter.
    const result = await assertWith(setup, {}, "required", (r) => ({
      ...r,
      response: { ...r.response, authenticatorData: flipBit(r.response.authenticatorData, -1) },
    }));
    expect(result).toMatchObject({ ok: false, reason: "bad_signature" });
  });

  it("an assertion signed by another key of the same algorithm is refused (bad_signature)", async () => {
    const setup = await registered(algorithm);
    const impostor = new SoftwareAuthenticator(algorithm, RP.id, ORIGIN);
    const result = await assertWith({ ...setup, authenticator: impostor }, {}, "required", (r) => ({
      ...r,
      id: setup.credential.id,
      rawId: setup.credential.id,
    }));
    expect(result).toMatchObject({ ok: false, reason: "bad_signature" });
  });
});

describe("S22: origin, RP id, user presence and user verification", () => {
  it.each([
    ["another site", "https://evil.example"],
    ["another port", "https://app.example.com:8443"],
    ["plain http", "http://app.example.com"],
    ["a subdomain", "https://x.app.example.com"],
    ["a trailing slash", "https://app.example.com/"],
  ])("S22 registration from %s is refused (wrong_origin)", async (_, origin) => {
    const result = await register(new SoftwareAuthenticator("ES256", RP.id, ORIGIN), REQUIRED, { origin });
    expect(result).toMatchObject({ ok: false, reason: "wrong_origin" });
  });

  it("S22 every configured origin is accepted, exactly", async () => {
    const result = await register(new SoftwareAuthenticator("ES256", RP.id, ORIGIN), REQUIRED, { origin: "https://admin.example.com" });
    expect(result.ok).toBe(true);
  });

  it("S22 an assertion from another origin is refused (wrong_origin)", async () => {
    const result = await assertWith(await registered("ES256"), { origin: "https://evil.example" });
    expect(result).toMatchObject({ ok: false, reason: "wrong_origin" });
  });

  it("S22 an assertion from a cross-origin frame is refused (wrong_origin)", async () => {
    const result = await assertWith(await registered("ES256"), {
      clientDataExtra: { crossOrigin: true, topOrigin: "https://evil.example" },
    });
    expect(result).toMatchObject({ ok: false, reason: "wrong_origin" });
  });

  it.each([
    ["another domain", "evil.example"],
    ["the parent domain", "example.com"],
    ["a different case", "App.Example.com"],
  ])("S22 registration for %s as RP id is refused (wrong_rp_id)", async (_, rpId) => {
    const result = await register(new SoftwareAuthenticator("ES256", RP.id, ORIGIN), REQUIRED, { rpId });
    expect(result).toMatchObject({ ok: false, reason: "wrong_rp_id" });
  });

  it("S22 an assertion for another RP id is refused (wrong_rp_id)", async () => {
    const result = await assertWith(await registered("ES256"), { rpId: "evil.example" });
    expect(result).toMatchObject({ ok: false, reason: "wrong_rp_id" });
  });

  it("S22 registration without user presence is refused (user_presence_missing), whatever the UV policy", async () => {
    for (const options of [REQUIRED, PREFERRED, { ...REQUIRED, userVerification: "discouraged" as const }]) {
      const result = await register(new SoftwareAuthenticator("ES256", RP.id, ORIGIN), options, { flags: FLAG.UV });
      expect(result).toMatchObject({ ok: false, reason: "user_presence_missing" });
    }
  });

  it("S22 an assertion without user presence is refused (user_presence_missing), whatever the UV policy", async () => {
    const setup = await registered("ES256");
    for (const uv of ["required", "preferred", "discouraged"] as const) {
      expect(await assertWith(setup, { flags: FLAG.UV }, uv)).toMatchObject({ ok: false, reason: "user_presence_missing" });
    }
  });

  it("S22 registration without user verification, when required, is refused (user_verification_missing)", async () => {
    const result = await register(new SoftwareAuthenticator("ES256", RP.id, ORIGIN), REQUIRED, { flags: FLAG.UP });
    expect(result).toMatchObject({ ok: false, reason: "user_verification_missing" });
  });

  it("S22 an assertion without user verification, when required, is refused (user_verification_missing)", async () => {
    const result = await assertWith(await registered("ES256"), { flags: FLAG.UP }, "required");
    expect(result).toMatchObject({ ok: false, reason: "user_verification_missing" });
  });

  it("without user verification but only preferred: registration passes with userVerified false", async () => {
    const result = await register(new SoftwareAuthenticator("EdDSA", RP.id, ORIGIN), PREFERRED, { flags: FLAG.UP });
    expect(result).toMatchObject({ ok: true, credential: { userVerified: false } });
  });

  it("without user verification but only preferred: an assertion passes with userVerified false", async () => {
    const result = await assertWith(await registered("EdDSA"), { flags: FLAG.UP }, "preferred");
    expect(result).toMatchObject({ ok: true, userVerified: false });
  });
});

describe("S21: the challenge", () => {
  it("S21 registration answering another challenge is refused (challenge_mismatch)", async () => {
    const authenticator = new SoftwareAuthenticator("ES256", RP.id, ORIGIN);
    const result = await ceremony.verifyRegistration({
      response: authenticator.register(b64url(newChallenge())),
      expectedChallenge: newChallenge(),
      rp: RP,
      options: REQUIRED,
    });
    expect(result).toMatchObject({ ok: false, reason: "challenge_mismatch" });
  });

  it("S21 an assertion answering another challenge is refused (challenge_mismatch)", async () => {
    const setup = await registered("ES256");
    const result = await ceremony.verifyAuthentication({
      response: setup.authenticator.assert(b64url(newChallenge())),
      expectedChallenge: newChallenge(),
      rp: RP,
      credential: setup.credential,
      userVerification: "required",
    });
    expect(result).toMatchObject({ ok: false, reason: "challenge_mismatch" });
  });

  it("S21 a challenge shorter than 32 bytes is a programming error: options and verification throw", async () => {
    const short = new Uint8Array(randomBytes(16));
    const user = { handle: new Uint8Array(randomBytes(32)), name: "ada", displayName: "Ada" };
    await expect(
      ceremony.registrationOptions({ rp: RP, user, challenge: short, excludeCredentials: [], options: REQUIRED }),
    ).rejects.toThrow(RangeError);
    await expect(
      ceremony.authenticationOptions({ rp: RP, challenge: short, allowCredentials: [{ id: "AAAA" }], userVerification: "required" }),
    ).rejects.toThrow(RangeError);
    await expect(ceremony.verifyRegistration({ response: {}, expectedChallenge: short, rp: RP, options: REQUIRED })).rejects.toThrow(
      RangeError,
    );
  });

  it("S30 a ceremony's response never satisfies the other ceremony (wrong_ceremony)", async () => {
    const registration = await register(new SoftwareAuthenticator("ES256", RP.id, ORIGIN), REQUIRED, { type: "webauthn.get" });
    expect(registration).toMatchObject({ ok: false, reason: "wrong_ceremony" });
    const assertion = await assertWith(await registered("ES256"), { type: "webauthn.create" });
    expect(assertion).toMatchObject({ ok: false, reason: "wrong_ceremony" });
  });
});

describe("S24: algorithms are the policy's, checked on the server", () => {
  it.each([
    ["EdDSA", ["ES256"]],
    ["RS256", ["ES256", "EdDSA"]],
    ["ES256", ["EdDSA", "RS256"]],
  ] as const)("S24 a %s credential under a policy allowing %j is refused (algorithm_not_allowed)", async (algorithm, algorithms) => {
    const result = await register(new SoftwareAuthenticator(algorithm, RP.id, ORIGIN), { ...REQUIRED, algorithms });
    expect(result).toMatchObject({ ok: false, reason: "algorithm_not_allowed" });
  });

  it("S24 a key labelled with an allowed algorithm but of another type is refused (algorithm_not_allowed)", async () => {
    // An Ed25519 key that claims ES256: the library accepts the label; the adapter checks the key itself.
    const result = await register(
      new SoftwareAuthenticator("EdDSA", RP.id, ORIGIN),
      { ...REQUIRED, algorithms: ["ES256"] },
      { coseAlg: -7 },
    );
    expect(result).toMatchObject({ ok: false, reason: "algorithm_not_allowed" });
  });

  it("S24 the options offer exactly the policy's algorithms, in its order", async () => {
    const options = await ceremony.registrationOptions({
      rp: RP,
      user: { handle: new Uint8Array(randomBytes(32)), name: "ada", displayName: "Ada" },
      challenge: newChallenge(),
      excludeCredentials: [],
      options: { ...REQUIRED, algorithms: ["RS256", "ES256"] },
    });
    expect(options.pubKeyCredParams).toEqual([
      { type: "public-key", alg: -257 },
      { type: "public-key", alg: -7 },
    ]);
  });
});

describe("attestation", () => {
  it('a policy asking for "direct" refuses a "none" statement (attestation_refused)', async () => {
    const result = await register(new SoftwareAuthenticator("ES256", RP.id, ORIGIN), { ...REQUIRED, attestation: "direct" });
    expect(result).toMatchObject({ ok: false, reason: "attestation_refused" });
  });

  it.each(ALL)('a policy asking for "direct" accepts a packed self attestation that verifies (%s)', async (algorithm) => {
    const result = await register(
      new SoftwareAuthenticator(algorithm, RP.id, ORIGIN),
      { ...REQUIRED, attestation: "direct" },
      { attestation: "packed" },
    );
    expect(result).toMatchObject({ ok: true, credential: { attestationFormat: "packed", algorithm } });
  });

  it("a packed statement whose signature does not cover this registration is refused (attestation_refused)", async () => {
    const authenticator = new SoftwareAuthenticator("ES256", RP.id, ORIGIN);
    const challenge = newChallenge();
    const response = authenticator.register(b64url(challenge), { attestation: "packed" });
    // Another registration's statement, for the same key: the signature covers the other clientDataJSON.
    const other = authenticator.register(b64url(challenge), { attestation: "packed", clientDataExtra: { nonce: "x" } });
    const result = await ceremony.verifyRegistration({
      response: { ...response, response: { ...response.response, clientDataJSON: other.response.clientDataJSON } },
      expectedChallenge: challenge,
      rp: RP,
      options: REQUIRED,
    });
    expect(result).toMatchObject({ ok: false, reason: "attestation_refused" });
  });
});

describe("S23: the sign counter is reported; the application decides", () => {
  it.each([
    [10, 11, false],
    [0, 1, false],
    [0, 0, false],
    [10, 10, true],
    [10, 5, true],
    [5, 0, true],
  ])("S23 stored %i, asserted %i → counterRegressed %s, newSignCount reported", async (stored, asserted, regressed) => {
    const setup = await registered("ES256");
    const result = await assertWith({ ...setup, credential: { ...setup.credential, signCount: stored } }, { signCount: asserted });
    expect(result).toEqual({ ok: true, newSignCount: asserted, counterRegressed: regressed, userVerified: true, backedUp: false });
  });

  it("a synced passkey (BE, BS, counter 0) is reported as backed up with no regression", async () => {
    const authenticator = new SoftwareAuthenticator("ES256", RP.id, ORIGIN, false);
    const registration = await register(authenticator, REQUIRED, { flags: FLAG.UP | FLAG.UV | FLAG.BE | FLAG.BS });
    expect(registration).toMatchObject({ ok: true, credential: { signCount: 0, backupEligible: true, backedUp: true } });
    if (!registration.ok) return;
    const assertion = await assertWith(
      { authenticator, credential: registration.credential },
      { flags: FLAG.UP | FLAG.UV | FLAG.BE | FLAG.BS },
    );
    expect(assertion).toEqual({ ok: true, newSignCount: 0, counterRegressed: false, userVerified: true, backedUp: true });
  });
});

describe("credential and user handle", () => {
  it("an assertion naming another credential than the application's is refused (credential_mismatch)", async () => {
    const setup = await registered("ES256");
    const other = await registered("ES256");
    const result = await assertWith({ authenticator: other.authenticator, credential: setup.credential });
    expect(result).toMatchObject({ ok: false, reason: "credential_mismatch" });
  });

  it("an assertion carrying another user's handle is refused (credential_mismatch); the user's own passes", async () => {
    const setup = await registered("ES256");
    const handle = new Uint8Array(randomBytes(32));
    const verify = async (carried: Uint8Array) => {
      const challenge = newChallenge();
      return ceremony.verifyAuthentication({
        response: setup.authenticator.assert(b64url(challenge), { userHandle: carried }),
        expectedChallenge: challenge,
        rp: RP,
        credential: setup.credential,
        userHandle: handle,
        userVerification: "required",
      });
    };
    expect(await verify(new Uint8Array(randomBytes(32)))).toMatchObject({ ok: false, reason: "credential_mismatch" });
    expect(await verify(handle)).toMatchObject({ ok: true });
  });

  it("credentialIdOf reads the id of a well-formed response only", async () => {
    const setup = await registered("RS256");
    expect(ceremony.credentialIdOf(setup.authenticator.assert(b64url(newChallenge())))).toBe(setup.credential.id);
    expect(ceremony.credentialIdOf({ id: "x" })).toBeUndefined();
    expect(ceremony.credentialIdOf("garbage")).toBeUndefined();
  });
});

describe("malformed input never throws", () => {
  const garbage: [string, (valid: ReturnType<SoftwareAuthenticator["register"]>) => unknown][] = [
    ["null", () => null],
    ["a string", () => "{not json"],
    ["an empty object", () => ({})],
    ["an array", () => []],
    ["a wrong type", (v) => ({ ...v, type: "password" })],
    ["id and rawId that differ", (v) => ({ ...v, rawId: "AAAA" })],
    ["padded base64", (v) => ({ ...v, response: { ...v.response, clientDataJSON: `${v.response.clientDataJSON}==` } })],
    ["clientDataJSON that is not JSON", (v) => ({ ...v, response: { ...v.response, clientDataJSON: b64url("not json") } })],
    ["clientDataJSON that is JSON null", (v) => ({ ...v, response: { ...v.response, clientDataJSON: b64url("null") } })],
    ["an attestation object that is not CBOR", (v) => ({ ...v, response: { ...v.response, attestationObject: b64url("garbage") } })],
    [
      "a truncated attestation object",
      (v) => ({ ...v, response: { ...v.response, attestationObject: v.response.attestationObject.slice(0, 80) } }),
    ],
    ["an oversized clientDataJSON", (v) => ({ ...v, response: { ...v.response, clientDataJSON: "A".repeat(10_000) } })],
  ];

  it.each(garbage)("registration: %s → malformed", async (_, make) => {
    const authenticator = new SoftwareAuthenticator("ES256", RP.id, ORIGIN);
    const challenge = newChallenge();
    const result = await ceremony.verifyRegistration({
      response: make(authenticator.register(b64url(challenge))),
      expectedChallenge: challenge,
      rp: RP,
      options: REQUIRED,
    });
    expect(result).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("registration: BS without BE (impossible flags) → malformed", async () => {
    const result = await register(new SoftwareAuthenticator("ES256", RP.id, ORIGIN), REQUIRED, { flags: FLAG.UP | FLAG.UV | FLAG.BS });
    expect(result).toMatchObject({ ok: false, reason: "malformed" });
  });

  it.each([
    ["null", () => null],
    ["no signature", (r: ReturnType<SoftwareAuthenticator["assert"]>) => ({ ...r, response: { ...r.response, signature: undefined } })],
    [
      "authenticator data of 10 bytes",
      (r: ReturnType<SoftwareAuthenticator["assert"]>) => ({
        ...r,
        response: { ...r.response, authenticatorData: b64url(new Uint8Array(10)) },
      }),
    ],
    [
      "a signature that is not DER",
      (r: ReturnType<SoftwareAuthenticator["assert"]>) => ({ ...r, response: { ...r.response, signature: b64url("garbage") } }),
    ],
  ])("authentication: %s → refused without throwing", async (_, edit) => {
    const result = await assertWith(await registered("ES256"), {}, "required", edit);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(["malformed", "bad_signature"]).toContain(result.reason);
  });

  it("property: any JSON value as a response gives malformed", async () => {
    const setup = await registered("ES256");
    const challenge = newChallenge();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const registration = await ceremony.verifyRegistration({
          response: value,
          expectedChallenge: challenge,
          rp: RP,
          options: REQUIRED,
        });
        const assertion = await ceremony.verifyAuthentication({
          response: value,
          expectedChallenge: challenge,
          rp: RP,
          credential: setup.credential,
          userVerification: "required",
        });
        expect(registration).toMatchObject({ ok: false, reason: "malformed" });
        expect(assertion).toMatchObject({ ok: false, reason: "malformed" });
      }),
      { numRuns: 200 },
    );
  });

  it("property: any bytes in any field of a real response give a closed refusal, never a throw", async () => {
    const setup = await registered("ES256");
    const fields = ["clientDataJSON", "authenticatorData", "signature"] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), fc.uint8Array({ minLength: 1, maxLength: 300 }), async (field, bytes) => {
        const result = await assertWith(setup, {}, "required", (r) => ({ ...r, response: { ...r.response, [field]: b64url(bytes) } }));
        expect(result.ok).toBe(false);
        if (!result.ok) expect(WEBAUTHN_FAILURE_REASONS).toContain(result.reason);
      }),
      { numRuns: 150 },
    );
  });
});

describe("options", () => {
  it("registration options carry the caller's challenge, an opaque user handle, the exclusions and the policy", async () => {
    const challenge = newChallenge();
    const handle = new Uint8Array(randomBytes(32));
    const options = await ceremony.registrationOptions({
      rp: RP,
      user: { handle, name: "ada@example.com", displayName: "Ada" },
      challenge,
      excludeCredentials: [{ id: "cHJldmlvdXM", transports: ["usb"] }],
      options: {
        ...REQUIRED,
        residentKey: "required",
        attestation: "direct",
        authenticatorAttachment: "cross-platform",
        algorithms: ["ES256"],
      },
    });
    expect(options).toEqual({
      rp: { id: RP.id, name: RP.name },
      user: { id: b64url(handle), name: "ada@example.com", displayName: "Ada" },
      challenge: b64url(challenge),
      pubKeyCredParams: [{ type: "public-key", alg: -7 }],
      timeout: 300_000,
      excludeCredentials: [{ type: "public-key", id: "cHJldmlvdXM", transports: ["usb"] }],
      authenticatorSelection: {
        authenticatorAttachment: "cross-platform",
        residentKey: "required",
        requireResidentKey: true,
        userVerification: "required",
      },
      attestation: "direct",
      hints: [],
      extensions: { credProps: true },
    });
  });

  it("a user handle must be 1 to 64 bytes", async () => {
    const make = (handle: Uint8Array) =>
      ceremony.registrationOptions({
        rp: RP,
        user: { handle, name: "a", displayName: "a" },
        challenge: newChallenge(),
        excludeCredentials: [],
        options: REQUIRED,
      });
    await expect(make(new Uint8Array(0))).rejects.toThrow(RangeError);
    await expect(make(new Uint8Array(65))).rejects.toThrow(RangeError);
    await expect(make(new Uint8Array(64))).resolves.toMatchObject({ user: { id: b64url(new Uint8Array(64)) } });
  });

  it("authentication options list the allowed credentials and the user verification asked", async () => {
    const challenge = newChallenge();
    const options = await ceremony.authenticationOptions({
      rp: RP,
      challenge,
      allowCredentials: [{ id: "Y3JlZC0x", transports: ["internal", "hybrid"] }, { id: "Y3JlZC0y" }],
      userVerification: "preferred",
      timeoutMs: 120_000,
    });
    expect(options).toEqual({
      rpId: RP.id,
      challenge: b64url(challenge),
      allowCredentials: [
        { type: "public-key", id: "Y3JlZC0x", transports: ["internal", "hybrid"] },
        { type: "public-key", id: "Y3JlZC0y" },
      ],
      timeout: 120_000,
      userVerification: "preferred",
    });
  });
});
