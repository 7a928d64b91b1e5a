// Push approval through the use cases, in memory (SPEC §3 push, S16, S17): enrolling returns the link, the device's
// signed proof activates the factor, the challenge phase issues a push with a number to match, the device's signed
// answer is recorded once, and the step's verify decides from the recorded answer: pending is not a failure, a
// wrong number or a deny is. Signatures here are a fake's (a keyed digest of the canonical string); the real ES256 and
// Ed25519 checks are the crypto adapter's tests and apps/api/test/push.e2e.test.ts.
import {
  canonicalPushMessage,
  parsePushEnrollmentLink,
  type PushAlgorithm,
  type PushMessage,
  type PushPollRequest,
  type Result,
  type VerifyOutcome,
} from "@mfa-chain/domain";
import { beforeEach, describe, expect, it } from "vitest";
import type { PushSignatureVerifier } from "../ports/push-signature.port.js";
import type { PushGateway } from "../ports/push.port.js";
import type { AppError } from "../shared/application.errors.js";
import { adminKey, aPolicy, InjectedFault, TEST_TENANT, TestApp, unwrap } from "../testing/index.js";
import { TEST_PUSH_API_URL } from "../testing/fakes/test-app.js";
import { createPushServices } from "./push-device.use-case.js";

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** 33 bytes → 44 canonical base64url characters, no partial group. */
const base64url = (bytes: readonly number[]): string => {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  return out;
};
/** A stand-in signature: 48 bytes of FNV-1a over the key and the message (the fake verifier recomputes it). */
function digest(key: string, message: string): number[] {
  const out: number[] = [];
  for (let round = 0; round < 48; round++) {
    let h = 0x811c9dc5 ^ round;
    for (const ch of `${key}|${message}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out.push(h & 0xff);
  }
  return out;
}
const bytesToText = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

/** Accepts exactly the stand-in signature of the message by that key. */
const FAKE_VERIFIER: PushSignatureVerifier = {
  parsePublicKey: (algorithm, key) =>
    key.length === 33
      ? { ok: true, value: { algorithm, spki: key } }
      : { ok: false, error: { code: "malformed", message: "not a fake key" } },
  verify: (key, _algorithm, message, signature) =>
    bytesToText(signature) === bytesToText(Uint8Array.from(digest(bytesToText(key), message))),
};

/** A fake device: a "key" of 33 bytes and the signatures the fake verifier accepts. */
class FakeDevice {
  readonly keyBytes: number[];
  constructor(
    seed: number,
    readonly algorithm: PushAlgorithm = "Ed25519",
  ) {
    this.keyBytes = Array.from({ length: 33 }, (_, i) => (seed * 31 + i * 7) & 0xff);
  }
  get publicKey(): string {
    return base64url(this.keyBytes);
  }
  sign(message: PushMessage): string {
    const text = canonicalPushMessage(message);
    if (!text.ok) throw new Error(text.error.message);
    return base64url(digest(String.fromCharCode(...this.keyBytes), text.value));
  }
}

const NONCE = (n: number) => `nonce${String(n).padStart(17, "0")}AA`;

describe("push approval through the use cases", () => {
  let app: TestApp;
  let push: ReturnType<typeof createPushServices>;
  /** The wake-ups the gateway was asked for. */
  let woken: string[];
  const gateway: PushGateway = {
    notify: async (input) => {
      woken.push(input.challengeId);
    },
  };
  beforeEach(async () => {
    woken = [];
    app = new TestApp({ pushGateway: gateway });
    push = createPushServices({ uow: app.uow, clock: app.clock, hasher: app.hasher, verifier: FAKE_VERIFIER });
    const definition = aPolicy().withId("phone").withFactors([]).definition();
    definition.factors = [{ id: "phone", label: "Phone", type: "push", options: { maxPending: 1 } } as never];
    definition.mode = "fixed";
    definition.requiredSteps = 1;
    unwrap(await app.savePolicy.execute({ actor: adminKey(), policyId: "phone", definition, mode: "create" }), "policy");
  });

  /** Enrolls alice's push factor and proves `device` with the link's token. */
  async function enrolled(device = new FakeDevice(1), userId = "alice") {
    const enrollment = await app.enrollAny(userId, "phone", "phone");
    const link = parsePushEnrollmentLink((enrollment.shown as { enrollmentLink: string }).enrollmentLink);
    if (!link.ok) throw new Error(link.error.message);
    const proof = {
      userId,
      enrollmentToken: link.value.enrollmentToken,
      algorithm: device.algorithm,
      publicKey: device.publicKey,
      deviceName: "Phone",
    };
    const signature = device.sign({ type: "enroll", tenantId: TEST_TENANT, credentialId: link.value.credentialId, ...proof });
    return { enrollment, link: link.value, proof, signature, credentialId: link.value.credentialId };
  }

  /** A device enrolled and its proof accepted: the push factor is active. */
  async function proven(device: FakeDevice, userId = "alice") {
    const e = await enrolled(device, userId);
    unwrap(
      await push.enrollPushDevice.execute({ tenantId: TEST_TENANT, credentialId: e.credentialId, ...e.proof, signature: e.signature }),
      "proof",
    );
    return e;
  }

  const poll = (device: FakeDevice, deviceId: string, n: number, timestamp = app.clock.now()) => {
    const message: PushPollRequest = { type: "poll", tenantId: TEST_TENANT, deviceId, timestamp, nonce: NONCE(n) };
    return push.pollPushChallenges.execute({
      tenantId: TEST_TENANT,
      deviceId,
      timestamp: String(timestamp),
      nonce: NONCE(n),
      signature: device.sign(message),
    });
  };

  const answer = (
    device: FakeDevice,
    deviceId: string,
    c: { challengeId: string; attemptId: string },
    a: { decision: "approve" | "deny"; number: number | null; notMe: boolean },
  ) =>
    push.answerPushChallenge.execute({
      tenantId: TEST_TENANT,
      deviceId,
      challengeId: c.challengeId,
      ...a,
      signature: device.sign({
        type: "answer",
        tenantId: TEST_TENANT,
        userId: "alice",
        attemptId: c.attemptId,
        challengeId: c.challengeId,
        ...a,
      }),
    });

  async function issued(attemptId: string): Promise<{ challengeId: string; number: number; attemptId: string }> {
    const c = unwrap(await app.challenge(attemptId), "challenge");
    if (c.delivery !== "answer") throw new Error("a push is answered by its kind");
    return { ...(c.answer.push as { challengeId: string; number: number }), attemptId };
  }

  it("S17 enrollment: the link carries the API and a one-time token; only the device's signed proof activates the factor, once", async () => {
    const device = new FakeDevice(1);
    const e = await enrolled(device);
    expect(e.link.apiBaseUrl).toBe(TEST_PUSH_API_URL);
    expect(e.link.enrollmentToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(e.enrollment.credential.status).toBe("pending");
    expect(JSON.stringify(app.store.credentials(TEST_TENANT))).not.toContain(e.link.enrollmentToken);
    const base = { tenantId: TEST_TENANT, credentialId: e.credentialId, ...e.proof };
    // Signed by another key than the one it names: refused, nothing spent.
    const thief = new FakeDevice(2);
    expect(
      (await push.enrollPushDevice.execute({ ...base, signature: thief.sign({ type: "enroll", ...base }) })) as Result<unknown, AppError>,
    ).toMatchObject({
      ok: false,
      error: { code: "push_unauthorized" },
    });
    expect(app.store.credentials(TEST_TENANT).find((c) => c.id === e.credentialId)?.status).toBe("pending");
    expect(unwrap(await push.enrollPushDevice.execute({ ...base, signature: e.signature }), "proof")).toEqual({ deviceId: e.credentialId });
    expect(app.activeCredential("alice", "phone").status).toBe("active");
    expect(await push.enrollPushDevice.execute({ ...base, signature: e.signature })).toMatchObject({
      ok: false,
      error: { code: "push_unauthorized" },
    });
    expect(app.auditTypes()).toContain("push.device_enrolled");
  });

  it("S17 the step passes only on the recorded approve with the right number; before the answer nothing counts", async () => {
    const device = new FakeDevice(1);
    const e = await proven(device);
    const attempt = await app.start("alice", "phone");
    const c = await issued(attempt.attemptId);
    expect(await app.verify(attempt.attemptId, "phone", c.challengeId)).toMatchObject({
      ok: false,
      error: { code: "push_answer_pending" },
    });
    expect(app.failures("alice")).toBe(0);
    const [pending] = unwrap(await poll(device, e.credentialId, 1), "poll");
    expect(pending).toMatchObject({ challengeId: c.challengeId, attemptId: attempt.attemptId, userId: "alice" });
    expect(pending?.choices).toContain(c.number);
    // The same signed poll again: refused.
    expect(await poll(device, e.credentialId, 1)).toMatchObject({ ok: false, error: { code: "push_unauthorized" } });
    expect(unwrap(await answer(device, e.credentialId, c, { decision: "approve", number: c.number, notMe: false }), "answer")).toEqual({
      outcome: "approved",
    });
    const passed: VerifyOutcome = unwrap(await app.verify(attempt.attemptId, "phone", c.challengeId), "verify");
    expect(passed).toMatchObject({ success: true, complete: true });
  });

  it("S17 a deny is a failure of the step in the lockout count; S16 and pushes over the pending limit are refused", async () => {
    const device = new FakeDevice(1);
    const e = await proven(device);
    const attempt = await app.start("alice", "phone");
    const c = await issued(attempt.attemptId);
    // maxPending 1: a second push while the first waits is refused, with when to retry.
    const second = await app.challenge((await app.start("alice", "phone")).attemptId);
    expect(second).toMatchObject({ ok: false, error: { code: "too_many_pushes", retryAt: app.clock.now() + 120_000 } });
    expect(unwrap(await answer(device, e.credentialId, c, { decision: "deny", number: null, notMe: false }), "deny")).toEqual({
      outcome: "denied",
    });
    expect(unwrap(await app.verify(attempt.attemptId, "phone", c.challengeId), "verify")).toMatchObject({ success: false });
    expect(app.failures("alice")).toBe(1);
  });
  it("wakes the device only once the push is committed: never for a push whose transaction rolls back", async () => {
    const device = new FakeDevice(1);
    const e = await enrolled(device);
    unwrap(
      await push.enrollPushDevice.execute({
        tenantId: TEST_TENANT,
        credentialId: e.credentialId,
        ...e.proof,
        pushToken: "device-token",
        signature: e.signature,
      }),
      "proof",
    );
    const attempt = await app.start("alice", "phone");
    // The challenge store's write comes after the push kind made and stored its push: the whole transaction rolls back.
    app.uow.failOn("challenges.save", { times: 1 });
    await expect(app.challenge(attempt.attemptId)).rejects.toBeInstanceOf(InjectedFault);
    expect(woken).toEqual([]);
    expect(unwrap(await poll(device, e.credentialId, 1), "poll")).toEqual([]);
    const c = await issued(attempt.attemptId);
    expect(woken).toEqual([c.challengeId]);
  });

  it("S26 a wrong number blocks a new push of the step until it is verified; the verify counts it once", async () => {
    const device = new FakeDevice(1);
    const e = await proven(device);
    const attempt = await app.start("alice", "phone");
    const c = await issued(attempt.attemptId);
    const wrong = c.number === 99 ? 98 : c.number + 1;
    expect(await answer(device, e.credentialId, c, { decision: "approve", number: wrong, notMe: false })).toMatchObject({
      ok: false,
      error: { code: "push_wrong_number" },
    });
    expect(await app.challenge(attempt.attemptId)).toMatchObject({
      ok: false,
      error: { code: "push_answer_unverified", pushChallengeId: c.challengeId },
    });
    app.clock.advance(6 * 60_000);
    expect(unwrap(await app.verify(attempt.attemptId, "phone", c.challengeId), "verify")).toMatchObject({ success: false });
    expect(app.failures("alice")).toBe(1);
    expect(await app.verify(attempt.attemptId, "phone", c.challengeId)).toMatchObject({
      ok: false,
      error: { code: "push_challenge_expired" },
    });
    expect(app.failures("alice")).toBe(1);
  });
});
