// Push notifications through the operator's own gateway (issue 13, docs/push-protocol.md §6): a JSON POST of
// { tenantId, deviceId, pushToken, challengeId, expiresAt }, signed like the SMS webhook (Mfa-Signature: t=…,v1=HMAC),
// which the receiver bridges to FCM, APNs or anything else. The notification only wakes the device: it carries no
// number and no choices, and the device acts only on what its signed poll returns.
import { PushGatewayUnavailableError, type Clock, type PushGateway } from "@mfa-chain/application";
import type { Instant } from "@mfa-chain/domain";
import { DEFAULT_HTTP_TIMEOUT_MS } from "./http-provider.js";
import { SignedWebhook } from "./signed-webhook.js";

const PROVIDER = "push webhook";

export interface WebhookPushGatewayOptions {
  /** https:// (http:// for loopback only). */
  readonly url: string;
  /** The shared signing secret, at least 32 characters. */
  readonly secret: string;
  /** Deadline of one POST; 5 s by default (the device polls anyway). */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
}

export class WebhookPushGateway implements PushGateway {
  readonly #webhook: SignedWebhook;

  constructor(options: WebhookPushGatewayOptions) {
    this.#webhook = new SignedWebhook(PROVIDER, { ...options, timeoutMs: options.timeoutMs ?? Math.min(DEFAULT_HTTP_TIMEOUT_MS, 5_000) });
  }

  async notify(input: {
    readonly tenantId: string;
    readonly deviceId: string;
    readonly pushToken: string;
    readonly challengeId: string;
    readonly expiresAt: Instant;
  }): Promise<void> {
    const body = JSON.stringify({
      tenantId: input.tenantId,
      deviceId: input.deviceId,
      pushToken: input.pushToken,
      challengeId: input.challengeId,
      expiresAt: input.expiresAt,
    });
    try {
      await this.#webhook.post(body);
    } catch (error) {
      // The message names the provider and the status or the network failure, never the push token.
      throw new PushGatewayUnavailableError(
        error instanceof Error
          ? error.message.replace("the provider refused the message", "the gateway refused the notification")
          : PROVIDER,
        {
          cause: error,
        },
      );
    }
  }

  toJSON(): string {
    return "WebhookPushGateway";
  }
}
