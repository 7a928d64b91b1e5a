// A sender serves one channel; a message of another channel reaching it is a wiring mistake, refused without sending.
import { type Channel, DeliveryUnavailableError, type OutboundMessage } from "@mfa-chain/application";

export function requireChannel(expected: Channel, message: OutboundMessage, sender: string): void {
  if (message.channel !== expected) {
    throw new DeliveryUnavailableError(message.channel, `${sender} delivers ${expected} messages only`, { retryable: false });
  }
}
