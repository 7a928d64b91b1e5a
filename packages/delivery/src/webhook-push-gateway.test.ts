// The push gateway's webhook against a real node:http server on loopback, which checks the signature as
// docs/push-protocol.md §6 (and docs/delivery.md) tell a receiver to. The notification wakes the device only: it
// carries the challenge id and the device's push token, never the number to match or the choices.
import { createHmac, timingSafeEqual } from "node:crypto";
import { PushGatewayUnavailableError } from "@mfa-chain/application";
import { afterEach, describe, expect, it } from "vitest";
import { closedPort, startLoopbackServer, type RecordedRequest, type Reply } from "../test/loopback-http.js";
import { DeliveryConfigError } from "./delivery.errors.js";
import { WebhookPushGateway } from "./webhook-push-gateway.js";

const SECRET = "pushsec-0123456789abcdef0123456789abcdef";
const PUSH_TOKEN = "fcm-registration-token-0123456789";
const NOTICE = { tenantId: "acme", deviceId: "cred_01", pushToken: PUSH_TOKEN, challengeId: "pch_7", expiresAt: 1_735_689_720_000 };
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

function verifySignature(request: RecordedRequest): boolean {
  const header = request.headers["mfa-signature"];
  if (typeof header !== "string") return false;
  const fields = new Map(header.split(",").map((part) => part.split("=", 2) as [string, string]));
  const timestamp = Number(fields.get("t"));
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return false;
  const expected = createHmac("sha256", SECRET)
    .update(Buffer.concat([Buffer.from(`${timestamp}.`, "utf8"), request.rawBody]))
    .digest();
  const given = Buffer.from(fields.get("v1") ?? "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function receiver(reply: (request: RecordedRequest) => Reply) {
  const server = await startLoopbackServer(reply);
  cleanup.push(() => server.close());
  return server;
}

async function refusal(promise: Promise<unknown>): Promise<PushGatewayUnavailableError> {
  const error = await promise.then(
    () => expect.fail("the notification should have failed"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PushGatewayUnavailableError);
  expect((error as Error).message).not.toContain(PUSH_TOKEN);
  return error as PushGatewayUnavailableError;
}

describe("WebhookPushGateway against a loopback receiver", () => {
  it("POSTs { tenantId, deviceId, pushToken, challengeId, expiresAt } signed so that the receiver's documented check passes", async () => {
    const server = await receiver((request) => (verifySignature(request) ? { status: 204 } : { status: 401 }));
    await new WebhookPushGateway({ url: `${server.url}/push`, secret: SECRET }).notify(NOTICE);
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.path).toBe("/push");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request?.rawBody.toString("utf8") ?? "")).toEqual(NOTICE);
  });

  it("a receiver that refuses, or is not there, is a PushGatewayUnavailableError that never repeats the push token", async () => {
    const server = await receiver(() => ({ status: 503 }));
    expect((await refusal(new WebhookPushGateway({ url: server.url, secret: SECRET }).notify(NOTICE))).message).toContain("503");
    const closed = await closedPort();
    await refusal(new WebhookPushGateway({ url: `http://127.0.0.1:${closed}`, secret: SECRET }).notify(NOTICE));
  });

  it("a receiver that does not answer in time fails after the timeout", async () => {
    const server = await receiver(() => "hang");
    const started = Date.now();
    await refusal(new WebhookPushGateway({ url: server.url, secret: SECRET, timeoutMs: 300 }).notify(NOTICE));
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("refuses plain http to another host than loopback, and a short secret, at construction", () => {
    expect(() => new WebhookPushGateway({ url: "http://push.example.com/hook", secret: SECRET })).toThrow(DeliveryConfigError);
    expect(() => new WebhookPushGateway({ url: "https://push.example.com/hook", secret: "short" })).toThrow(DeliveryConfigError);
  });
});
