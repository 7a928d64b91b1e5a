// One MessageDelivery over one sender per channel, chosen by a table (not a branch), so a third channel is a type error
// until it is wired. A channel with no sender rejects every message: nothing is ever reported sent that was not.
import type { Channel, DeliveryReceipt, MessageDelivery, OutboundMessage } from "@mfa-chain/application";
import { DeliveryUnavailableError } from "@mfa-chain/application";

export class ChannelRouter implements MessageDelivery {
  readonly #routes: Readonly<Record<Channel, MessageDelivery | null>>;

  constructor(routes: Readonly<Record<Channel, MessageDelivery | null>>) {
    this.#routes = { ...routes };
  }

  async send(message: OutboundMessage): Promise<DeliveryReceipt> {
    const route = this.#routes[message.channel];
    if (route === null || route === undefined) {
      throw new DeliveryUnavailableError(message.channel, `${message.channel} delivery is not configured`, { retryable: false });
    }
    return route.send(message);
  }
}
