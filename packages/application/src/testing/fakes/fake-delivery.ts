// A MessageDelivery for unit tests: accepts every message (or refuses, when told to) and keeps what it accepted, so a
// test reads the code sent to a destination as the user would.
import {
  DeliveryUnavailableError,
  type ChallengeCodeMessage,
  type DeliveryReceipt,
  type MessageDelivery,
  type OutboundMessage,
} from "../../index.js";

export class FakeDelivery implements MessageDelivery {
  readonly sent: OutboundMessage[] = [];
  /** While set, every send is refused with this (retryable) failure. */
  failing: "unavailable" | null = null;
  attempts = 0;

  async send(message: OutboundMessage): Promise<DeliveryReceipt> {
    this.attempts += 1;
    if (this.failing) throw new DeliveryUnavailableError(message.channel, "the provider is unreachable (test)", { retryable: true });
    this.sent.push(message);
    return { providerMessageId: `fake-${this.sent.length}` };
  }

  /** The codes sent to a destination, oldest first. */
  codesTo(to: string): ChallengeCodeMessage[] {
    return this.sent.filter((m): m is ChallengeCodeMessage => m.kind === "challenge_code" && m.to === to);
  }

  /** The last code sent to a destination. */
  lastCodeTo(to: string): string {
    const last = this.codesTo(to).at(-1);
    if (!last) throw new Error(`no code was sent to that destination`);
    return last.code;
  }
}
