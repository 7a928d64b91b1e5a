// Delivery wired from environment variables (docs/delivery.md): SMTP for email, a signed webhook or Twilio for SMS, the
// development outbox for the channels without a provider when DELIVERY_OUTBOX=1. A wrong setting fails at start with
// every variable at fault named; a secret's value is never repeated.
import { readFileSync } from "node:fs";
import type { Channel, Clock, DeliveryReceipt, MessageDelivery, OutboundMessage } from "@mfa-chain/application";
import { z } from "zod";
import { ChannelRouter } from "./channel-router.js";
import { DeliveryConfigError, type DeliveryConfigIssue } from "./delivery.errors.js";
import { DevelopmentOutbox } from "./development-outbox.js";
import { E164_NUMBER, parseProviderUrl } from "./http-provider.js";
import { isSenderAddress, parseSmtpUrl, SmtpEmailSender } from "./smtp-email-sender.js";
import { MessageRenderer, type TemplateOverrides } from "./templates.js";
import { TWILIO_ACCOUNT_SID, TWILIO_MESSAGING_SERVICE_SID, TwilioSmsSender } from "./twilio-sms-sender.js";
import { WEBHOOK_SECRET_MIN_LENGTH } from "./signed-webhook.js";
import { WebhookSmsSender } from "./webhook-sms-sender.js";

export type DeliveryEnvironment = Readonly<Record<string, string | undefined>>;
export type DeliveryProvider = "smtp" | "sms_webhook" | "twilio" | "outbox";

/** The delivery the environment describes, with what serves each channel (null: not configured, sends reject). */
export interface ConfiguredDelivery extends MessageDelivery {
  readonly providers: Readonly<Record<Channel, DeliveryProvider | null>>;
  /** The development outbox, when DELIVERY_OUTBOX=1: for a demo page to list. */
  readonly outbox: DevelopmentOutbox | null;
  /** Closes the SMTP pool, if any. */
  close(): void;
}

export interface DeliveryFromEnvironmentOptions {
  readonly clock?: Clock;
  /** Per-tenant templates; when absent, those of DELIVERY_TEMPLATES_FILE (a JSON file), if set. */
  readonly templates?: TemplateOverrides;
  /** Timeout of each SMTP phase and of each HTTP request; 10 s by default. */
  readonly timeoutMs?: number;
}

const unsetIfBlank = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

/** An optional variable, checked by `check` (which returns a message, or null when the value is fine). */
function variable(check: (value: string) => string | null) {
  return z.preprocess(
    unsetIfBlank,
    z
      .string()
      .superRefine((value, ctx) => {
        const message = check(value);
        if (message !== null) ctx.addIssue({ code: "custom", message });
      })
      .optional(),
  );
}

function flag() {
  return z.preprocess(
    unsetIfBlank,
    z
      .enum(["1", "0", "true", "false"], { error: "expected 1 or 0 (or true or false)" })
      .transform((v) => v === "1" || v === "true")
      .optional(),
  );
}

const providerUrl = (value: string) => {
  const parsed = parseProviderUrl(value);
  return parsed.ok ? null : parsed.message;
};

const environmentSchema = z
  .object({
    SMTP_URL: variable((v) => {
      const parsed = parseSmtpUrl(v);
      return parsed.ok ? null : `${parsed.message} (the value is not shown: it may hold a password)`;
    }),
    SMTP_FROM: variable((v) =>
      isSenderAddress(v) ? null : 'expected one address, e.g. no-reply@example.com or "Example" <no-reply@example.com>',
    ),
    SMTP_TLS_CA_FILE: variable(() => null),
    SMTP_TLS_REJECT_UNAUTHORIZED: flag(),
    SMS_WEBHOOK_URL: variable(providerUrl),
    SMS_WEBHOOK_SECRET: variable((v) =>
      v.length >= WEBHOOK_SECRET_MIN_LENGTH ? null : `must be at least ${WEBHOOK_SECRET_MIN_LENGTH} characters (the value is not shown)`,
    ),
    TWILIO_ACCOUNT_SID: variable((v) => (TWILIO_ACCOUNT_SID.test(v) ? null : "expected AC followed by 32 hex digits")),
    TWILIO_AUTH_TOKEN: variable((v) =>
      /^\S{16,}$/.test(v) ? null : "expected at least 16 characters without spaces (the value is not shown)",
    ),
    TWILIO_FROM: variable((v) =>
      E164_NUMBER.test(v) || TWILIO_MESSAGING_SERVICE_SID.test(v)
        ? null
        : "expected an E.164 number (+15551234567) or a Messaging Service SID (MG…)",
    ),
    TWILIO_BASE_URL: variable(providerUrl),
    DELIVERY_OUTBOX: flag(),
    DELIVERY_TEMPLATES_FILE: variable(() => null),
  })
  .superRefine((env, ctx) => {
    const needs = (variable: keyof typeof env, because: string) => {
      if (env[variable] === undefined) ctx.addIssue({ code: "custom", path: [variable], message: `required ${because}` });
    };
    if (env.SMTP_URL !== undefined) needs("SMTP_FROM", "when SMTP_URL is set");
    for (const other of ["SMTP_FROM", "SMTP_TLS_CA_FILE", "SMTP_TLS_REJECT_UNAUTHORIZED"] as const) {
      if (env[other] !== undefined) needs("SMTP_URL", `when ${other} is set`);
    }
    if (env.SMS_WEBHOOK_URL !== undefined) needs("SMS_WEBHOOK_SECRET", "when SMS_WEBHOOK_URL is set: the webhook is always signed");
    if (env.SMS_WEBHOOK_SECRET !== undefined) needs("SMS_WEBHOOK_URL", "when SMS_WEBHOOK_SECRET is set");
    const twilio = (["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "TWILIO_BASE_URL"] as const).filter(
      (v) => env[v] !== undefined,
    );
    if (twilio.length > 0) {
      for (const required of ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"] as const)
        needs(required, `when ${twilio[0]} is set`);
    }
    if (twilio.length > 0 && (env.SMS_WEBHOOK_URL !== undefined || env.SMS_WEBHOOK_SECRET !== undefined)) {
      const message = "configure one SMS provider: either SMS_WEBHOOK_URL and SMS_WEBHOOK_SECRET, or TWILIO_*";
      ctx.addIssue({ code: "custom", path: ["SMS_WEBHOOK_URL"], message });
      ctx.addIssue({ code: "custom", path: [twilio[0] ?? "TWILIO_ACCOUNT_SID"], message });
    }
  });

/**
 * A MessageDelivery from environment variables (docs/delivery.md has the table).
 * @throws DeliveryConfigError naming every variable that is wrong, missing or in conflict.
 */
export function deliveryFromEnvironment(env: DeliveryEnvironment, options: DeliveryFromEnvironmentOptions = {}): ConfiguredDelivery {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new DeliveryConfigError(
      "config_invalid",
      parsed.error.issues.map((issue) => ({ where: String(issue.path[0] ?? "environment"), message: issue.message })),
    );
  }
  const config = parsed.data;
  const issues: DeliveryConfigIssue[] = [];
  const ca = config.SMTP_TLS_CA_FILE === undefined ? undefined : readCertificateFile(config.SMTP_TLS_CA_FILE, issues);
  const templates =
    options.templates ??
    (config.DELIVERY_TEMPLATES_FILE === undefined ? undefined : readTemplatesFile(config.DELIVERY_TEMPLATES_FILE, issues));
  if (issues.length > 0) throw new DeliveryConfigError("config_invalid", issues);

  const renderer = buildRenderer(templates, options.clock, options.templates === undefined ? "DELIVERY_TEMPLATES_FILE" : "templates");
  const timeouts = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };

  const email =
    config.SMTP_URL === undefined || config.SMTP_FROM === undefined
      ? null
      : new SmtpEmailSender({
          url: config.SMTP_URL,
          from: config.SMTP_FROM,
          tls: { rejectUnauthorized: config.SMTP_TLS_REJECT_UNAUTHORIZED ?? true, ...(ca === undefined ? {} : { ca }) },
          renderer,
          ...timeouts,
        });
  const webhook =
    config.SMS_WEBHOOK_URL === undefined || config.SMS_WEBHOOK_SECRET === undefined
      ? null
      : new WebhookSmsSender({
          url: config.SMS_WEBHOOK_URL,
          secret: config.SMS_WEBHOOK_SECRET,
          renderer,
          ...timeouts,
          ...(options.clock === undefined ? {} : { clock: options.clock }),
        });
  const twilio =
    config.TWILIO_ACCOUNT_SID === undefined || config.TWILIO_AUTH_TOKEN === undefined || config.TWILIO_FROM === undefined
      ? null
      : new TwilioSmsSender({
          accountSid: config.TWILIO_ACCOUNT_SID,
          authToken: config.TWILIO_AUTH_TOKEN,
          from: config.TWILIO_FROM,
          ...(config.TWILIO_BASE_URL === undefined ? {} : { baseUrl: config.TWILIO_BASE_URL }),
          renderer,
          ...timeouts,
        });
  const outbox =
    config.DELIVERY_OUTBOX === true
      ? new DevelopmentOutbox({ renderer, ...(options.clock === undefined ? {} : { clock: options.clock }) })
      : null;

  const sms = webhook ?? twilio;
  const providers: Record<Channel, DeliveryProvider | null> = {
    email: email !== null ? "smtp" : outbox !== null ? "outbox" : null,
    sms: webhook !== null ? "sms_webhook" : twilio !== null ? "twilio" : outbox !== null ? "outbox" : null,
  };
  const router = new ChannelRouter({ email: email ?? outbox, sms: sms ?? outbox });
  return {
    providers,
    outbox,
    send: (message: OutboundMessage): Promise<DeliveryReceipt> => router.send(message),
    close: () => email?.close(),
  };
}

function readCertificateFile(path: string, issues: DeliveryConfigIssue[]): string | undefined {
  try {
    const pem = readFileSync(path, "utf8");
    if (pem.includes("-----BEGIN CERTIFICATE-----")) return pem;
    issues.push({ where: "SMTP_TLS_CA_FILE", message: `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
  } catch (error) {
    issues.push({ where: "SMTP_TLS_CA_FILE", message: `cannot read ${path} (${errorCode(error)})` });
  }
  return undefined;
}

function readTemplatesFile(path: string, issues: DeliveryConfigIssue[]): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    issues.push({ where: "DELIVERY_TEMPLATES_FILE", message: `cannot read ${path} (${errorCode(error)})` });
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    issues.push({ where: "DELIVERY_TEMPLATES_FILE", message: `${path} is not valid JSON` });
    return undefined;
  }
}

function buildRenderer(templates: unknown, clock: Clock | undefined, source: string): MessageRenderer {
  try {
    return new MessageRenderer({ overrides: templates, ...(clock === undefined ? {} : { clock }) });
  } catch (error) {
    if (!(error instanceof DeliveryConfigError)) throw error;
    throw new DeliveryConfigError(
      error.code,
      error.issues.map((issue) => ({ where: `${source} ${issue.where}`, message: issue.message })),
      { cause: error },
    );
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : "unreadable";
}
