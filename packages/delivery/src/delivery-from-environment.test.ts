import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeliveryUnavailableError } from "@mfa-chain/application";
import { afterAll, describe, expect, it } from "vitest";
import { startLoopbackServer } from "../test/loopback-http.js";
import { aCodeMessage, aNotification, fixedClock } from "../test/messages.js";
import { startSmtpTestServer } from "../test/smtp-test-server.js";
import { makeTestCertificates } from "../test/tls-certificates.js";
import { DeliveryConfigError } from "./delivery.errors.js";
import { deliveryFromEnvironment, type DeliveryEnvironment } from "./delivery-from-environment.js";

const dir = mkdtempSync(join(tmpdir(), "mfa-delivery-env-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const SMTP = { SMTP_URL: "smtps://mailer:s3cret-pass@mail.example.test", SMTP_FROM: "no-reply@example.test" };
const WEBHOOK = { SMS_WEBHOOK_URL: "https://sms.example.test/send", SMS_WEBHOOK_SECRET: "a-webhook-secret-of-more-than-32-chars" };
const TWILIO = {
  TWILIO_ACCOUNT_SID: `AC${"a".repeat(32)}`,
  TWILIO_AUTH_TOKEN: "twilio-token-0123456789",
  TWILIO_FROM: "+15005550006",
};

function configError(env: DeliveryEnvironment): DeliveryConfigError {
  try {
    deliveryFromEnvironment(env).close();
  } catch (error) {
    expect(error).toBeInstanceOf(DeliveryConfigError);
    return error as DeliveryConfigError;
  }
  return expect.fail("the configuration should have been refused");
}

/** The single issue of a refused configuration, as "VARIABLE: message". */
function issue(env: DeliveryEnvironment): string {
  const error = configError(env);
  expect(error.issues).toHaveLength(1);
  return `${error.issues[0]?.where}: ${error.issues[0]?.message}`;
}

describe("deliveryFromEnvironment: each variable's validation", () => {
  it.each<[string, DeliveryEnvironment, RegExp]>([
    ["SMTP_URL scheme", { ...SMTP, SMTP_URL: "https://mailer:s3cret-pass@mail.example.test" }, /^SMTP_URL: expected smtp:\/\/.*not shown/],
    ["SMTP_URL garbage", { ...SMTP, SMTP_URL: "s3cret-pass" }, /^SMTP_URL: expected smtp:\/\//],
    ["SMTP_URL needs SMTP_FROM", { SMTP_URL: SMTP.SMTP_URL }, /^SMTP_FROM: required when SMTP_URL is set$/],
    ["SMTP_FROM address", { ...SMTP, SMTP_FROM: "no-reply" }, /^SMTP_FROM: expected one address/],
    ["SMTP_FROM needs SMTP_URL", { SMTP_FROM: SMTP.SMTP_FROM }, /^SMTP_URL: required when SMTP_FROM is set$/],
    ["SMTP_TLS_CA_FILE needs SMTP_URL", { SMTP_TLS_CA_FILE: "/ca.pem" }, /^SMTP_URL: required when SMTP_TLS_CA_FILE is set$/],
    [
      "SMTP_TLS_CA_FILE missing",
      { ...SMTP, SMTP_TLS_CA_FILE: join(dir, "absent.pem") },
      /^SMTP_TLS_CA_FILE: cannot read .*absent\.pem \(ENOENT\)$/,
    ],
    [
      "SMTP_TLS_CA_FILE not PEM",
      { ...SMTP, SMTP_TLS_CA_FILE: file("not.pem", "hello") },
      /^SMTP_TLS_CA_FILE: .*not\.pem holds no PEM certificate/,
    ],
    ["SMTP_TLS_REJECT_UNAUTHORIZED", { ...SMTP, SMTP_TLS_REJECT_UNAUTHORIZED: "no" }, /^SMTP_TLS_REJECT_UNAUTHORIZED: expected 1 or 0/],
    ["SMS_WEBHOOK_URL not a URL", { ...WEBHOOK, SMS_WEBHOOK_URL: "sms gateway" }, /^SMS_WEBHOOK_URL: expected an absolute https:\/\/ URL$/],
    [
      "SMS_WEBHOOK_URL clear text",
      { ...WEBHOOK, SMS_WEBHOOK_URL: "http://sms.example.test/send" },
      /^SMS_WEBHOOK_URL: expected an https:\/\/ URL \(http/,
    ],
    [
      "SMS_WEBHOOK_URL needs secret",
      { SMS_WEBHOOK_URL: WEBHOOK.SMS_WEBHOOK_URL },
      /^SMS_WEBHOOK_SECRET: required when SMS_WEBHOOK_URL is set/,
    ],
    ["SMS_WEBHOOK_SECRET short", { ...WEBHOOK, SMS_WEBHOOK_SECRET: "too-short" }, /^SMS_WEBHOOK_SECRET: must be at least 32 characters/],
    [
      "SMS_WEBHOOK_SECRET needs URL",
      { SMS_WEBHOOK_SECRET: WEBHOOK.SMS_WEBHOOK_SECRET },
      /^SMS_WEBHOOK_URL: required when SMS_WEBHOOK_SECRET is set$/,
    ],
    ["TWILIO_ACCOUNT_SID", { ...TWILIO, TWILIO_ACCOUNT_SID: "AC123" }, /^TWILIO_ACCOUNT_SID: expected AC followed by 32 hex digits$/],
    ["TWILIO_AUTH_TOKEN", { ...TWILIO, TWILIO_AUTH_TOKEN: "short token" }, /^TWILIO_AUTH_TOKEN: expected at least 16 characters/],
    ["TWILIO_FROM", { ...TWILIO, TWILIO_FROM: "Acme" }, /^TWILIO_FROM: expected an E\.164 number/],
    ["TWILIO_BASE_URL", { ...TWILIO, TWILIO_BASE_URL: "http://twilio.example.test" }, /^TWILIO_BASE_URL: expected an https:\/\/ URL/],
    ["TWILIO_FROM missing", { ...TWILIO, TWILIO_FROM: undefined }, /^TWILIO_FROM: required when TWILIO_ACCOUNT_SID is set$/],
    ["DELIVERY_OUTBOX", { DELIVERY_OUTBOX: "yes" }, /^DELIVERY_OUTBOX: expected 1 or 0/],
    [
      "DELIVERY_TEMPLATES_FILE missing",
      { DELIVERY_TEMPLATES_FILE: join(dir, "absent.json") },
      /^DELIVERY_TEMPLATES_FILE: cannot read .* \(ENOENT\)$/,
    ],
    [
      "DELIVERY_TEMPLATES_FILE not JSON",
      { DELIVERY_TEMPLATES_FILE: file("bad.json", "{") },
      /^DELIVERY_TEMPLATES_FILE: .*bad\.json is not valid JSON$/,
    ],
    [
      "DELIVERY_TEMPLATES_FILE templates",
      { DELIVERY_TEMPLATES_FILE: file("code-in-subject.json", JSON.stringify({ acme: { verify_code: { subject: "{{code}}" } } })) },
      /^DELIVERY_TEMPLATES_FILE templates\.acme\.verify_code\.subject: a subject must not contain \{\{code\}\}/,
    ],
  ])("%s", (_name, env, expected) => {
    expect(issue(env)).toMatch(expected);
  });

  it("never repeats a secret's value", () => {
    const error = configError({
      SMTP_URL: "http://mailer:s3cret-pass@mail.example.test",
      SMS_WEBHOOK_URL: "http://gw.example.test/?token=t0ken-in-url",
      SMS_WEBHOOK_SECRET: "short-s3cret",
      TWILIO_ACCOUNT_SID: TWILIO.TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: "tw tok",
      TWILIO_FROM: TWILIO.TWILIO_FROM,
    });
    expect(error.issues.map((i) => i.where)).toEqual(
      expect.arrayContaining(["SMTP_URL", "SMTP_FROM", "SMS_WEBHOOK_URL", "SMS_WEBHOOK_SECRET", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID"]),
    );
    expect(error.message).not.toMatch(/s3cret-pass|t0ken-in-url|short-s3cret|tw tok/);
  });

  it("refuses two SMS providers at once, naming both", () => {
    const error = configError({ ...WEBHOOK, ...TWILIO });
    expect(error.issues.map((i) => i.where)).toEqual(["SMS_WEBHOOK_URL", "TWILIO_ACCOUNT_SID"]);
    expect(error.issues[0]?.message).toContain("configure one SMS provider");
  });

  it("takes blank variables as unset", () => {
    const delivery = deliveryFromEnvironment({ SMTP_URL: "", SMTP_FROM: "  ", DELIVERY_OUTBOX: "" });
    expect(delivery.providers).toEqual({ email: null, sms: null });
  });
});

describe("deliveryFromEnvironment: routing", () => {
  it("with nothing configured, every send rejects as not configured (not retryable)", async () => {
    const delivery = deliveryFromEnvironment({});
    expect(delivery.providers).toEqual({ email: null, sms: null });
    expect(delivery.outbox).toBeNull();
    for (const message of [aCodeMessage(), aCodeMessage({ channel: "sms", to: "+15551234567" })]) {
      const error = await delivery.send(message).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeliveryUnavailableError);
      expect(error).toMatchObject({ retryable: false, message: `${message.channel} delivery is not configured` });
    }
  });

  it("DELIVERY_OUTBOX=1 serves the channels without a provider; configured ones keep theirs", async () => {
    const onlyOutbox = deliveryFromEnvironment({ DELIVERY_OUTBOX: "1" }, { clock: fixedClock() });
    expect(onlyOutbox.providers).toEqual({ email: "outbox", sms: "outbox" });
    await onlyOutbox.send(aCodeMessage({ code: "909090" }));
    expect(onlyOutbox.outbox?.list()[0]?.text).toContain("909090");

    const mixed = deliveryFromEnvironment({ ...SMTP, DELIVERY_OUTBOX: "true" });
    expect(mixed.providers).toEqual({ email: "smtp", sms: "outbox" });
    mixed.close();
    expect(deliveryFromEnvironment({ ...TWILIO, DELIVERY_OUTBOX: "0" }).providers).toEqual({ email: null, sms: "twilio" });
    expect(deliveryFromEnvironment(WEBHOOK).providers).toEqual({ email: null, sms: "sms_webhook" });
  });

  it("end to end: SMTP with SMTP_TLS_CA_FILE and a templates file, SMS by the webhook, each to a real loopback server", async () => {
    const certificates = makeTestCertificates();
    const smtp = await startSmtpTestServer({ certificates });
    const gateway = await startLoopbackServer(() => ({ status: 200, body: '{"id":"gw-1"}' }));
    const templates = file("templates.json", JSON.stringify({ acme: { factor_removed: { subject: "Acme: factor removed" } } }));
    const delivery = deliveryFromEnvironment(
      {
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        SMTP_FROM: "security@acme.test",
        SMTP_TLS_CA_FILE: file("ca.pem", certificates.caPem),
        SMTP_TLS_REJECT_UNAUTHORIZED: "1",
        SMS_WEBHOOK_URL: `${gateway.url}/sms`,
        SMS_WEBHOOK_SECRET: WEBHOOK.SMS_WEBHOOK_SECRET,
        DELIVERY_TEMPLATES_FILE: templates,
        UNRELATED_VARIABLE: "ignored",
      },
      { clock: fixedClock(), timeoutMs: 3_000 },
    );
    try {
      expect(delivery.providers).toEqual({ email: "smtp", sms: "sms_webhook" });
      await delivery.send(aNotification({ tenantId: "acme", event: "factor_removed", to: "dana@example.test" }));
      const receipt = await delivery.send(aCodeMessage({ channel: "sms", to: "+15551234567", code: "246810" }));

      expect(smtp.received[0]?.parsed.subject).toBe("Acme: factor removed");
      expect(smtp.received[0]?.rcptTo).toEqual(["dana@example.test"]);
      expect(receipt.providerMessageId).toBe("gw-1");
      expect(gateway.requests[0]?.rawBody.toString()).toContain("246810 is your verification code");
    } finally {
      delivery.close();
      await smtp.close();
      await gateway.close();
    }
  });
});
