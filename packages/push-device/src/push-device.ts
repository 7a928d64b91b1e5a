// The reference push device: enrolls with a link, polls for challenges, approves or denies them — every request signed
// with the device's key over the domain's canonical strings (docs/push-protocol.md). Used by the tests, the CLI and
// anyone trying the demo; a phone app does the same with its platform's key store.
import { randomBytes } from "node:crypto";
import {
  arePushChoicesFor,
  canonicalPushMessage,
  isPushDisplayText,
  isPushId,
  isPushInstant,
  isPushNumber,
  parsePushEnrollmentLink,
  type PushAlgorithm,
  type PushChoices,
  type PushMessage,
} from "@mfa-chain/domain";
import { assertKeyFileWritable, DeviceKey, readKeyFile, writeKeyFile, type DeviceEnrollment, type DeviceState } from "./device-key.js";
import { PushDeviceError } from "./push-device.errors.js";
import { POLL_HEADERS, PUSH_ROUTES } from "./routes.js";

/** A pending challenge as the device sees it. */
export interface DeviceChallenge {
  readonly challengeId: string;
  readonly attemptId: string;
  readonly userId: string;
  /** Three numbers, one of them the number the relying party's page shows. */
  readonly choices: PushChoices;
  readonly expiresAt: number;
  /** What the relying party says the sign-in is for, if anything (display text). */
  readonly context?: string;
}

export type AnswerOutcome = "approved" | "denied" | "reported_fraud";

export interface PushDeviceOptions {
  /** Where the key file is (mode 0600). */
  readonly keyFile: string;
  /** Per request; 10 s by default. */
  readonly timeoutMs?: number;
  /** The device's clock for poll timestamps (tests move it). */
  readonly now?: () => number;
  /** The HTTP client (global fetch by default). */
  readonly fetch?: typeof fetch;
}

export interface EnrollOptions {
  readonly deviceName: string;
  readonly algorithm?: PushAlgorithm;
  /** An FCM/APNs token for the push gateway; optional: polling always works. */
  readonly pushToken?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const PUSH_TOKEN_MAX = 4096;

function canonical(message: PushMessage): string {
  const r = canonicalPushMessage(message);
  if (!r.ok) throw new PushDeviceError("invalid_input", r.error.message);
  return r.value;
}

export class PushDevice {
  readonly #keyFile: string;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;

  constructor(options: PushDeviceOptions) {
    this.#keyFile = options.keyFile;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** Generates a key, proves it to the server with the link's one-time token, and stores it once the server accepts. */
  async enroll(link: string, options: EnrollOptions): Promise<DeviceEnrollment> {
    const parsed = parsePushEnrollmentLink(link.trim());
    if (!parsed.ok) throw new PushDeviceError("invalid_link", parsed.error.message);
    if (!isPushDisplayText(options.deviceName)) {
      throw new PushDeviceError("invalid_input", "the device name must be 1–64 characters of display text");
    }
    if (options.pushToken !== undefined && (options.pushToken.length === 0 || options.pushToken.length > PUSH_TOKEN_MAX)) {
      throw new PushDeviceError("invalid_input", `a push token is 1–${PUSH_TOKEN_MAX} characters`);
    }
    const l = parsed.value;
    const key = DeviceKey.generate(options.algorithm ?? "ES256");
    const proof = canonical({
      type: "enroll",
      enrollmentToken: l.enrollmentToken,
      tenantId: l.tenantId,
      userId: l.userId,
      credentialId: l.credentialId,
      algorithm: key.algorithm,
      publicKey: key.publicKey,
      deviceName: options.deviceName,
    });
    const enrollment: DeviceEnrollment = {
      apiBaseUrl: l.apiBaseUrl,
      tenantId: l.tenantId,
      userId: l.userId,
      deviceId: l.credentialId,
      deviceName: options.deviceName,
      ...(l.label === undefined ? {} : { label: l.label }),
    };
    // Refuse before the server spends the one-time token, if the key could not be kept afterwards.
    await assertKeyFileWritable(this.#keyFile);
    await this.#request("POST", PUSH_ROUTES.enrollment(enrollment), {
      userId: l.userId,
      enrollmentToken: l.enrollmentToken,
      algorithm: key.algorithm,
      publicKey: key.publicKey,
      deviceName: options.deviceName,
      ...(options.pushToken === undefined ? {} : { pushToken: options.pushToken }),
      signature: key.sign(proof),
    });
    await writeKeyFile(this.#keyFile, { key, enrollment });
    return enrollment;
  }

  /** The pending challenges of this device (a signed poll: timestamp and a fresh nonce). */
  async poll(): Promise<DeviceChallenge[]> {
    const { key, enrollment } = await this.#state();
    const timestamp = Math.trunc(this.#now());
    const nonce = randomBytes(16).toString("base64url");
    const signature = key.sign(canonical({ type: "poll", tenantId: enrollment.tenantId, deviceId: enrollment.deviceId, timestamp, nonce }));
    const body = await this.#request("GET", PUSH_ROUTES.challenges(enrollment), undefined, {
      [POLL_HEADERS.timestamp]: String(timestamp),
      [POLL_HEADERS.nonce]: nonce,
      [POLL_HEADERS.signature]: signature,
    });
    return readChallenges(body, enrollment);
  }

  /** Approves a pending challenge with the number the user read on the relying party's page. */
  async approve(challengeId: string, number: number): Promise<AnswerOutcome> {
    if (!isPushNumber(number)) throw new PushDeviceError("invalid_input", "the number is two digits, 10–99");
    const challenge = await this.#pending(challengeId);
    if (!challenge.choices.includes(number)) {
      throw new PushDeviceError("number_not_offered", `${number} is not one of ${challenge.choices.join(", ")}: deny if unsure`);
    }
    return this.answer(challenge, { decision: "approve", number, notMe: false });
  }

  /** Denies a pending challenge; `notMe` reports it as fraud ("this sign-in was not me"). */
  async deny(challengeId: string, options: { readonly notMe?: boolean } = {}): Promise<AnswerOutcome> {
    const challenge = await this.#pending(challengeId);
    return this.answer(challenge, { decision: "deny", number: null, notMe: options.notMe ?? false });
  }

  /** Signs and sends an answer to a challenge already fetched. */
  async answer(
    challenge: DeviceChallenge,
    answer: { readonly decision: "approve" | "deny"; readonly number: number | null; readonly notMe: boolean },
  ): Promise<AnswerOutcome> {
    const { key, enrollment } = await this.#state();
    const signature = key.sign(
      canonical({
        type: "answer",
        tenantId: enrollment.tenantId,
        userId: challenge.userId,
        attemptId: challenge.attemptId,
        challengeId: challenge.challengeId,
        ...answer,
      }),
    );
    const body = await this.#request("POST", PUSH_ROUTES.answer(enrollment, challenge.challengeId), { ...answer, signature });
    const outcome = (body as { outcome?: unknown } | null)?.outcome;
    if (outcome !== "approved" && outcome !== "denied" && outcome !== "reported_fraud") {
      throw new PushDeviceError("invalid_response", "the answer's response has no known outcome");
    }
    return outcome;
  }

  async #pending(challengeId: string): Promise<DeviceChallenge> {
    if (!isPushId(challengeId))
      throw new PushDeviceError("invalid_input", "a challenge id is 1–128 characters of A–Z a–z 0–9 . _ @ : + = -");
    const challenge = (await this.poll()).find((c) => c.challengeId === challengeId);
    if (challenge === undefined)
      throw new PushDeviceError("challenge_not_found", `no pending challenge ${challengeId} (answered or expired?)`);
    return challenge;
  }

  #state(): Promise<DeviceState> {
    return readKeyFile(this.#keyFile);
  }

  async #request(method: "GET" | "POST", url: string, body?: unknown, headers: Record<string, string> = {}): Promise<unknown> {
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method,
        headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        redirect: "error",
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (cause) {
      const timedOut = cause instanceof Error && cause.name === "TimeoutError";
      throw new PushDeviceError(
        "network",
        timedOut ? `${method} ${url}: no answer within ${this.#timeoutMs} ms` : `${method} ${url}: unreachable`,
        {
          cause,
        },
      );
    }
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text === "" ? null : JSON.parse(text);
    } catch {
      if (response.ok) throw new PushDeviceError("invalid_response", `${method} ${url}: the response is not JSON`);
    }
    if (!response.ok) {
      const p = json as { title?: unknown; detail?: unknown } | null;
      const said = [p?.title, p?.detail].filter((s) => typeof s === "string").join(": ");
      throw new PushDeviceError("server_refused", `${method} ${url}: ${response.status}${said === "" ? "" : ` ${said}`}`, {
        status: response.status,
        problem: json,
      });
    }
    return json;
  }
}

/** The poll's response, read strictly: a challenge of another user or of a malformed shape refuses the whole answer. */
function readChallenges(body: unknown, enrollment: DeviceEnrollment): DeviceChallenge[] {
  const invalid = (what: string) => new PushDeviceError("invalid_response", `the poll's response: ${what}`);
  const list = (body as { challenges?: unknown } | null)?.challenges;
  if (!Array.isArray(list)) throw invalid("no challenges array");
  return list.map((raw: unknown, i) => {
    const c = raw as Partial<Record<keyof DeviceChallenge, unknown>> | null;
    if (c === null || typeof c !== "object") throw invalid(`challenges[${i}] is not an object`);
    const { challengeId, attemptId, userId, expiresAt, context } = c;
    if (!isPushId(challengeId) || !isPushId(attemptId)) throw invalid(`challenges[${i}] has no valid ids`);
    if (userId !== enrollment.userId) throw invalid(`challenges[${i}] is for another user`);
    const choices = c.choices;
    if (!Array.isArray(choices) || !choices.some((n) => arePushChoicesFor(choices as number[], n as number))) {
      throw invalid(`challenges[${i}].choices are not three distinct numbers 10–99`);
    }
    if (!isPushInstant(expiresAt)) throw invalid(`challenges[${i}].expiresAt is not an instant`);
    if (context !== undefined && !isPushDisplayText(context)) throw invalid(`challenges[${i}].context is not display text`);
    return {
      challengeId,
      attemptId,
      userId: enrollment.userId,
      choices: choices as unknown as PushChoices,
      expiresAt,
      ...(context === undefined ? {} : { context }),
    };
  });
}
