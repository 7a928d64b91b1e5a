// A delivery for development and demos: messages are rendered as they would be sent and kept in memory for a page to
// list, instead of reaching anyone. It keeps the code and the full destination in clear: never use it in production.
import { randomUUID } from "node:crypto";
import type { Channel, Clock, DeliveryReceipt, MessageDelivery, OutboundMessage, OutboundMessageKind } from "@mfa-chain/application";
import { MessageRenderer } from "./templates.js";

export const DEFAULT_OUTBOX_CAPACITY = 100;

export interface OutboxEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly channel: Channel;
  readonly kind: OutboundMessageKind;
  /** Unmasked: this is the development outbox. */
  readonly to: string;
  /** Email only. */
  readonly subject: string | null;
  /** The email's text body, or the SMS text; with the code in it. */
  readonly text: string;
  /** Email only. */
  readonly html: string | null;
  readonly acceptedAt: number;
}

type Rendered = Pick<OutboxEntry, "subject" | "text" | "html">;

/**
 * Development only: an in-memory MessageDelivery that keeps the last `capacity` rendered messages (100 by default),
 * codes included, so that a demo page can show what would have been sent. It accepts every message at once.
 */
export class DevelopmentOutbox implements MessageDelivery {
  readonly #entries: OutboxEntry[] = [];
  readonly #capacity: number;
  readonly #clock: Clock;
  readonly #render: Readonly<Record<Channel, (message: OutboundMessage) => Rendered>>;

  constructor(options: { readonly capacity?: number; readonly renderer?: MessageRenderer; readonly clock?: Clock } = {}) {
    this.#capacity = options.capacity ?? DEFAULT_OUTBOX_CAPACITY;
    if (!Number.isInteger(this.#capacity) || this.#capacity < 1) throw new RangeError("an outbox keeps at least one message");
    this.#clock = options.clock ?? { now: () => Date.now() };
    const renderer = options.renderer ?? new MessageRenderer(options.clock === undefined ? {} : { clock: options.clock });
    this.#render = {
      email: (message) => ({ ...renderer.email(message) }),
      sms: (message) => ({ subject: null, text: renderer.sms(message), html: null }),
    };
  }

  async send(message: OutboundMessage): Promise<DeliveryReceipt> {
    const entry: OutboxEntry = {
      id: randomUUID(),
      tenantId: message.tenantId,
      channel: message.channel,
      kind: message.kind,
      to: message.to,
      ...this.#render[message.channel](message),
      acceptedAt: this.#clock.now(),
    };
    this.#entries.push(entry);
    if (this.#entries.length > this.#capacity) this.#entries.splice(0, this.#entries.length - this.#capacity);
    return { providerMessageId: entry.id };
  }

  /** The kept messages, newest first; of one tenant only when `tenantId` is given. */
  list(tenantId?: string): readonly OutboxEntry[] {
    return this.#entries.filter((entry) => tenantId === undefined || entry.tenantId === tenantId).reverse();
  }

  clear(): void {
    this.#entries.length = 0;
  }
}
