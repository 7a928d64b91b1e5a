// Push notifications through the operator's own gateway (issue 13, docs/push-protocol.md §6): a JSON POST of
// { tenantId, deviceId, pushToken, challengeId, expiresAt }, signed like the SMS webhook (Mfa-Signature: t=…,v1=HMAC),
// which the receiver bridges to FCM, APNs or anything else. The notification only wakes the device: it carries no
// number and no choices, and the device acts only on what its signed poll returns.
import { PushGatewayUnavailableError, type Clock, type PushGateway } from "@mfa-chain/application";
import type { Instant } from "@mfa-chain/domain";
import { DeliveryConfigError, type DeliveryConfigIssue } from "./delivery.errors.js";
import { DEFAULT_HTTP_TIMEOUT_MS, parseProviderUrl, postToProvider } from "./http-provider.js";
import { WEBHOOK_SECRET_MIN_LENGTH, WEBHOOK_SIGNATURE_HEADER, webhookSignature } from "./webhook-sms-sender.js";

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
  readonly #url: URL;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #clock: Clock;

  constructor(options: WebhookPushGatewayOptions) {
    const url = parseProviderUrl(options.url);
    const issues: DeliveryConfigIssue[] = [];
    if (!url.ok) issues.push({ where: "url", message: url.message });
    if (options.secret.length < WEBHOOK_SECRET_MIN_LENGTH) {
      issues.push({ where: "secret", message: `must be at least ${WEBHOOK_SECRET_MIN_LENGTH} characters` });
    }
    if (!url.ok || issues.length > 0) throw new DeliveryConfigError("config_invalid", issues);
    this.#url = url.url;
    this.#secret = options.secret;
    this.#timeoutMs = options.timeoutMs ?? Math.min(DEFAULT_HTTP_TIMEOUT_MS, 5_000);
    this.#clock = options.clock ?? { now: () => Date.now() };
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
    const timestamp = Math.floor(this.#clock.now() / 1000);
    try {
      await postToProvider(
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
