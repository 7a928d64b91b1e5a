import { DeliveryUnavailableError, type MessageDelivery, type OutboundMessage } from "@mfa-chain/application";
import { describe, expect, it } from "vitest";
import { aCodeMessage, aNotification, fixedClock, NOW } from "../test/messages.js";
import { ChannelRouter } from "./channel-router.js";
import { DevelopmentOutbox } from "./development-outbox.js";

describe("DevelopmentOutbox", () => {
  it("keeps rendered messages, code and destination included, newest first, per tenant on demand", async () => {
    const outbox = new DevelopmentOutbox({ clock: fixedClock() });
    const email = await outbox.send(aCodeMessage({ tenantId: "a", to: "alice@example.test", code: "123456" }));
    await outbox.send(aCodeMessage({ tenantId: "b", channel: "sms", to: "+15551234567", code: "654321" }));
    await outbox.send(aNotification({ tenantId: "a", event: "backup_code_used" }));

    const all = outbox.list();
    expect(all.map((entry) => entry.kind)).toEqual(["notification", "challenge_code", "challenge_code"]);
    const [, sms, mail] = all;
    expect(mail).toMatchObject({ id: email.providerMessageId, tenantId: "a", channel: "email", to: "alice@example.test", acceptedAt: NOW });
    expect(mail?.subject).toBe("Your sign-in verification code");
    expect(mail?.text).toContain("123456");
    expect(mail?.html).toContain("123456");
    expect(sms).toMatchObject({ channel: "sms", subject: null, html: null, to: "+15551234567" });
    expect(sms?.text).toBe("654321 is your verification code. It expires in 5 min. Never share it.");
    expect(outbox.list("a").map((entry) => entry.tenantId)).toEqual(["a", "a"]);
    expect(outbox.list("nobody")).toEqual([]);
  });

  it("is bounded: only the last `capacity` messages stay", async () => {
    const outbox = new DevelopmentOutbox({ capacity: 3, clock: fixedClock() });
    for (const code of ["000001", "000002", "000003", "000004", "000005"]) await outbox.send(aCodeMessage({ code }));
    expect(outbox.list().map((entry) => /\d{6}/.exec(entry.text)?.[0])).toEqual(["000005", "000004", "000003"]);
    outbox.clear();
    expect(outbox.list()).toEqual([]);
    expect(() => new DevelopmentOutbox({ capacity: 0 })).toThrow(RangeError);
  });

  it("keeps 100 messages by default", async () => {
    const outbox = new DevelopmentOutbox();
    for (let i = 0; i < 130; i += 1) await outbox.send(aNotification({ factorLabel: `key ${i}` }));
    expect(outbox.list()).toHaveLength(100);
    expect(outbox.list()[99]?.text).toContain("(key 30)");
  });
});

describe("ChannelRouter", () => {
  const recorder = () => {
    const sent: OutboundMessage[] = [];
    const delivery: MessageDelivery = {
      send: async (message) => {
        sent.push(message);
        return { providerMessageId: `id-${sent.length}` };
      },
    };
    return { sent, delivery };
  };

  it("sends each message to its channel's delivery", async () => {
    const email = recorder();
    const sms = recorder();
    const router = new ChannelRouter({ email: email.delivery, sms: sms.delivery });
    await router.send(aCodeMessage());
    await router.send(aCodeMessage({ channel: "sms", to: "+15551234567" }));
    expect(email.sent.map((m) => m.channel)).toEqual(["email"]);
    expect(sms.sent.map((m) => m.channel)).toEqual(["sms"]);
  });

  it("rejects a channel with nothing configured: not retryable, saying so", async () => {
    const email = recorder();
    const router = new ChannelRouter({ email: email.delivery, sms: null });
    const error = await router.send(aCodeMessage({ channel: "sms", to: "+15551234567", code: "777888" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryUnavailableError);
    expect(error).toMatchObject({
      code: "delivery_unavailable",
      channel: "sms",
      retryable: false,
      message: "sms delivery is not configured",
    });
    expect(email.sent).toEqual([]);
  });
});
