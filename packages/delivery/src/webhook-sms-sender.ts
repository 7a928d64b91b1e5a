// SMS through the operator's own gateway: a JSON POST of {to, body, messageId}, signed with HMAC-SHA256 so that the
// gateway can tell it came from mfa-chain and is fresh. docs/delivery.md says how a receiver verifies the signature.
import { createHmac, randomUUID } from "node:crypto";
import type { Channel, Clock, DeliveryReceipt, MessageDelivery, OutboundMessage } from "@mfa-chain/application";
import { requireChannel } from "./channel.js";
import { DeliveryConfigError, type DeliveryConfigIssue } from "./delivery.errors.js";
import { assertE164, DEFAULT_HTTP_TIMEOUT_MS, parseProviderUrl, postToProvider } from "./http-provider.js";
import { MessageRenderer } from "./templates.js";

export const WEBHOOK_SIGNATURE_HEADER = "Mfa-Signature";
export const WEBHOOK_SECRET_MIN_LENGTH = 32;
const PROVIDER = "SMS webhook";

export interface WebhookSmsSenderOptions {
  /** https:// (http:// for loopback only). */
  readonly url: string;
  /** The shared signing secret, at least 32 characters. */
  readonly secret: string;
  /** Deadline of one POST, answer included; 10 s by default. */
  readonly timeoutMs?: number;
  readonly renderer?: MessageRenderer;
  /** The signature's timestamp; the system clock by default. */
  readonly clock?: Clock;
}

/**
 * The signature of a webhook body: lowercase hex HMAC-SHA256, keyed with the UTF-8 secret, over
 * `${timestamp}.${body}` where timestamp is in Unix seconds and body is the exact bytes sent.
 */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

export class WebhookSmsSender implements MessageDelivery {
  readonly channel: Channel = "sms";
  readonly #url: URL;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #renderer: MessageRenderer;
  readonly #clock: Clock;

  constructor(options: WebhookSmsSenderOptions) {
    const url = parseProviderUrl(options.url);
    const issues: DeliveryConfigIssue[] = [];
    if (!url.ok) issues.push({ where: "url", message: url.message });
    if (options.secret.length < WEBHOOK_SECRET_MIN_LENGTH) {
      issues.push({ where: "secret", message: `must be at least ${WEBHOOK_SECRET_MIN_LENGTH} characters` });
    }
    if (!url.ok || issues.length > 0) throw new DeliveryConfigError("config_invalid", issues);
    this.#url = url.url;
    this.#secret = options.secret;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.#renderer = options.renderer ?? new MessageRenderer();
    this.#clock = options.clock ?? { now: () => Date.now() };
  }

  async send(message: OutboundMessage): Promise<DeliveryReceipt> {
    requireChannel(this.channel, message, PROVIDER);
    assertE164(message.to, PROVIDER);
    // Our id travels with the message, so the gateway can drop a resent duplicate and answer with its own id.
    const messageId = randomUUID();
    const body = JSON.stringify({ to: message.to, body: this.#renderer.sms(message), messageId });
    const timestamp = Math.floor(this.#clock.now() / 1000);
    const answer = await postToProvider(
      PROVIDER,
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
    const id = (answer.json as { id?: unknown } | undefined)?.id;
    return { providerMessageId: typeof id === "string" && id !== "" ? id : messageId };
  }

  toJSON(): string {
    return "WebhookSmsSender";
  }
}
