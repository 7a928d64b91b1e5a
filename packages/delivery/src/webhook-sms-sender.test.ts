// The SMS webhook against a real node:http server on loopback, which verifies the signature as docs/delivery.md tells
// a receiver to: recompute HMAC-SHA256 over "<t>.<raw body>", compare in constant time, refuse an old timestamp.
import { createHmac, timingSafeEqual } from "node:crypto";
import { DeliveryUnavailableError } from "@mfa-chain/application";
import { afterEach, describe, expect, it } from "vitest";
import { closedPort, type RecordedRequest, type Reply, startLoopbackServer } from "../test/loopback-http.js";
import { aCodeMessage, aNotification, fixedClock } from "../test/messages.js";
import { DeliveryConfigError } from "./delivery.errors.js";
import { MessageRenderer } from "./templates.js";
import { WebhookSmsSender } from "./webhook-sms-sender.js";

const SECRET = "whsec-0123456789abcdef0123456789abcdef";
const TOLERANCE_SECONDS = 300;
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

/** The receiver's check, written from the documentation (not from the sender's code). */
function verifySignature(request: RecordedRequest, secret: string, nowSeconds: number): boolean {
  const header = request.headers["mfa-signature"];
  if (typeof header !== "string") return false;
  const fields = new Map(header.split(",").map((part) => part.split("=", 2) as [string, string]));
  const timestamp = Number(fields.get("t"));
  const signature = fields.get("v1") ?? "";
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > TOLERANCE_SECONDS) return false;
  const expected = createHmac("sha256", secret)
    .update(Buffer.concat([Buffer.from(`${timestamp}.`, "utf8"), request.rawBody]))
    .digest();
  const given = Buffer.from(signature, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function gateway(reply: (request: RecordedRequest) => Reply) {
  const server = await startLoopbackServer(reply);
  cleanup.push(() => server.close());
  return server;
}

function sender(url: string, options: { timeoutMs?: number; secret?: string } = {}) {
  return new WebhookSmsSender({
    url,
    secret: options.secret ?? SECRET,
    timeoutMs: options.timeoutMs ?? 2_000,
    renderer: new MessageRenderer({ clock: fixedClock() }),
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

describe("WebhookSmsSender against a loopback gateway", () => {
  it("POSTs {to, body, messageId} signed so that the receiver's documented check passes; the gateway's id is the receipt", async () => {
    const server = await gateway((request) =>
      verifySignature(request, SECRET, Math.floor(Date.now() / 1000)) ? { status: 202, body: '{"id":"gw-42"}' } : { status: 401 },
    );
    const message = aCodeMessage({ channel: "sms", to: "+15551234567", code: "602214" });

    const receipt = await sender(`${server.url}/sms`).send(message);

    expect(receipt).toEqual({ providerMessageId: "gw-42" });
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/sms");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(request?.headers["mfa-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const body = JSON.parse(request!.rawBody.toString("utf8")) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["body", "messageId", "to"]);
    expect(body.to).toBe("+15551234567");
    expect(body.body).toBe("602214 is your verification code. It expires in 5 min. Never share it.");
    expect(body.messageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("the receiver's check fails for another secret and for a tampered body (the check can fail)", async () => {
    const server = await gateway(() => ({ status: 200 }));
    await sender(server.url).send(aNotification({ channel: "sms", to: "+447700900123" }));
    const [request] = server.requests;
    const now = Math.floor(Date.now() / 1000);
    expect(verifySignature(request!, SECRET, now)).toBe(true);
    expect(verifySignature(request!, `${SECRET}x`, now)).toBe(false);
    expect(verifySignature({ ...request!, rawBody: Buffer.from(request!.rawBody.toString().replace("+4477", "+4478")) }, SECRET, now)).toBe(
      false,
    );
    expect(verifySignature(request!, SECRET, now + TOLERANCE_SECONDS + 5)).toBe(false);
  });

  it("a 2xx without an id still names the message: by the messageId it sent", async () => {
    const server = await gateway(() => ({ status: 204 }));
    const receipt = await sender(server.url).send(aCodeMessage({ channel: "sms", to: "+15551234567" }));
    const sent = JSON.parse(server.requests[0]!.rawBody.toString()) as { messageId: string };
    expect(receipt.providerMessageId).toBe(sent.messageId);
  });

  it.each([
    [500, true],
    [503, true],
    [429, true],
    [400, false],
    [401, false],
  ])("HTTP %i is a DeliveryUnavailableError (retryable: %s) naming neither the code nor the number", async (status, retryable) => {
    const server = await gateway(() => ({ status, body: '{"error":"+15551234567 / 918273"}' }));
    const error = await failure(sender(server.url).send(aCodeMessage({ channel: "sms", to: "+15551234567", code: "918273" })));
    expect(error.retryable).toBe(retryable);
    expect(error.channel).toBe("sms");
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).not.toContain("918273");
    expect(error.message).not.toContain("5551234567");
  });

  it("a gateway that does not answer in time is a retryable DeliveryUnavailableError, after the timeout", async () => {
    const server = await gateway(() => "hang");
    const started = performance.now();
    const error = await failure(sender(server.url, { timeoutMs: 300 }).send(aCodeMessage({ channel: "sms", to: "+15551234567" })));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(2_000);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("no answer within 300 ms");
  });

  it("a closed port is a retryable DeliveryUnavailableError", async () => {
    const error = await failure(
      sender(`http://127.0.0.1:${await closedPort()}/`).send(aCodeMessage({ channel: "sms", to: "+15551234567" })),
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("could not be reached (ECONNREFUSED)");
  });

  it("refuses a destination that is not E.164 and an email message, without a request", async () => {
    const server = await gateway(() => ({ status: 200 }));
    const send = sender(server.url);
    const error = await failure(send.send(aCodeMessage({ channel: "sms", to: "0044 7700 900123" })));
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain("7700");
    await failure(send.send(aCodeMessage({ channel: "email" })));
    expect(server.requests).toHaveLength(0);
  });

  it("refuses a short secret and a plain-http URL that is not loopback, without repeating them", () => {
    expect(() => sender("https://sms.example.test/hook", { secret: "short-secret" })).toThrow(DeliveryConfigError);
    expect(() => sender("https://sms.example.test/hook", { secret: "short-secret" })).toThrow(/secret: must be at least 32 characters/);
    expect(() => sender("https://sms.example.test/hook", { secret: "short-secret" })).not.toThrow(/short-secret/);
    expect(() => sender("http://sms.example.test/hook?token=abc")).toThrow(/url: expected an https:\/\/ URL/);
    expect(() => sender("http://sms.example.test/hook?token=abc")).not.toThrow(/token=abc/);
  });
});
