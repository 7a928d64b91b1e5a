// SMS through the operator's own gateway: a JSON POST of {to, body, messageId}, signed with HMAC-SHA256 so that the
// gateway can tell it came from mfa-chain and is fresh. docs/delivery.md says how a receiver verifies the signature.
import { randomUUID } from "node:crypto";
import type { Channel, Clock, DeliveryReceipt, MessageDelivery, OutboundMessage } from "@mfa-chain/application";
import { requireChannel } from "./channel.js";
import { assertE164, DEFAULT_HTTP_TIMEOUT_MS } from "./http-provider.js";
import { SignedWebhook } from "./signed-webhook.js";
import { MessageRenderer } from "./templates.js";

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

export class WebhookSmsSender implements MessageDelivery {
  readonly channel: Channel = "sms";
  readonly #webhook: SignedWebhook;
  readonly #renderer: MessageRenderer;

  constructor(options: WebhookSmsSenderOptions) {
    this.#webhook = new SignedWebhook(PROVIDER, { ...options, timeoutMs: options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS });
    this.#renderer = options.renderer ?? new MessageRenderer();
  }

  async send(message: OutboundMessage): Promise<DeliveryReceipt> {
    requireChannel(this.channel, message, PROVIDER);
    assertE164(message.to, PROVIDER);
    // Our id travels with the message, so the gateway can drop a resent duplicate and answer with its own id.
    const messageId = randomUUID();
    const body = JSON.stringify({ to: message.to, body: this.#renderer.sms(message), messageId });
    const answer = await this.#webhook.post(body);
    const id = (answer.json as { id?: unknown } | undefined)?.id;
    return { providerMessageId: typeof id === "string" && id !== "" ? id : messageId };
  }

  toJSON(): string {
    return "WebhookSmsSender";
  }
}
