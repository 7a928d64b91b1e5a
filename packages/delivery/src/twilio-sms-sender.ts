// SMS through Twilio's Messages API (or any service speaking it): a form POST with basic auth to
// {baseUrl}/2010-04-01/Accounts/{sid}/Messages.json. The base URL is configurable (a regional edge, a test server).
import type { Channel, DeliveryReceipt, MessageDelivery, OutboundMessage } from "@mfa-chain/application";
import { DeliveryUnavailableError } from "@mfa-chain/application";
import { requireChannel } from "./channel.js";
import { DeliveryConfigError, type DeliveryConfigIssue } from "./delivery.errors.js";
import { assertE164, DEFAULT_HTTP_TIMEOUT_MS, E164_NUMBER, parseProviderUrl, postToProvider } from "./http-provider.js";
import { MessageRenderer } from "./templates.js";

export const TWILIO_DEFAULT_BASE_URL = "https://api.twilio.com";
export const TWILIO_ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
export const TWILIO_MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
const PROVIDER = "Twilio";

export interface TwilioSmsSenderOptions {
  /** `AC` and 32 hex digits. */
  readonly accountSid: string;
  readonly authToken: string;
  /** The sending number (E.164), or a Messaging Service SID (`MG` and 32 hex digits). */
  readonly from: string;
  /** https://api.twilio.com by default. */
  readonly baseUrl?: string;
  /** Deadline of one POST, answer included; 10 s by default. */
  readonly timeoutMs?: number;
  readonly renderer?: MessageRenderer;
}

export class TwilioSmsSender implements MessageDelivery {
  readonly channel: Channel = "sms";
  readonly #endpoint: URL;
  readonly #authorization: string;
  readonly #sender: readonly [field: "From" | "MessagingServiceSid", value: string];
  readonly #timeoutMs: number;
  readonly #renderer: MessageRenderer;

  constructor(options: TwilioSmsSenderOptions) {
    const issues: DeliveryConfigIssue[] = [];
    const base = parseProviderUrl(options.baseUrl ?? TWILIO_DEFAULT_BASE_URL);
    if (!base.ok) issues.push({ where: "baseUrl", message: base.message });
    if (!TWILIO_ACCOUNT_SID.test(options.accountSid))
      issues.push({ where: "accountSid", message: "expected AC followed by 32 hex digits" });
    if (options.authToken.trim() === "") issues.push({ where: "authToken", message: "must not be empty" });
    const service = TWILIO_MESSAGING_SERVICE_SID.test(options.from);
    if (!service && !E164_NUMBER.test(options.from)) {
      issues.push({ where: "from", message: "expected an E.164 number (+15551234567) or a Messaging Service SID (MG…)" });
    }
    if (!base.ok || issues.length > 0) throw new DeliveryConfigError("config_invalid", issues);

    const prefix = base.url.href.replace(/\/+$/, "");
    this.#endpoint = new URL(`${prefix}/2010-04-01/Accounts/${options.accountSid}/Messages.json`);
    this.#authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`, "utf8").toString("base64")}`;
    this.#sender = service ? ["MessagingServiceSid", options.from] : ["From", options.from];
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.#renderer = options.renderer ?? new MessageRenderer();
  }

  async send(message: OutboundMessage): Promise<DeliveryReceipt> {
    requireChannel(this.channel, message, PROVIDER);
    assertE164(message.to, PROVIDER);
    const form = new URLSearchParams({ To: message.to, [this.#sender[0]]: this.#sender[1], Body: this.#renderer.sms(message) });
    const answer = await postToProvider(
      PROVIDER,
      this.#endpoint,
      {
        headers: {
          authorization: this.#authorization,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: form.toString(),
      },
      this.#timeoutMs,
    );
    const sid = (answer.json as { sid?: unknown } | undefined)?.sid;
    if (typeof sid !== "string" || sid === "") {
      // Not retryable: a 2xx without a sid is no Twilio answer (a wrong base URL?), and a resend could duplicate it.
      throw new DeliveryUnavailableError("sms", `${PROVIDER}: HTTP ${answer.status} without a message sid (is the base URL right?)`, {
        retryable: false,
      });
    }
    return { providerMessageId: sid };
  }

  toJSON(): string {
    return "TwilioSmsSender";
  }
}
