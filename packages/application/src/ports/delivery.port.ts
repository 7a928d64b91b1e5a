// Delivery of one-time codes and security notifications to a user (email, SMS). The application says what to deliver,
// semantically; the adapter renders it (templates, per tenant) and hands it to a provider. No decision is made there.
import type { Instant } from "@mfa-chain/domain";

export type Channel = "email" | "sms";

/** Why a code is sent: to pass a step of a chain, or to confirm a factor being enrolled. */
export type ChallengePurpose = "verify" | "enroll";

/** Security events the user is told about (SPEC §3 backup_code, §4 recovery). */
export type NotificationEvent =
  | "factor_added"
  | "factor_removed"
  | "backup_code_used"
  | "locked_out"
  | "recovery_requested"
  /** Every factor of the user was revoked by an admin (a reset, or a recovery executed). */
  | "factors_reset"
  /** The user answered "not me" to a push (reported fraud). */
  | "fraud_reported";

interface MessageBase {
  readonly channel: Channel;
  readonly tenantId: string;
  /** A normalized email address (channel email) or an E.164 number (channel sms). */
  readonly to: string;
}

/** A one-time code for the user to type back. */
export interface ChallengeCodeMessage extends MessageBase {
  readonly kind: "challenge_code";
  readonly code: string;
  readonly expiresAt: Instant;
  readonly purpose: ChallengePurpose;
}

/** A notice that something happened to the user's account; it carries no secret. */
export interface NotificationMessage extends MessageBase {
  readonly kind: "notification";
  readonly event: NotificationEvent;
  readonly at: Instant;
  /** The label of the factor concerned, when there is one. */
  readonly factorLabel?: string;
  /** recovery_requested: the token that cancels the recovery (shown in the body only, never in a subject). */
  readonly cancelToken?: string;
  /** recovery_requested: when the recovery may be executed. */
  readonly dueAt?: Instant;
}

export type OutboundMessage = ChallengeCodeMessage | NotificationMessage;
export type OutboundMessageKind = OutboundMessage["kind"];

export interface DeliveryReceipt {
  /** The provider's id of the accepted message (SMTP queue id or Message-ID, SMS provider's message id). */
  readonly providerMessageId: string;
}

/**
 * Hands a message to the provider of its channel.
 *
 * A send is never reported done before the provider accepted the message: the promise resolves only once the SMTP
 * server accepted the data, or the SMS provider answered 2xx. Otherwise it rejects with a DeliveryUnavailableError
 * (provider refused, unreachable, timed out, or the channel is not configured). Accepted is not delivered: a provider
 * may still bounce the message later.
 */
export interface MessageDelivery {
  send(message: OutboundMessage): Promise<DeliveryReceipt>;
}

/**
 * The provider refused the message or could not be reached. The message is safe to log and to show: it never contains
 * the code nor the full destination. `retryable` says whether the same send may succeed later (a timeout, a 5xx or a
 * 429 from an HTTP provider, a 4xx SMTP reply) or not (a refused recipient, bad credentials, a channel not configured).
 */
export class DeliveryUnavailableError extends Error {
  override readonly name = "DeliveryUnavailableError";
  readonly code = "delivery_unavailable" as const;
  readonly channel: Channel;
  readonly retryable: boolean;

  constructor(channel: Channel, message: string, options: { readonly retryable: boolean; readonly cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.channel = channel;
    this.retryable = options.retryable;
  }
}
