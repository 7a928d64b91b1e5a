// A stand-in for the API's push routes (server side: to come), on loopback node:http. It checks what a real server
// will check, with the domain's rules: the canonical strings, the ±60 s poll window, a nonce store bounded by
// pushPollNonceRetainUntil, the one-time enrollment token, number matching, expiry and answer-once.
//
// The signature check implements the application's PushSignatureVerifier port with node:crypto directly: the
// architecture forbids an adapter (this package, tests included) to import another adapter (@mfa-chain/crypto),
// so the crypto adapter itself meets this device in the API's end-to-end tests; here an independent verifier with the
// same contract (SPKI DER keys, P1363 ES256 signatures) checks the device's real signatures.
import { createPublicKey, verify } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { PushPublicKey, PushPublicKeyError, PushSignatureVerifier } from "@mfa-chain/application";
import {
  canonicalPushMessage,
  checkPushPollTimestamp,
  drawPushChoices,
  drawPushNumber,
  err,
  formatPushEnrollmentLink,
  isPushAlgorithm,
  isPushDecision,
  isPushToken,
  judgePushAnswer,
  ok,
  pushChallengeExpiresAt,
  pushEnrollmentExpiresAt,
  pushPollNonceRetainUntil,
  type PushAlgorithm,
  type PushAnswerOutcome,
  type PushChoices,
  type PushMessage,
  type Result,
} from "@mfa-chain/domain";
import { SeededRandom } from "@mfa-chain/domain/testing";
import { POLL_HEADERS } from "../src/routes.js";

export class NodeCryptoTestVerifier implements PushSignatureVerifier {
  parsePublicKey(algorithm: PushAlgorithm, publicKey: Uint8Array): Result<PushPublicKey, PushPublicKeyError> {
    try {
      const key = createPublicKey({ key: Buffer.from(publicKey), format: "der", type: "spki" });
      const fits = algorithm === "ES256" ? key.asymmetricKeyDetails?.namedCurve === "prime256v1" : key.asymmetricKeyType === "ed25519";
      return fits ? ok({ algorithm, spki: publicKey }) : err({ code: "algorithm_mismatch", message: "another key type" });
    } catch {
      return err({ code: "malformed", message: "not an SPKI DER key" });
    }
  }

  verify(publicKey: Uint8Array, algorithm: PushAlgorithm, message: string, signature: Uint8Array): boolean {
    if (signature.length !== 64 || !this.parsePublicKey(algorithm, publicKey).ok) return false;
    const key = createPublicKey({ key: Buffer.from(publicKey), format: "der", type: "spki" });
    const data = Buffer.from(message, "utf8");
    return algorithm === "ES256"
      ? verify("sha256", data, { key, dsaEncoding: "ieee-p1363" }, signature)
      : verify(null, data, key, signature);
  }
}

interface Enrollment {
  readonly tenantId: string;
  readonly userId: string;
  readonly token: string;
  readonly expiresAt: number;
  used: boolean;
}
interface Device {
  readonly tenantId: string;
  readonly userId: string;
  readonly algorithm: PushAlgorithm;
  readonly publicKey: Uint8Array;
  readonly deviceName: string;
  readonly pushToken?: string;
}
export interface StubChallenge {
  readonly challengeId: string;
  readonly tenantId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly attemptId: string;
  readonly number: number;
  readonly choices: PushChoices;
  readonly expiresAt: number;
  state: "pending" | "answered";
  outcome?: PushAnswerOutcome;
}

const ROUTE = /^\/v1\/push\/tenants\/([^/]+)\/devices\/([^/]+)\/(enrollment|challenges|challenges\/([^/]+)\/answer)$/;

export class PushStubServer {
  readonly enrollments = new Map<string, Enrollment>();
  readonly devices = new Map<string, Device>();
  readonly challenges = new Map<string, StubChallenge>();
  /** `${deviceId} ${nonce}` → until when it is kept. */
  readonly nonces = new Map<string, number>();
  readonly refusals: string[] = [];
  /** The server clock; tests move it. */
  now: () => number = Date.now;
  readonly #verifier = new NodeCryptoTestVerifier();
  readonly #random = new SeededRandom(1313);
  readonly #server: Server;
  #ids = 0;
  baseUrl = "";

  constructor() {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => this.#send(res, 500, { title: String(error) }));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.baseUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** What a push factor's enrollment will return: a one-time token, in a link. */
  issueEnrollment(tenantId: string, userId: string, label?: string): { credentialId: string; token: string; link: string } {
    const credentialId = `cred_${++this.#ids}`;
    const token = Buffer.from(Array.from({ length: 16 }, () => this.#random.nextInt(256))).toString("base64url");
    this.enrollments.set(credentialId, { tenantId, userId, token, expiresAt: pushEnrollmentExpiresAt(this.now()), used: false });
    const link = formatPushEnrollmentLink({
      apiBaseUrl: this.baseUrl,
      tenantId,
      userId,
      credentialId,
      enrollmentToken: token,
      ...(label === undefined ? {} : { label }),
    });
    if (!link.ok) throw new Error(link.error.message);
    return { credentialId, token, link: link.value };
  }

  /** What the challenge phase of a push step will do: a number for the page, three choices for the device. */
  issueChallenge(deviceId: string, attemptId = `att_${++this.#ids}`): StubChallenge {
    const device = this.devices.get(deviceId);
    if (device === undefined) throw new Error(`no device ${deviceId}`);
    const number = drawPushNumber(this.#random);
    const challenge: StubChallenge = {
      challengeId: `ch_${++this.#ids}`,
      tenantId: device.tenantId,
      userId: device.userId,
      deviceId,
      attemptId,
      number,
      choices: drawPushChoices(number, this.#random),
      expiresAt: pushChallengeExpiresAt(this.now()),
      state: "pending",
    };
    this.challenges.set(challenge.challengeId, challenge);
    return challenge;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.baseUrl);
    const m = ROUTE.exec(url.pathname);
    if (m === null) return this.#send(res, 404, { title: "not found" });
    const tenantId = decodeURIComponent(m[1] ?? "");
    const deviceId = decodeURIComponent(m[2] ?? "");
    const challengeId = m[4] === undefined ? undefined : decodeURIComponent(m[4]);
    if (m[3] === "enrollment" && req.method === "POST") return this.#enroll(res, tenantId, deviceId, await readJson(req));
    if (m[3] === "challenges" && req.method === "GET") return this.#poll(req, res, tenantId, deviceId);
    if (challengeId !== undefined && req.method === "POST") return this.#answer(res, tenantId, deviceId, challengeId, await readJson(req));
    return this.#send(res, 405, { title: "method not allowed" });
  }

  #enroll(res: ServerResponse, tenantId: string, credentialId: string, body: Record<string, unknown>): void {
    const enrollment = this.enrollments.get(credentialId);
    const refuse = (why: string) => this.#refuse(res, 401, "enrollment refused", why);
    if (enrollment === undefined || enrollment.tenantId !== tenantId) return refuse("unknown credential");
    if (enrollment.used) return refuse("token already used");
    if (!(this.now() < enrollment.expiresAt)) return refuse("token expired");
    if (body.enrollmentToken !== enrollment.token || body.userId !== enrollment.userId) return refuse("wrong token or user");
    if (!isPushAlgorithm(body.algorithm) || typeof body.publicKey !== "string" || typeof body.deviceName !== "string") {
      return refuse("malformed body");
    }
    const publicKey = Buffer.from(body.publicKey, "base64url");
    if (!this.#verifier.parsePublicKey(body.algorithm, publicKey).ok) return refuse("bad key");
    const signed = this.#signedBy(
      {
        type: "enroll",
        enrollmentToken: enrollment.token,
        tenantId,
        userId: enrollment.userId,
        credentialId,
        algorithm: body.algorithm,
        publicKey: body.publicKey,
        deviceName: body.deviceName,
      },
      publicKey,
      body.algorithm,
      body.signature,
    );
    if (!signed) return refuse("bad signature");
    enrollment.used = true;
    this.devices.set(credentialId, {
      tenantId,
      userId: enrollment.userId,
      algorithm: body.algorithm,
      publicKey,
      deviceName: body.deviceName,
      ...(typeof body.pushToken === "string" ? { pushToken: body.pushToken } : {}),
    });
    this.#send(res, 201, { deviceId: credentialId, status: "active" });
  }

  #poll(req: IncomingMessage, res: ServerResponse, tenantId: string, deviceId: string): void {
    const device = this.devices.get(deviceId);
    const refuse = (why: string) => this.#refuse(res, 401, "poll refused", why);
    if (device === undefined || device.tenantId !== tenantId) return refuse("unknown device");
    const timestampText = header(req, POLL_HEADERS.timestamp);
    const nonce = header(req, POLL_HEADERS.nonce);
    const timestamp = /^[0-9]{1,16}$/.test(timestampText) ? Number(timestampText) : Number.NaN;
    if (!Number.isSafeInteger(timestamp) || !isPushToken(nonce)) return refuse("malformed poll headers");
    const now = this.now();
    const window = checkPushPollTimestamp(timestamp, now);
    if (!window.ok) return refuse(`timestamp ${window.reason}`);
    if (
      !this.#signedBy(
        { type: "poll", tenantId, deviceId, timestamp, nonce },
        device.publicKey,
        device.algorithm,
        header(req, POLL_HEADERS.signature),
      )
    ) {
      return refuse("bad signature");
    }
    // Forget what the window alone now refuses; then check-and-remember (atomically: one event loop turn).
    for (const [key, until] of this.nonces) if (until < now) this.nonces.delete(key);
    const key = `${deviceId} ${nonce}`;
    if (this.nonces.has(key)) return refuse("nonce replayed");
    this.nonces.set(key, pushPollNonceRetainUntil(timestamp));
    const pending = [...this.challenges.values()].filter((c) => c.deviceId === deviceId && c.state === "pending" && now < c.expiresAt);
    this.#send(res, 200, {
      challenges: pending.map((c) => ({
        challengeId: c.challengeId,
        attemptId: c.attemptId,
        userId: c.userId,
        choices: c.choices,
        expiresAt: c.expiresAt,
        context: "Sign in to Acme",
      })),
    });
  }

  #answer(res: ServerResponse, tenantId: string, deviceId: string, challengeId: string, body: Record<string, unknown>): void {
    const device = this.devices.get(deviceId);
    const challenge = this.challenges.get(challengeId);
    if (device === undefined || challenge === undefined || challenge.deviceId !== deviceId || challenge.tenantId !== tenantId) {
      // As the API: no challenge of this device is refused like a bad signature (the caller learns nothing).
      return this.#refuse(res, 401, "answer refused", "unknown challenge");
    }
    const { decision, number, notMe } = body;
    if (!isPushDecision(decision) || !(number === null || typeof number === "number") || typeof notMe !== "boolean") {
      return this.#refuse(res, 400, "malformed answer", "malformed answer");
    }
    // The string is rebuilt from what the server holds: the answer is bound to this challenge, attempt, user, tenant.
    const message: PushMessage = {
      type: "answer",
      tenantId,
      userId: challenge.userId,
      attemptId: challenge.attemptId,
      challengeId,
      decision,
      number,
      notMe,
    };
    if (!this.#signedBy(message, device.publicKey, device.algorithm, body.signature))
      return this.#refuse(res, 401, "answer refused", "bad signature");
    if (challenge.state !== "pending") return this.#refuse(res, 409, "challenge already answered", "answered twice");
    challenge.state = "answered";
    const outcome = judgePushAnswer(challenge, { decision, number, notMe }, this.now());
    challenge.outcome = outcome;
    switch (outcome) {
      case "approved":
      case "denied":
      case "reported_fraud":
        return this.#send(res, 200, { outcome });
      case "wrong_number":
        return this.#refuse(res, 422, "wrong number", "wrong number");
      case "expired":
        return this.#refuse(res, 410, "challenge expired", "expired");
    }
  }

  #signedBy(message: PushMessage, publicKey: Uint8Array, algorithm: PushAlgorithm, signature: unknown): boolean {
    const canonical = canonicalPushMessage(message);
    if (!canonical.ok || typeof signature !== "string") return false;
    return this.#verifier.verify(publicKey, algorithm, canonical.value, Buffer.from(signature, "base64url"));
  }

  #refuse(res: ServerResponse, status: number, title: string, why: string): void {
    this.refusals.push(why);
    this.#send(res, status, { type: "about:blank", title, status });
  }

  #send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": status >= 400 ? "application/problem+json" : "application/json" });
    res.end(JSON.stringify(body));
  }
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return typeof value === "string" ? value : "";
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
