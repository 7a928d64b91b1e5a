// Email through an SMTP relay, with nodemailer's pooled transport: TLS required (implicit with smtps://, STARTTLS with
// smtp://), the server's certificate verified, every phase of the conversation under a timeout. A send resolves once
// the server has accepted the message data; an SMTP error never reaches the caller as is, because the server's reply
// text may repeat the recipient's address.
import type { Channel, DeliveryReceipt, MessageDelivery, OutboundMessage } from "@mfa-chain/application";
import { DeliveryUnavailableError } from "@mfa-chain/application";
import nodemailer from "nodemailer";
import addressparser from "nodemailer/lib/addressparser";
import { requireChannel } from "./channel.js";
import { DeliveryConfigError, type DeliveryConfigIssue } from "./delivery.errors.js";
import { MessageRenderer } from "./templates.js";

export const DEFAULT_SMTP_TIMEOUT_MS = 10_000;

export interface SmtpTlsOptions {
  /** Refuse a server whose certificate does not verify; true by default. */
  readonly rejectUnauthorized?: boolean;
  /** PEM certificate(s) to trust, for a relay with a private CA; the system's roots otherwise. */
  readonly ca?: string;
  /** With smtp://, refuse a server that does not offer STARTTLS; true by default. */
  readonly requireStartTls?: boolean;
}

export interface SmtpEmailSenderOptions {
  /** `smtp://[user:password@]host[:port]` (STARTTLS, port 587 by default) or `smtps://…` (implicit TLS, port 465). */
  readonly url: string;
  /** The sender: `no-reply@example.com` or `"Example" <no-reply@example.com>`. */
  readonly from: string;
  readonly tls?: SmtpTlsOptions;
  /** Bound of the connection, of the server's greeting and of every wait on the socket; 10 s by default. */
  readonly timeoutMs?: number;
  /** Open connections kept in the pool; 5 by default. */
  readonly maxConnections?: number;
  readonly renderer?: MessageRenderer;
}

const SINGLE_ADDRESS = /^[^\s@<>,;:"()[\]\\]+@[^\s@<>,;:"()[\]\\]+$/;

interface SmtpEndpoint {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
}

/** Reads an SMTP URL. Its messages never repeat the URL: it may carry a password. */
export function parseSmtpUrl(value: string): { ok: true; endpoint: SmtpEndpoint } | { ok: false; message: string } {
  const expected = "expected smtp://[user:password@]host[:port] or smtps://[user:password@]host[:port]";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, message: expected };
  }
  if ((url.protocol !== "smtp:" && url.protocol !== "smtps:") || url.hostname === "") return { ok: false, message: expected };
  if ((url.pathname !== "" && url.pathname !== "/") || url.search !== "" || url.hash !== "") {
    return { ok: false, message: `${expected}, with no path, query or fragment` };
  }
  const secure = url.protocol === "smtps:";
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port === "" ? (secure ? 465 : 587) : Number(url.port);
  if (url.username === "" && url.password !== "") return { ok: false, message: `${expected}: a password needs a user` };
  let auth: SmtpEndpoint["auth"];
  try {
    auth = url.username === "" ? undefined : { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  } catch {
    return { ok: false, message: `${expected}: the user or password is not properly percent-encoded` };
  }
  return { ok: true, endpoint: auth === undefined ? { host, port, secure } : { host, port, secure, auth } };
}

/** Whether a sender address is one mailbox (optionally with a display name). */
export function isSenderAddress(value: string): boolean {
  const parsed = addressparser(value);
  const first = parsed[0];
  return parsed.length === 1 && first?.address !== undefined && SINGLE_ADDRESS.test(first.address);
}

export class SmtpEmailSender implements MessageDelivery {
  readonly channel: Channel = "email";
  readonly #transport: ReturnType<typeof createPool>;
  readonly #from: string;
  readonly #renderer: MessageRenderer;

  /** @throws DeliveryConfigError naming the option at fault (never its value). */
  constructor(options: SmtpEmailSenderOptions) {
    const issues: DeliveryConfigIssue[] = [];
    const endpoint = parseSmtpUrl(options.url);
    if (!endpoint.ok) issues.push({ where: "url", message: endpoint.message });
    if (!isSenderAddress(options.from)) issues.push({ where: "from", message: "expected one address, e.g. no-reply@example.com" });
    if (options.tls?.ca !== undefined && !options.tls.ca.includes("-----BEGIN CERTIFICATE-----")) {
      issues.push({ where: "tls.ca", message: "expected PEM certificates (-----BEGIN CERTIFICATE-----)" });
    }
    if (!endpoint.ok || issues.length > 0) throw new DeliveryConfigError("config_invalid", issues);
    this.#transport = createPool(endpoint.endpoint, options);
    this.#from = options.from;
    this.#renderer = options.renderer ?? new MessageRenderer();
  }

  async send(message: OutboundMessage): Promise<DeliveryReceipt> {
    requireChannel(this.channel, message, "SMTP");
    if (!SINGLE_ADDRESS.test(message.to)) {
      throw new DeliveryUnavailableError("email", "email: the destination is not a single email address", { retryable: false });
    }
    const { subject, text, html } = this.#renderer.email(message);
    try {
      const info = await this.#transport.sendMail({
        from: this.#from,
        to: message.to,
        subject,
        text,
        html,
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      // nodemailer resolves once the server answered 2xx to the data; the Message-ID names the message everywhere.
      return { providerMessageId: info.messageId };
    } catch (error) {
      throw smtpFailure(error);
    }
  }

  /** Closes the pooled connections. */
  close(): void {
    this.#transport.close();
  }

  toJSON(): string {
    return "SmtpEmailSender";
  }
}

function createPool(endpoint: SmtpEndpoint, options: SmtpEmailSenderOptions) {
  const timeout = options.timeoutMs ?? DEFAULT_SMTP_TIMEOUT_MS;
  return nodemailer.createTransport({
    pool: true,
    maxConnections: options.maxConnections ?? 5,
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.secure,
    requireTLS: !endpoint.secure && (options.tls?.requireStartTls ?? true),
    ...(endpoint.auth === undefined ? {} : { auth: { user: endpoint.auth.user, pass: endpoint.auth.pass } }),
    tls: {
      rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
      minVersion: "TLSv1.2",
      ...(options.tls?.ca === undefined ? {} : { ca: options.tls.ca }),
    },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    dnsTimeout: timeout,
    logger: false,
    debug: false,
  });
}

interface NodemailerFailure {
  readonly code?: unknown;
  readonly responseCode?: unknown;
  readonly command?: unknown;
  readonly cause?: { readonly code?: unknown };
}

/**
 * A DeliveryUnavailableError from a nodemailer failure, built from its codes only: the server's reply text and
 * nodemailer's message may name the recipient, so neither is kept (not even as the cause).
 */
function smtpFailure(error: unknown): DeliveryUnavailableError {
  const failure = (typeof error === "object" && error !== null ? error : {}) as NodemailerFailure;
  const code = typeof failure.code === "string" ? failure.code : "unknown";
  const command = typeof failure.command === "string" ? failure.command.replace(/[^A-Z ]/g, "").trim() : "";
  const reply = typeof failure.responseCode === "number" ? failure.responseCode : undefined;
  const tlsReason = tlsVerificationCode(error);
  const detail = [code, reply, command, tlsReason].filter((part) => part !== undefined && part !== "").join(" ");
  const cause = { code, responseCode: reply, command, tls: tlsReason };

  // TLS and authentication first: a refused STARTTLS or AUTH carries a reply code too, and is no refusal of the message.
  if (tlsReason !== undefined) {
    return new DeliveryUnavailableError("email", `email: the SMTP server's certificate was refused (${detail})`, {
      retryable: false,
      cause,
    });
  }
  if (code === "ETLS") {
    return new DeliveryUnavailableError("email", `email: no TLS with the SMTP server (${detail})`, { retryable: false, cause });
  }
  if (code === "EAUTH" || code === "ENOAUTH") {
    return new DeliveryUnavailableError("email", `email: SMTP authentication failed (${detail})`, { retryable: false, cause });
  }
  if (reply !== undefined && reply >= 500) {
    return new DeliveryUnavailableError("email", `email: the SMTP server refused the message (${detail})`, { retryable: false, cause });
  }
  if (reply !== undefined && reply >= 400) {
    return new DeliveryUnavailableError("email", `email: the SMTP server deferred the message (${detail})`, { retryable: true, cause });
  }
  return new DeliveryUnavailableError("email", `email: the SMTP server could not be reached (${detail})`, { retryable: true, cause });
}

/** The OpenSSL verification code (CERT_HAS_EXPIRED, SELF_SIGNED_CERT_IN_CHAIN, …) anywhere in the cause chain. */
function tlsVerificationCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === "object" && current !== null && !seen.has(current)) {
    seen.add(current);
    // nodemailer keeps the socket's own code as originalCode when it relabels an error (ESOCKET).
    for (const code of [(current as { originalCode?: unknown }).originalCode, (current as { code?: unknown }).code]) {
      if (typeof code === "string" && (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT/.test(code) || code === "HOSTNAME_MISMATCH")) {
        return code;
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
