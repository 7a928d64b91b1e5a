/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are JSON that each test asserts field by field */
// Push approval with number matching end to end (issue 13; S16, S17), on real parts: the API on PostgreSQL, the
// reference device (@mfa-chain/push-device) holding a real key pair in a key file (ES256 with WebCrypto's r‖s
// signatures, and Ed25519), the fraud notification read back from a real SMTP conversation. The device speaks to the
// API only through its own signed routes; the relying party uses its API key and the attempt routes.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalPushMessage } from "@mfa-chain/domain";
import { generateKeyringKey } from "@mfa-chain/crypto";
import { makeTestCertificates, startSmtpTestServer, type SmtpTestServer } from "@mfa-chain/delivery/testing";
import { DeviceKey, PushDevice, PushDeviceError, readKeyFile, type DeviceChallenge } from "@mfa-chain/push-device";
import { useTestDatabase } from "@mfa-chain/pg-harness/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant } from "../src/boot/api-keys.js";
import { loadConfig } from "../src/config.js";
import type { PushGateway } from "@mfa-chain/application";
import { startServer, type RunningServer } from "../src/server.js";
import { ApiClient, Authenticator, OffsetClock, uniqueId, type Enrollment } from "./support/api.js";

const database = useTestDatabase("api_push");
const clock = new OffsetClock();
let server: RunningServer;
let smtp: SmtpTestServer;
let api: ApiClient;
let service: ApiClient;
const keyDir = mkdtempSync(join(tmpdir(), "mfa-push-"));
/** The wake-ups the injected gateway was asked for, each with whether its challenge was committed by then. */
const woken: { challengeId: string; committed: boolean }[] = [];
let gatewayFails = false;
const recordingGateway: PushGateway = {
  async notify(input) {
    // Read on another connection of the pool: it sees the challenge only once its transaction committed.
    const row = await server.database.db
      .selectFrom("push_challenges")
      .select("id")
      .where("tenant_id", "=", input.tenantId)
      .where("id", "=", input.challengeId)
      .executeTakeFirst();
    woken.push({ challengeId: input.challengeId, committed: row !== undefined });
    if (gatewayFails) throw new Error("the gateway is down");
  },
};

const PHONE = { id: "phone", label: "Phone", type: "push" };
const policies = [
  {
    id: "chain",
    name: "App then phone",
    mode: "fixed",
    requiredSteps: 2,
    factors: [{ id: "app", label: "App", type: "totp" }, PHONE],
    lockout: { maxFailures: 100 },
  },
  { id: "phone", name: "Phone only", mode: "fixed", requiredSteps: 1, factors: [PHONE], lockout: { maxFailures: 100 } },
  {
    id: "strict",
    name: "Phone, few pushes",
    mode: "fixed",
    requiredSteps: 1,
    factors: [{ ...PHONE, options: { maxPending: 2, maxPerHour: 4, maxDenies: 2 } }],
    lockout: { maxFailures: 100 },
  },
  { id: "mail", name: "Email", mode: "fixed", requiredSteps: 1, factors: [{ id: "mail", label: "Email", type: "email" }] },
  { id: "app", name: "App", mode: "fixed", requiredSteps: 1, factors: [{ id: "app", label: "App", type: "totp" }] },
];

beforeAll(async () => {
  const certificates = makeTestCertificates();
  smtp = await startSmtpTestServer({ certificates });
  const caFile = join(keyDir, "ca.pem");
  writeFileSync(caFile, certificates.caPem);
  const config = loadConfig({
    DATABASE_URL: database.url,
    PORT: "0",
    LOG_LEVEL: process.env.PUSH_TEST_LOG ?? "silent",
    MFA_DEMO: "false",
    RATE_LIMIT_PER_IP: "1000000",
    RATE_LIMIT_PER_KEY: "1000000",
    SHUTDOWN_GRACE_SECONDS: "2",
    MFA_CODE_HASH_KEY: randomBytes(32).toString("base64"),
    MFA_SECRET_KEYS: `k1:${generateKeyringKey()}`,
  });
  server = await startServer({
    config,
    clock,
    auditSealMs: 0,
    pushGateway: recordingGateway,
    env: { SMTP_URL: `smtp://localhost:${smtp.port}`, SMTP_FROM: "no-reply@mfa.test", SMTP_TLS_CA_FILE: caFile },
  });
  await server.started;
  const tenantId = uniqueId("t");
  const admin = await createTenant(server.database.db, { id: tenantId, name: "push", role: "admin", now: Date.now() });
  api = new ApiClient(server.url, admin.apiKey);
  const svc = await createTenant(server.database.db, { id: uniqueId("t"), name: "other", role: "service", now: Date.now() });
  service = new ApiClient(server.url, svc.apiKey);
  for (const p of policies) expect((await api.post("/v1/policies", p)).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await smtp?.close();
});

/** A device with its own key file, on the test's (movable) clock, optionally recording what it sends. */
function newDevice(sent: { url: string; init: RequestInit }[] = [], now: () => number = () => clock.now()): PushDevice {
  return new PushDevice({
    keyFile: join(keyDir, `${randomBytes(6).toString("hex")}.json`),
    now,
    fetch: (async (url: string, init: RequestInit) => {
      sent.push({ url, init });
      return fetch(url, init);
    }) as typeof fetch,
  });
}

/** Enrolls a push factor of `policyId` for `userId` and the device that answers its link. */
async function enrollPush(userId: string, policyId = "phone", algorithm: "ES256" | "Ed25519" = "ES256", device = newDevice()) {
  const enrolled = await api.post(`/v1/users/${userId}/factors`, { policyId, factorId: "phone" });
  expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
  const link = enrolled.body.enrollmentLink as string;
  await device.enroll(link, { deviceName: "Test phone", algorithm });
  return { device, link, credentialId: enrolled.body.factor.id as string };
}

const start = async (userId: string, policyId = "phone") => {
  const started = await api.post("/v1/attempts", { userId, policyId });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  return started.body.attemptId as string;
};

/** Issues the push of the attempt's current step: its challenge id and the number the relying party shows. */
async function issue(attemptId: string): Promise<{ challengeId: string; number: number }> {
  const issued = await api.post(`/v1/attempts/${attemptId}/challenge`);
  expect(issued.status, JSON.stringify(issued.body)).toBe(200);
  return issued.body.push;
}

const verify = (attemptId: string, challengeId: string) =>
  api.post(`/v1/attempts/${attemptId}/verify`, { factorId: "phone", code: challengeId });

async function pendingOf(device: PushDevice, challengeId: string): Promise<DeviceChallenge> {
  const found = (await device.poll()).find((c) => c.challengeId === challengeId);
  if (!found) throw new Error(`challenge ${challengeId} is not pending`);
  return found;
}

async function refusal(promise: Promise<unknown>): Promise<PushDeviceError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PushDeviceError) return error;
    throw error;
  }
  throw new Error("expected the server to refuse");
}

async function failures(userId: string): Promise<number> {
  return (await api.get(`/v1/users/${userId}/lockout`)).body.consecutiveFailures;
}

describe("push enrollment", () => {
  it("returns a link and its QR code; the factor stays pending until the device's signed proof, and the link works once", async () => {
    const userId = uniqueId("u");
    const enrolled = await api.post(`/v1/users/${userId}/factors`, { policyId: "phone", factorId: "phone" });
    expect(enrolled.status).toBe(201);
    expect(enrolled.body.factor).toMatchObject({ type: "push", status: "pending" });
    const link = enrolled.body.enrollmentLink as string;
    expect(link.startsWith(`mfachain-push://enroll?v=1&api=${encodeURIComponent(server.url)}&`)).toBe(true);
    // A one-time token of 192 bits (32 base64url characters), never stored in clear.
    const token = new URL(link.replace("mfachain-push://", "https://x/")).searchParams.get("token") ?? "";
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(enrolled.body.qr.svg).toContain("<svg");
    expect(enrolled.body.qr.png).toMatch(/^data:image\/png;base64,/);
    const stored = await server.database.db
      .selectFrom("push_devices")
      .selectAll()
      .where("credential_id", "=", enrolled.body.factor.id)
      .execute();
    expect(JSON.stringify(stored)).not.toContain(token);

    const device = newDevice();
    const enrollment = await device.enroll(link, { deviceName: "Zoë’s phone", algorithm: "Ed25519" });
    expect(enrollment.deviceId).toBe(enrolled.body.factor.id);
    const factors = (await api.get(`/v1/users/${userId}/factors`)).body.factors as any[];
    expect(factors.find((f) => f.id === enrolled.body.factor.id)).toMatchObject({
      status: "active",
      pushDevice: { name: "Zoë’s phone", algorithm: "Ed25519" },
    });
    // The same link again (a photographed QR code): the token is spent.
    const again = await refusal(newDevice().enroll(link, { deviceName: "Other phone" }));
    expect(again.details.status).toBe(401);
    expect((again.details.problem as any).code).toBe("push_unauthorized");
  });

  it("refuses a proof signed by another key than the one it sends (the token stays unspent), and a link past 10 minutes", async () => {
    const userId = uniqueId("u");
    const enrolled = await api.post(`/v1/users/${userId}/factors`, { policyId: "phone", factorId: "phone" });
    const link = enrolled.body.enrollmentLink as string;
    const params = new URL(link.replace("mfachain-push://", "https://x/")).searchParams;
    const shown = DeviceKey.generate("ES256");
    const signing = DeviceKey.generate("ES256");
    const proof = canonicalPushMessage({
      type: "enroll",
      enrollmentToken: params.get("token") as string,
      tenantId: params.get("tenant") as string,
      userId,
      credentialId: params.get("credential") as string,
      algorithm: "ES256",
      publicKey: shown.publicKey,
      deviceName: "Thief",
    });
    if (!proof.ok) throw new Error(proof.error.message);
    const path = `/v1/push/tenants/${params.get("tenant")}/devices/${params.get("credential")}/enrollment`;
    const body = { userId, enrollmentToken: params.get("token"), algorithm: "ES256", publicKey: shown.publicKey, deviceName: "Thief" };
    const forged = await new ApiClient(server.url, null).post(path, { ...body, signature: signing.sign(proof.value) });
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe("push_unauthorized");
    expect((await api.get(`/v1/users/${userId}/factors`)).body.factors[0].status).toBe("pending");
    // Signed by the key it sends, the same proof passes: the forged one spent nothing.
    const honest = await new ApiClient(server.url, null).post(path, { ...body, signature: shown.sign(proof.value) });
    expect(honest.status, JSON.stringify(honest.body)).toBe(201);
    expect(honest.body).toEqual({ deviceId: params.get("credential"), status: "active" });

    // Another enrollment, ten minutes on: the link is over.
    const later = await api.post(`/v1/users/${uniqueId("u")}/factors`, { policyId: "phone", factorId: "phone" });
    clock.advance(10 * 60_000 + 1000);
    try {
      const late = await refusal(newDevice().enroll(later.body.enrollmentLink, { deviceName: "Late phone" }));
      expect(late.details.status).toBe(401);
    } finally {
      clock.advance(-(10 * 60_000 + 1000));
    }
  });
});

describe("a chain TOTP → push approved with the right number", () => {
  it("passes: the relying party shows the number, the device picks it among three, the verify completes the chain", async () => {
    const userId = uniqueId("u");
    const enrolledApp = await api.post<Enrollment>(`/v1/users/${userId}/factors`, { policyId: "chain", factorId: "app" });
    const app = new Authenticator(enrolledApp.body, clock);
    expect((await api.post(`/v1/users/${userId}/factors/${app.credentialId}/confirm`, { code: app.next() })).body.confirmed).toBe(true);
    const { device } = await enrollPush(userId, "chain");

    const attemptId = await start(userId, "chain");
    // The TOTP step takes no challenge.
    expect((await api.post(`/v1/attempts/${attemptId}/challenge`)).body.code).toBe("challenge_not_supported");
    expect((await api.post(`/v1/attempts/${attemptId}/verify`, { factorId: "app", code: app.next() })).body).toMatchObject({
      success: true,
    });

    const issued = await api.post(`/v1/attempts/${attemptId}/challenge`);
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(issued.body).toMatchObject({ factorId: "phone", delivery: "answer" });
    const { challengeId, number } = issued.body.push;
    expect(number).toBeGreaterThanOrEqual(10);
    expect(number).toBeLessThanOrEqual(99);
    const pushExpiresIn = Date.parse(issued.body.push.expiresAt) - clock.now();
    expect(pushExpiresIn).toBeGreaterThan(110_000);
    expect(pushExpiresIn).toBeLessThanOrEqual(120_000);

    // Verified before the device answered: a clear 409, nothing counted.
    const early = await verify(attemptId, challengeId);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe("push_answer_pending");
    expect(await failures(userId)).toBe(0);

    const challenge = await pendingOf(device, challengeId);
    // The device shows what the sign-in is for: the policy's name.
    expect(challenge).toMatchObject({ attemptId, userId, context: "App then phone" });
    expect(challenge.choices).toHaveLength(3);
    expect(new Set(challenge.choices).size).toBe(3);
    expect(challenge.choices.filter((c) => c === number)).toHaveLength(1);
    expect(await device.approve(challengeId, number)).toBe("approved");
    // Answered: no longer pending for the device.
    expect((await device.poll()).map((c) => c.challengeId)).not.toContain(challengeId);

    const passed = await verify(attemptId, challengeId);
    expect(passed.status, JSON.stringify(passed.body)).toBe(200);
    expect(passed.body).toMatchObject({ success: true, complete: true });
    // The approval is used up.
    expect((await verify(attemptId, challengeId)).status).toBe(409);
  });
});

describe("S17 refused pushes", () => {
  it("S17 a wrong number is refused, recorded, and a failure in the lockout count", async () => {
    const userId = uniqueId("u");
    const { device } = await enrollPush(userId);
    const attemptId = await start(userId);
    const { challengeId, number } = await issue(attemptId);
    const challenge = await pendingOf(device, challengeId);
    const decoy = challenge.choices.find((c) => c !== number) as number;
    const refused = await refusal(device.approve(challengeId, decoy));
    expect(refused.details.status).toBe(422);
    expect((refused.details.problem as any).code).toBe("push_wrong_number");
    // A failure of the step, in the user's one lockout count.
    const verified = await verify(attemptId, challengeId);
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ success: false, failuresRemaining: 99 });
    expect(await failures(userId)).toBe(1);
    // Answered once: the right number afterwards changes nothing.
    const late = await refusal(device.answer(challenge, { decision: "approve", number, notMe: false }));
    expect(late.details.status).toBe(409);
    expect((await verify(attemptId, challengeId)).body.success).not.toBe(true);
  });

  it("S17 a deny is refused and a failure in the lockout count", async () => {
    const userId = uniqueId("u");
    const { device } = await enrollPush(userId);
    const attemptId = await start(userId);
    const { challengeId } = await issue(attemptId);
    expect(await device.deny(challengeId)).toBe("denied");
    // A failure of the step, in the user's one lockout count.
    const verified = await verify(attemptId, challengeId);
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ success: false, failuresRemaining: 99 });
    expect(await failures(userId)).toBe(1);
  });

  it('S17 "not me" reports fraud: audited, the user told by email (read back over SMTP), the push factor suspended', async () => {
    const userId = uniqueId("u");
    const address = `${userId.replace("_", ".")}@example.test`;
    const mail = await api.post(`/v1/users/${userId}/factors`, { policyId: "mail", factorId: "mail", destination: address });
    expect(mail.status).toBe(201);
    const code = await waitForMail(address, /verification code|Confirm your new second factor/, (text) => /\b(\d{6})\b/.exec(text)?.[1]);
    expect((await api.post(`/v1/users/${userId}/factors/${mail.body.factor.id}/confirm`, { code })).body.confirmed).toBe(true);
    const { device, credentialId } = await enrollPush(userId);
    const attemptId = await start(userId);
    const { challengeId } = await issue(attemptId);

    expect(await device.deny(challengeId, { notMe: true })).toBe("reported_fraud");
    const events = (await api.get(`/v1/audit-events?userId=${userId}&type=push.fraud_reported`)).body.events as any[];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ attemptId, factorId: "phone", data: { credentialId, challengeId, factorSuspended: true } });
    const notice = await waitForMail(address, /not approve was reported/, (text) => (text.includes("Phone") ? text : undefined));
    expect(notice).toContain("not yours");
    const factors = (await api.get(`/v1/users/${userId}/factors`)).body.factors as any[];
    expect(factors.find((f) => f.id === credentialId)?.status).toBe("revoked");
    // The suspended device's key passes nothing more: its polls are refused.
    expect((await refusal(device.poll())).details.status).toBe(401);
    // Its factor revoked, the step cannot pass with it.
    expect((await verify(attemptId, challengeId)).body).toMatchObject({ success: false });
  });

  it("S17 an expired challenge cannot be approved, and verifying it counts nothing", async () => {
    const userId = uniqueId("u");
    const { device } = await enrollPush(userId);
    const attemptId = await start(userId);
    const { challengeId, number } = await issue(attemptId);
    const challenge = await pendingOf(device, challengeId);
    clock.advance(120_000);
    try {
      const refused = await refusal(device.answer(challenge, { decision: "approve", number, notMe: false }));
      expect(refused.details.status).toBe(410);
      expect((refused.details.problem as any).code).toBe("push_challenge_expired");
      const verified = await verify(attemptId, challengeId);
      expect(verified.status).toBe(410);
      expect(verified.body.code).toBe("push_challenge_expired");
      expect(await failures(userId)).toBe(0);
    } finally {
      clock.advance(-120_000);
    }
  });

  it("S17 a replayed answer (the same signed bytes, Ed25519) is refused", async () => {
    const userId = uniqueId("u");
    const sent: { url: string; init: RequestInit }[] = [];
    const { device } = await enrollPush(userId, "phone", "Ed25519", newDevice(sent));
    const attemptId = await start(userId);
    const { challengeId, number } = await issue(attemptId);
    expect(await device.approve(challengeId, number)).toBe("approved");
    const answer = sent.find((s) => s.url.endsWith("/answer"));
    if (!answer) throw new Error("the device sent no answer");
    const replayed = await fetch(answer.url, answer.init);
    expect(replayed.status).toBe(409);
    expect(((await replayed.json()) as any).code).toBe("push_already_answered");
    expect((await verify(attemptId, challengeId)).body).toMatchObject({ success: true });
  });

  it("S17 an answer signed by another device's key is refused, and the challenge stays answerable", async () => {
    const userId = uniqueId("u");
    const mine = await enrollPush(userId);
    const otherFile = join(keyDir, `${uniqueId("other")}.json`);
    const otherDevice = new PushDevice({ keyFile: otherFile, now: () => clock.now() });
    await enrollPush(uniqueId("u"), "phone", "ES256", otherDevice);
    const attemptId = await start(userId);
    const { challengeId, number } = await issue(attemptId);
    const challenge = await pendingOf(mine.device, challengeId);
    const { key: otherKey } = await readKeyFile(otherFile);
    const message = canonicalPushMessage({
      type: "answer",
      tenantId: new URL(mine.link.replace("mfachain-push://", "https://x/")).searchParams.get("tenant") as string,
      userId,
      attemptId,
      challengeId,
      decision: "approve",
      number,
      notMe: false,
    });
    if (!message.ok) throw new Error(message.error.message);
    const params = new URL(mine.link.replace("mfachain-push://", "https://x/")).searchParams;
    const forged = await new ApiClient(server.url, null).post(
      `/v1/push/tenants/${params.get("tenant")}/devices/${mine.credentialId}/challenges/${challengeId}/answer`,
      { decision: "approve", number, notMe: false, signature: otherKey.sign(message.value) },
    );
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe("push_unauthorized");
    expect(await mine.device.answer(challenge, { decision: "approve", number, notMe: false })).toBe("approved");
    expect((await verify(attemptId, challengeId)).body).toMatchObject({ success: true });
  });

  it("S17 a replayed poll is refused, and so is a poll whose timestamp is more than 60 s off", async () => {
    const userId = uniqueId("u");
    const sent: { url: string; init: RequestInit }[] = [];
    const keyFile = join(keyDir, `${uniqueId("poll")}.json`);
    const device = new PushDevice({
      keyFile,
      now: () => clock.now(),
      fetch: (async (url: string, init: RequestInit) => {
        sent.push({ url, init });
        return fetch(url, init);
      }) as typeof fetch,
    });
    await enrollPush(userId, "phone", "ES256", device);
    await device.poll();
    const poll = sent.find((s) => s.url.endsWith("/challenges"));
    if (!poll) throw new Error("the device sent no poll");
    const replayed = await fetch(poll.url, poll.init);
    expect(replayed.status).toBe(401);
    expect(((await replayed.json()) as any).code).toBe("push_unauthorized");
    // The same key file on a clock 61 s behind or ahead of the server's: refused; 59 s behind: accepted.
    for (const skew of [-61_000, 61_000]) {
      const skewed = new PushDevice({ keyFile, now: () => clock.now() + skew });
      expect((await refusal(skewed.poll())).details.status).toBe(401);
    }
    expect(await new PushDevice({ keyFile, now: () => clock.now() - 59_000 }).poll()).toEqual([]);
  });

  it("S17 20 parallel approvals of one challenge: exactly one is recorded, and the step passes once", async () => {
    const userId = uniqueId("u");
    const { device } = await enrollPush(userId);
    const attemptId = await start(userId);
    const { challengeId, number } = await issue(attemptId);
    const challenge = await pendingOf(device, challengeId);
    const answers = await Promise.allSettled(
      Array.from({ length: 20 }, () => device.answer(challenge, { decision: "approve", number, notMe: false })),
    );
    expect(answers.filter((a) => a.status === "fulfilled" && a.value === "approved")).toHaveLength(1);
    for (const a of answers) if (a.status === "rejected") expect((a.reason as PushDeviceError).details.status).toBe(409);
    const verifies = await Promise.all(Array.from({ length: 20 }, () => verify(attemptId, challengeId)));
    expect(verifies.filter((v) => v.status === 200 && v.body.success === true)).toHaveLength(1);
  });
});

describe("S16 anti-fatigue", () => {
  it("S16 the (N+1)th pending push and the (M+1)th in an hour are refused with 429 and Retry-After", async () => {
    const userId = uniqueId("u");
    await enrollPush(userId, "strict");
    // maxPending 2: two pushes wait unanswered, the third is refused until the first expires.
    await issue(await start(userId, "strict"));
    await issue(await start(userId, "strict"));
    const third = await api.post(`/v1/attempts/${await start(userId, "strict")}/challenge`);
    expect(third.status).toBe(429);
    expect(third.body.code).toBe("too_many_pushes");
    const retryAfter = Number(third.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(100);
    expect(retryAfter).toBeLessThanOrEqual(120);
    // maxPerHour 4: once those expire, two more go out; the fifth within the hour is refused until the first is an hour old.
    clock.advance(121_000);
    try {
      await issue(await start(userId, "strict"));
      await issue(await start(userId, "strict"));
      clock.advance(121_000);
      const fifth = await api.post(`/v1/attempts/${await start(userId, "strict")}/challenge`);
      expect(fifth.status).toBe(429);
      expect(fifth.body.code).toBe("too_many_pushes");
      // Until the oldest of the hour's four is an hour old (the server's clock is 242 s ahead of the wall clock here).
      expect(fifth.headers.get("retry-after")).toMatch(/^\d+$/);
      const hourRetry = (Date.parse(fifth.body.retryAt) - clock.now()) / 1000;
      expect(hourRetry).toBeGreaterThan(3600 - 250);
      expect(hourRetry).toBeLessThanOrEqual(3600 - 240);
      const limited = (await api.get(`/v1/audit-events?userId=${userId}&type=push.challenge_limited`)).body.events as any[];
      expect(limited).toHaveLength(2);
    } finally {
      clock.advance(-242_000);
    }
  });

  it("S16 repeated denies stop pushes to the user until an administrator clears them", async () => {
    const userId = uniqueId("u");
    const { device } = await enrollPush(userId, "strict");
    for (let i = 0; i < 2; i++) {
      const { challengeId } = await issue(await start(userId, "strict"));
      expect(await device.deny(challengeId)).toBe("denied");
    }
    const stopped = await api.post(`/v1/attempts/${await start(userId, "strict")}/challenge`);
    expect(stopped.status).toBe(429);
    expect(stopped.body).toMatchObject({ code: "too_many_pushes", retryAt: null });
    expect(stopped.headers.get("retry-after")).toBeNull();
    // A service key may not clear them; an admin key may.
    expect((await service.delete(`/v1/users/${userId}/push-denies`)).status).toBe(403);
    expect((await api.delete(`/v1/users/${userId}/push-denies`)).status).toBe(204);
    await issue(await start(userId, "strict"));
  });

  it("S16 a chain the user completes clears the denies too", async () => {
    const userId = uniqueId("u");
    const { device } = await enrollPush(userId, "strict");
    for (let i = 0; i < 2; i++) {
      const { challengeId } = await issue(await start(userId, "strict"));
      expect(await device.deny(challengeId)).toBe("denied");
    }
    expect((await api.post(`/v1/attempts/${await start(userId, "strict")}/challenge`)).status).toBe(429);
    const enrolledApp = await api.post<Enrollment>(`/v1/users/${userId}/factors`, { policyId: "app", factorId: "app" });
    const app = new Authenticator(enrolledApp.body, clock);
    expect((await api.post(`/v1/users/${userId}/factors/${app.credentialId}/confirm`, { code: app.next() })).body.confirmed).toBe(true);
    const signIn = await start(userId, "app");
    expect((await api.post(`/v1/attempts/${signIn}/verify`, { factorId: "app", code: app.next() })).body).toMatchObject({ complete: true });
    await issue(await start(userId, "strict"));
  });
});

describe("a failure answer is counted exactly once (docs/push-protocol.md §5)", () => {
  it("S26 a wrong number: a new push is refused until the answer is verified; the verify counts it once, then a new push goes", async () => {
    const userId = uniqueId("u");
    const { device } = await enrollPush(userId);
    const attemptId = await start(userId);
    const first = await issue(attemptId);
    const decoy = (await pendingOf(device, first.challengeId)).choices.find((c) => c !== first.number) as number;
    expect((await refusal(device.approve(first.challengeId, decoy))).details.status).toBe(422);
    // A new push would replace the step's row, and the failure would never count: refused, naming the push to verify.
    const again = await api.post(`/v1/attempts/${attemptId}/challenge`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: "push_answer_unverified", pushChallengeId: first.challengeId });
    expect(await failures(userId)).toBe(0);
    const verified = await verify(attemptId, first.challengeId);
    expect(verified.body).toMatchObject({ success: false, failuresRemaining: 99 });
    expect(await failures(userId)).toBe(1);
    // Counted once: verifying it again counts nothing more.
    const twice = await verify(attemptId, first.challengeId);
    expect(twice.status).toBe(410);
    expect(await failures(userId)).toBe(1);
    // Verified: a new push for the step goes, and its approval passes.
    const second = await issue(attemptId);
    expect(await device.approve(second.challengeId, second.number)).toBe("approved");
    expect((await verify(attemptId, second.challengeId)).body).toMatchObject({ success: true });
  });

  it("S26 a deny verified long after the push (past the 3-minute grace) still counts as one failure", async () => {
    const userId = uniqueId("u");
    const { device } = await enrollPush(userId);
    const attemptId = await start(userId);
    const { challengeId } = await issue(attemptId);
    expect(await device.deny(challengeId)).toBe("denied");
    clock.advance(6 * 60_000);
    try {
      expect((await api.post(`/v1/attempts/${attemptId}/challenge`)).body.code).toBe("push_answer_unverified");
      const verified = await verify(attemptId, challengeId);
      expect(verified.status).toBe(200);
      expect(verified.body).toMatchObject({ success: false });
      expect(await failures(userId)).toBe(1);
    } finally {
      clock.advance(-6 * 60_000);
    }
  });

  it("S26 a new push of a step retires its earlier unanswered push: the device can no longer see or answer it, and an unanswered expired push lets a new one go", async () => {
    const userId = uniqueId("u");
    const { device } = await enrollPush(userId);
    const attemptId = await start(userId);
    const first = await issue(attemptId);
    const seen = await pendingOf(device, first.challengeId);
    const second = await issue(attemptId);
    expect((await device.poll()).map((c) => c.challengeId)).toEqual([second.challengeId]);
    // Its answer could never be verified (the step's row holds the newest push): refused, nothing recorded.
    const late = await refusal(device.answer(seen, { decision: "deny", number: null, notMe: false }));
    expect(late.details.status).toBe(410);
    expect((await verify(attemptId, first.challengeId)).body.success).toBe(false);
    // An unanswered push past its 2 minutes: 410 at verify (nothing counted) and a new push is allowed.
    clock.advance(121_000);
    try {
      expect((await verify(attemptId, second.challengeId)).status).toBe(410);
      const third = await issue(attemptId);
      expect(await device.approve(third.challengeId, third.number)).toBe("approved");
      expect((await verify(attemptId, third.challengeId)).body).toMatchObject({ success: true });
    } finally {
      clock.advance(-121_000);
    }
  });
});

describe("device requests refused alike", () => {
  it("S17 an unknown device, a wrong key, a skewed timestamp, a replayed nonce, an unknown or foreign challenge: the same 401 and byte-identical problem bodies", async () => {
    const userId = uniqueId("u");
    const keyFile = join(keyDir, `${uniqueId("same")}.json`);
    const { device, link, credentialId } = await enrollPush(userId, "phone", "ES256", new PushDevice({ keyFile, now: () => clock.now() }));
    const { key } = await readKeyFile(keyFile);
    const otherUser = uniqueId("u");
    const other = await enrollPush(otherUser);
    const tenantId = new URL(link.replace("mfachain-push://", "https://x/")).searchParams.get("tenant") as string;
    const stranger = DeviceKey.generate("ES256");
    const attemptId = await start(userId);
    const { challengeId, number } = await issue(attemptId);
    const otherAttempt = await start(otherUser);
    const foreign = await issue(otherAttempt);

    const raw = async (method: "GET" | "POST", path: string, init: { headers?: Record<string, string>; body?: unknown } = {}) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { ...init.headers, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      return { status: res.status, text: await res.text() };
    };
    const poll = (deviceId: string, signer: DeviceKey, skew = 0, nonce = randomBytes(18).toString("base64url")) => {
      const timestamp = clock.now() + skew;
      const message = canonicalPushMessage({ type: "poll", tenantId, deviceId, timestamp, nonce });
      if (!message.ok) throw new Error(message.error.message);
      const headers = {
        "mfa-push-timestamp": String(timestamp),
        "mfa-push-nonce": nonce,
        "mfa-push-signature": signer.sign(message.value),
      };
      return { send: () => raw("GET", `/v1/push/tenants/${tenantId}/devices/${deviceId}/challenges`, { headers }) };
    };
    const answer = (deviceId: string, id: string, signer: DeviceKey, forAttempt = attemptId, forUser = userId) => {
      const message = canonicalPushMessage({
        type: "answer",
        tenantId,
        userId: forUser,
        attemptId: forAttempt,
        challengeId: id,
        decision: "approve",
        number,
        notMe: false,
      });
      if (!message.ok) throw new Error(message.error.message);
      return raw("POST", `/v1/push/tenants/${tenantId}/devices/${deviceId}/challenges/${id}/answer`, {
        body: { decision: "approve", number, notMe: false, signature: signer.sign(message.value) },
      });
    };
    const replayed = poll(credentialId, key);
    expect((await replayed.send()).status).toBe(200);
    const refusals = [
      await poll("cred_nobody", stranger).send(),
      await poll(credentialId, stranger).send(),
      await poll(credentialId, key, -61_000).send(),
      await poll(credentialId, key, 61_000).send(),
      await replayed.send(),
      await raw("GET", `/v1/push/tenants/${tenantId}/devices/${credentialId}/challenges`),
      await answer(credentialId, "pch_unknown000000000000000000", stranger),
      await answer(credentialId, "pch_unknown000000000000000000", key),
      await answer("cred_nobody", challengeId, stranger),
      await answer(credentialId, challengeId, stranger),
      // Another device's challenge, answered with this device's key: as if it did not exist.
      await answer(credentialId, foreign.challengeId, key, otherAttempt, otherUser),
    ];
    for (const r of refusals) expect(r.status).toBe(401);
    expect(new Set(refusals.map((r) => r.text)).size).toBe(1);
    expect(JSON.parse(refusals[0]!.text)).toMatchObject({ code: "push_unauthorized", status: 401 });
    // Nothing changed: the challenge is still pending, and the device's own signed answer is recorded.
    expect(await device.approve(challengeId, number)).toBe("approved");
    expect((await pendingOf(other.device, foreign.challengeId)).challengeId).toBe(foreign.challengeId);
  });
});

describe("push gateway", () => {
  it("wakes the device after the challenge is committed, and a failing gateway leaves the push issued and pollable", async () => {
    const userId = uniqueId("u");
    const device = newDevice();
    const enrolled = await api.post(`/v1/users/${userId}/factors`, { policyId: "phone", factorId: "phone" });
    await device.enroll(enrolled.body.enrollmentLink as string, { deviceName: "Woken phone", pushToken: "fcm-token-1" });
    const attemptId = await start(userId);
    const first = await issue(attemptId);
    expect(woken.filter((w) => w.challengeId === first.challengeId)).toEqual([{ challengeId: first.challengeId, committed: true }]);
    gatewayFails = true;
    try {
      const second = await issue(attemptId);
      expect(woken.filter((w) => w.challengeId === second.challengeId)).toEqual([{ challengeId: second.challengeId, committed: true }]);
      expect(await device.approve(second.challengeId, second.number)).toBe("approved");
      expect((await verify(attemptId, second.challengeId)).body).toMatchObject({ success: true });
    } finally {
      gatewayFails = false;
    }
  });
});

describe("device routes: bad input", () => {
  it("is a 4xx problem, never a 5xx, and changes nothing", async () => {
    const userId = uniqueId("u");
    const enrolled = await api.post(`/v1/users/${userId}/factors`, { policyId: "phone", factorId: "phone" });
    const params = new URL(String(enrolled.body.enrollmentLink).replace("mfachain-push://", "https://x/")).searchParams;
    const at = `/v1/push/tenants/${params.get("tenant")}/devices/${params.get("credential")}`;
    const key = DeviceKey.generate("Ed25519");
    const proof = {
      userId,
      enrollmentToken: params.get("token"),
      algorithm: "Ed25519",
      publicKey: key.publicKey,
      deviceName: "Phone",
      signature: "x",
    };
    const nobody = new ApiClient(server.url, null);
    const attempts: Array<Promise<{ status: number; contentType: string }>> = [
      nobody.post(`${at}/enrollment`, { ...proof, algorithm: "RS256" }),
      nobody.post(`${at}/enrollment`, { ...proof, publicKey: DeviceKey.generate("ES256").publicKey }),
      nobody.post(`${at}/enrollment`, { ...proof, publicKey: "not base64url!" }),
      nobody.post(`${at}/enrollment`, { ...proof, deviceName: "evil\u202ename" }),
      nobody.post(`${at}/enrollment`, { ...proof, userId: "a b" }),
      nobody.post(`${at}/enrollment`, { ...proof, pushToken: "" }),
      nobody.post(`${at}/enrollment`, { ...proof, enrollmentToken: "short" }),
      nobody.post(`${at}/enrollment`, []),
      nobody.call("POST", `${at}/enrollment`, undefined, { raw: "{", headers: { "content-type": "application/json" } }),
      nobody.post(`/v1/push/tenants/${params.get("tenant")}/devices/a%2Fb/enrollment`, proof),
      nobody.call("GET", `${at}/challenges`, undefined, {
        headers: { "mfa-push-timestamp": "soon", "mfa-push-nonce": "n", "mfa-push-signature": "s" },
      }),
      nobody.call("GET", `${at}/challenges`),
      nobody.post(`${at}/challenges/pch_x/answer`, { decision: "maybe", number: 42, notMe: false, signature: "s" }),
      nobody.post(`${at}/challenges/pch_x/answer`, { decision: "approve", number: 100, notMe: false, signature: "s" }),
      nobody.post(`${at}/challenges/pch_x/answer`, { decision: "deny", number: 42, notMe: true, signature: "s" }),
      nobody.post(`${at}/challenges/pch_x/answer`, { decision: "approve", number: 42, notMe: true, signature: "s" }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.contentType).toContain("application/problem+json");
    }
    // Nothing changed: the factor is still pending, and its link still enrolls a device.
    expect((await api.get(`/v1/users/${userId}/factors`)).body.factors[0].status).toBe("pending");
    await newDevice().enroll(String(enrolled.body.enrollmentLink), { deviceName: "Phone" });
  });
});

/** The newest message to `address` whose subject matches, read through `pick` (polled until it arrives). */
async function waitForMail(address: string, subject: RegExp, pick: (text: string) => string | undefined): Promise<string> {
  const since = Date.now();
  for (;;) {
    const found = smtp.received
      .filter((m) => m.rcptTo.includes(address) && subject.test(m.parsed.subject ?? ""))
      .map((m) => pick(m.parsed.text ?? ""))
      .filter((v): v is string => v !== undefined)
      .at(-1);
    if (found !== undefined) return found;
    if (Date.now() - since > 10_000) throw new Error(`no message matching ${subject} arrived`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
