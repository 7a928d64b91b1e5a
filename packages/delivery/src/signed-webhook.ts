// A JSON POST signed with HMAC-SHA256, so that the receiver can tell it came from mfa-chain and is fresh: the one way
// the SMS webhook and the push gateway webhook talk to the operator's own gateways. docs/delivery.md says how a
// receiver verifies the signature.
import { createHmac } from "node:crypto";
import type { Clock } from "@mfa-chain/application";
import { DeliveryConfigError, type DeliveryConfigIssue } from "./delivery.errors.js";
import { parseProviderUrl, postToProvider, type ProviderAnswer } from "./http-provider.js";

export const WEBHOOK_SIGNATURE_HEADER = "Mfa-Signature";
export const WEBHOOK_SECRET_MIN_LENGTH = 32;

/**
 * The signature of a webhook body: lowercase hex HMAC-SHA256, keyed with the UTF-8 secret, over
 * `${timestamp}.${body}` where timestamp is in Unix seconds and body is the exact bytes sent.
 */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

export interface SignedWebhookOptions {
  /** https:// (http:// for loopback only). */
  readonly url: string;
  /** The shared signing secret, at least 32 characters. */
  readonly secret: string;
  /** Deadline of one POST, answer included. */
  readonly timeoutMs: number;
  /** The signature's timestamp; the system clock by default. */
  readonly clock?: Clock;
}

export class SignedWebhook {
  readonly #provider: string;
  readonly #url: URL;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #clock: Clock;

  /** Checks the settings at once: a bad URL or a short secret throws a DeliveryConfigError naming both. */
  constructor(provider: string, options: SignedWebhookOptions) {
    const url = parseProviderUrl(options.url);
    const issues: DeliveryConfigIssue[] = [];
    if (!url.ok) issues.push({ where: "url", message: url.message });
    if (options.secret.length < WEBHOOK_SECRET_MIN_LENGTH) {
      issues.push({ where: "secret", message: `must be at least ${WEBHOOK_SECRET_MIN_LENGTH} characters` });
    }
    if (!url.ok || issues.length > 0) throw new DeliveryConfigError("config_invalid", issues);
    this.#provider = provider;
    this.#url = url.url;
    this.#secret = options.secret;
    this.#timeoutMs = options.timeoutMs;
    this.#clock = options.clock ?? { now: () => Date.now() };
  }

  /** POSTs the JSON body with its signature header; throws DeliveryUnavailableError unless the receiver accepted it. */
  async post(body: string): Promise<ProviderAnswer> {
    const timestamp = Math.floor(this.#clock.now() / 1000);
    return postToProvider(
      this.#provider,
      this.#url,
      {
        headers: {
          "content-type": "application/json",
          [WEBHOOK_SIGNATURE_HEADER]: `t=${timestamp},v1=${webhookSignature(this.#secret, timestamp, body)}`,
        },
        body,
      },
      this.#timeoutMs,
    );
  }
}
