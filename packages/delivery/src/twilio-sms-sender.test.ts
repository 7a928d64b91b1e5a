// The Twilio sender against a Twilio-shaped node:http server on loopback: path, basic auth and form fields checked the
// way Twilio's Messages API reads them.
import { DeliveryUnavailableError } from "@mfa-chain/application";
import { afterEach, describe, expect, it } from "vitest";
import { type RecordedRequest, type Reply, startLoopbackServer } from "../test/loopback-http.js";
import { aCodeMessage, aNotification, fixedClock } from "../test/messages.js";
import { DeliveryConfigError } from "./delivery.errors.js";
import { MessageRenderer } from "./templates.js";
import { TwilioSmsSender, type TwilioSmsSenderOptions } from "./twilio-sms-sender.js";

const SID = `AC${"0123456789abcdef".repeat(2)}`;
const TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
const SERVICE = `MG${"fedcba9876543210".repeat(2)}`;
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

/** Answers like Twilio: 401 without the right basic auth, 400 without To/Body/sender, 201 with a sid otherwise. */
function twilioLike(request: RecordedRequest): Reply {
  const expectedAuth = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString("base64")}`;
  if (request.method !== "POST" || request.path !== `/2010-04-01/Accounts/${SID}/Messages.json`) return { status: 404 };
  if (request.headers.authorization !== expectedAuth) return { status: 401, body: '{"code":20003}' };
  if (request.headers["content-type"] !== "application/x-www-form-urlencoded") return { status: 400 };
  const form = new URLSearchParams(request.rawBody.toString("utf8"));
  if (!form.get("To") || !form.get("Body") || !(form.get("From") || form.get("MessagingServiceSid")))
    return { status: 400, body: '{"code":21604}' };
  return { status: 201, body: JSON.stringify({ sid: "SM0123456789abcdef0123456789abcdef", status: "queued", to: form.get("To") }) };
}

async function twilio(reply: (request: RecordedRequest) => Reply = twilioLike) {
  const server = await startLoopbackServer(reply);
  cleanup.push(() => server.close());
  return server;
}

function sender(baseUrl: string, options: Partial<TwilioSmsSenderOptions> = {}) {
  return new TwilioSmsSender({
    accountSid: SID,
    authToken: TOKEN,
    from: "+15005550006",
    baseUrl,
    timeoutMs: 2_000,
    renderer: new MessageRenderer({ clock: fixedClock() }),
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<DeliveryUnavailableError> {
  const error = await promise.then(
    () => expect.fail("the send should have been refused"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryUnavailableError);
  return error as DeliveryUnavailableError;
}

describe("TwilioSmsSender against a Twilio-shaped server", () => {
  it("form-POSTs To, From and Body with basic auth; the message sid is the receipt", async () => {
    const server = await twilio();
    const receipt = await sender(server.url).send(aCodeMessage({ channel: "sms", to: "+15551234567", code: "141421" }));

    expect(receipt).toEqual({ providerMessageId: "SM0123456789abcdef0123456789abcdef" });
    const form = new URLSearchParams(server.requests[0]!.rawBody.toString());
    expect(Object.fromEntries(form)).toEqual({
      To: "+15551234567",
      From: "+15005550006",
      Body: "141421 is your verification code. It expires in 5 min. Never share it.",
    });
  });

  it("sends through a Messaging Service when TWILIO_FROM is an MG sid, and under a base URL with a path prefix", async () => {
    const server = await twilio((request) => twilioLike({ ...request, path: request.path.replace(/^\/edge/, "") }));
    await sender(`${server.url}/edge/`, { from: SERVICE }).send(aNotification({ channel: "sms", to: "+15551234567", event: "locked_out" }));
    const form = new URLSearchParams(server.requests[0]!.rawBody.toString());
    expect(server.requests[0]?.path).toBe(`/edge/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(form.get("MessagingServiceSid")).toBe(SERVICE);
    expect(form.has("From")).toBe(false);
    expect(form.get("Body")).toContain("locked your account at 2026-01-31 14:00 UTC");
  });

  it("wrong credentials (401) are not retryable and the error says to check them, without the token", async () => {
    const server = await twilio();
    const error = await failure(
      sender(server.url, { authToken: "0".repeat(32) }).send(aCodeMessage({ channel: "sms", to: "+15551234567" })),
    );
    expect(error.retryable).toBe(false);
    expect(error.message).toBe("Twilio: the provider refused the message with HTTP 401 (check the credentials)");
  });

  it.each([
    [500, true],
    [429, true],
    [400, false],
  ])("HTTP %i is a DeliveryUnavailableError (retryable: %s)", async (status, retryable) => {
    const server = await twilio(() => ({ status, body: '{"message":"The To number +15551234567 is not valid"}' }));
    const error = await failure(sender(server.url).send(aCodeMessage({ channel: "sms", to: "+15551234567", code: "161803" })));
    expect(error.retryable).toBe(retryable);
    expect(error.message).not.toMatch(/5551234567|161803/);
  });

  it("a timeout is retryable; a 2xx that is not Twilio's answer (no sid) is refused, not retryable", async () => {
    const hanging = await twilio(() => "hang");
    const timedOut = await failure(sender(hanging.url, { timeoutMs: 300 }).send(aCodeMessage({ channel: "sms", to: "+15551234567" })));
    expect(timedOut.retryable).toBe(true);

    const notTwilio = await twilio(() => ({ status: 200, body: "<html>ok</html>", contentType: "text/html" }));
    const noSid = await failure(sender(notTwilio.url).send(aCodeMessage({ channel: "sms", to: "+15551234567" })));
    expect(noSid.retryable).toBe(false);
    expect(noSid.message).toContain("without a message sid");
  });

  it("checks its configuration at construction", () => {
    expect(() => sender("https://api.twilio.com", { accountSid: "AC123" })).toThrow(/accountSid: expected AC followed by 32 hex digits/);
    expect(() => sender("https://api.twilio.com", { from: "5551234" })).toThrow(/from: expected an E\.164 number/);
    expect(() => sender("https://api.twilio.com", { authToken: " " })).toThrow(/authToken: must not be empty/);
    expect(() => sender("ftp://api.twilio.com")).toThrow(DeliveryConfigError);
    expect(() => sender("http://api.twilio.com")).toThrow(/baseUrl: expected an https:\/\/ URL/);
  });
});
