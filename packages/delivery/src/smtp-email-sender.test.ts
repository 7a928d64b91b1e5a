// A real SMTP conversation: nodemailer → smtp-server on loopback, STARTTLS with a certificate made for the run, the
// message parsed back with mailparser.
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { DeliveryUnavailableError, type OutboundMessage } from "@mfa-chain/application";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { aCodeMessage, aNotification, fixedClock } from "../test/messages.js";
import { closedPort } from "../test/loopback-http.js";
import { startSmtpTestServer, type SmtpTestServer } from "../test/smtp-test-server.js";
import { makeTestCertificates, type TestCertificates } from "../test/tls-certificates.js";
import { DeliveryConfigError } from "./delivery.errors.js";
import { parseSmtpUrl, SmtpEmailSender, type SmtpEmailSenderOptions } from "./smtp-email-sender.js";
import { MessageRenderer } from "./templates.js";

let certificates: TestCertificates;
let otherCa: TestCertificates;
const cleanup: (() => unknown)[] = [];

beforeAll(() => {
  certificates = makeTestCertificates();
  otherCa = makeTestCertificates();
});

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function server(options: Omit<Parameters<typeof startSmtpTestServer>[0], "certificates"> = {}): Promise<SmtpTestServer> {
  const started = await startSmtpTestServer({ certificates, ...options });
  cleanup.push(() => started.close());
  return started;
}

function sender(options: Partial<SmtpEmailSenderOptions> & { port: number }): SmtpEmailSender {
  const { port, ...rest } = options;
  const created = new SmtpEmailSender({
    url: `smtp://127.0.0.1:${port}`,
    from: '"Acme Security" <security@acme.test>',
    tls: { ca: certificates.caPem },
    timeoutMs: 3_000,
    renderer: new MessageRenderer({ clock: fixedClock() }),
    ...rest,
  });
  cleanup.push(() => created.close());
  return created;
}

async function failure(promise: Promise<unknown>): Promise<DeliveryUnavailableError> {
  const error = await promise.then(
    () => expect.fail("the send should have been refused"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryUnavailableError);
  return error as DeliveryUnavailableError;
}

function expectNoSecrets(error: DeliveryUnavailableError, message: OutboundMessage): void {
  const everything = `${error.message} ${JSON.stringify(error.cause ?? null)} ${String(error.stack)}`;
  expect(everything).not.toContain(message.to);
  expect(everything).not.toContain(message.to.split("@")[0]);
  if (message.kind === "challenge_code") expect(everything).not.toContain(message.code);
}

describe("SmtpEmailSender over a real SMTP conversation", () => {
  it("sends a code over STARTTLS: sender, recipient, subject without the code, text and HTML bodies with it", async () => {
    const smtp = await server();
    const message = aCodeMessage({ to: "alice@example.test", code: "493817" });

    const receipt = await sender({ port: smtp.port }).send(message);

    expect(smtp.received).toHaveLength(1);
    const [mail] = smtp.received;
    expect(mail?.secure).toBe(true);
    expect(mail?.mailFrom).toBe("security@acme.test");
    expect(mail?.rcptTo).toEqual(["alice@example.test"]);
    const parsed = mail!.parsed;
    expect(parsed.from?.value).toEqual([{ name: "Acme Security", address: "security@acme.test" }]);
    expect(parsed.to).toMatchObject({ value: [{ address: "alice@example.test" }] });
    expect(parsed.subject).toBe("Your sign-in verification code");
    expect(parsed.subject).not.toContain("493817");
    expect(parsed.text).toContain("Your verification code is 493817");
    expect(parsed.text).toContain("expires in 5 min (2026-01-31 14:05 UTC)");
    expect(parsed.html).toContain(">493817</p>");
    expect(receipt.providerMessageId).toBe(parsed.messageId);
  });

  it("applies the tenant's template override and escapes values in the HTML body", async () => {
    const smtp = await server();
    const renderer = new MessageRenderer({
      clock: fixedClock(),
      overrides: {
        "tenant-acme": {
          factor_added: { subject: "Acme: new factor {{factorLabel}}", html: "<h1>Acme</h1><p>Added: {{factorLabel}} at {{at}}</p>" },
        },
      },
    });
    const label = '<script>alert("x")</script> & Tom\'s key';
    const send = sender({ port: smtp.port, renderer });

    await send.send(aNotification({ tenantId: "tenant-acme", factorLabel: label, to: "bob@example.test" }));
    await send.send(aNotification({ tenantId: "tenant-other", factorLabel: "Phone", to: "carol@example.test" }));

    const [acme, other] = smtp.received.map((m) => m.parsed);
    expect(acme?.subject).toBe(`Acme: new factor ${label}`);
    expect(acme?.html).toContain(
      "<h1>Acme</h1><p>Added: &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; Tom&#39;s key at 2026-01-31 14:00 UTC</p>",
    );
    expect(acme?.html).not.toContain("<script>");
    expect(acme?.text).toContain(`A second factor (${label}) was added`); // the text part is the default's, unescaped
    expect(other?.subject).toBe("A second factor was added to your account");
    expect(other?.html).toContain("<strong>Phone</strong>");
  });

  it("authenticates with the user and password of the URL (percent-decoded)", async () => {
    const smtp = await server({ credentials: { user: "mailer@acme.test", pass: "p@ss:w/rd" } });
    await sender({ port: smtp.port, url: `smtp://mailer%40acme.test:p%40ss%3Aw%2Frd@127.0.0.1:${smtp.port}` }).send(aCodeMessage());
    expect(smtp.received[0]?.user).toBe("mailer@acme.test");
  });

  it("wrong credentials are an authentication failure, not retryable, without the password", async () => {
    const smtp = await server({ credentials: { user: "mailer", pass: "right-password" } });
    const error = await failure(
      sender({ port: smtp.port, url: `smtp://mailer:wrong-password@127.0.0.1:${smtp.port}` }).send(aCodeMessage()),
    );
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("authentication failed");
    expect(`${error.message} ${JSON.stringify(error.cause)}`).not.toContain("wrong-password");
    expect(smtp.received).toHaveLength(0);
  });

  it("a refused recipient (550) is a DeliveryUnavailableError, not retryable, naming neither the code nor the address", async () => {
    const smtp = await server({ refuseRecipients: ["nobody@example.test"] });
    const message = aCodeMessage({ to: "nobody@example.test", code: "271828" });

    const error = await failure(sender({ port: smtp.port }).send(message));

    expect(error.code).toBe("delivery_unavailable");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/refused.*550/);
    expectNoSecrets(error, message);
    expect(smtp.received).toHaveLength(0);
  });

  it("refuses a server that does not offer STARTTLS: nothing is sent in clear text", async () => {
    const smtp = await server({ withoutStartTls: true });
    const message = aCodeMessage();
    const error = await failure(sender({ port: smtp.port }).send(message));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("no TLS");
    expect(smtp.received).toHaveLength(0);
  });

  it("refuses a certificate it does not trust (rejectUnauthorized by default), and accepts it only when told not to verify", async () => {
    const smtp = await server();
    const message = aCodeMessage();

    const untrusted = await failure(sender({ port: smtp.port, tls: { ca: otherCa.caPem } }).send(message));
    expect(untrusted.retryable).toBe(false);
    expect(untrusted.message).toContain("certificate");
    const systemRoots = await failure(sender({ port: smtp.port, tls: {} }).send(message));
    expect(systemRoots.message).toContain("certificate");
    expect(smtp.received).toHaveLength(0);

    await sender({ port: smtp.port, tls: { rejectUnauthorized: false } }).send(message);
    expect(smtp.received).toHaveLength(1);
  });

  it("an unreachable port is a retryable DeliveryUnavailableError, within the timeout", async () => {
    const port = await closedPort();
    const started = performance.now();
    const error = await failure(sender({ port, timeoutMs: 2_000 }).send(aCodeMessage()));
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain("could not be reached");
  });

  it("a server that never greets is given up after the greeting timeout", async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanup.push(() => new Promise((resolve) => silent.close(resolve)));
    const sockets = new Set<Socket>();
    silent.on("connection", (socket) => sockets.add(socket));
    cleanup.push(() => sockets.forEach((s) => s.destroy()));

    const started = performance.now();
    const error = await failure(sender({ port: (silent.address() as AddressInfo).port, timeoutMs: 500 }).send(aCodeMessage()));
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(3_000);
    expect(error.retryable).toBe(true);
  });

  it("refuses an SMS message and a destination that is not one address, without connecting", async () => {
    const smtp = await server();
    const send = sender({ port: smtp.port });
    expect((await failure(send.send(aCodeMessage({ channel: "sms", to: "+15551234567" })))).message).toContain("email messages only");
    const injected = aCodeMessage({ to: "alice@example.test, mallory@example.test" });
    const error = await failure(send.send(injected));
    expect(error.retryable).toBe(false);
    expectNoSecrets(error, injected);
    expect(smtp.received).toHaveLength(0);
  });
});

describe("SmtpEmailSender configuration", () => {
  it("names the option at fault, never repeating the URL (it may hold a password)", () => {
    const build = (options: Partial<SmtpEmailSenderOptions>) => () =>
      new SmtpEmailSender({ url: "smtp://127.0.0.1:2525", from: "a@b.test", ...options });
    expect(build({ url: "http://user:hunter2@mail.test" })).toThrow(DeliveryConfigError);
    expect(build({ url: "http://user:hunter2@mail.test" })).toThrow(/^delivery configuration is invalid: url: expected smtp:/);
    expect(build({ url: "http://user:hunter2@mail.test" })).not.toThrow(/hunter2/);
    expect(build({ url: "smtp://mail.test/path" })).toThrow(/no path, query or fragment/);
    expect(build({ from: "not an address" })).toThrow(/from: expected one address/);
    expect(build({ from: "a@b.test, c@d.test" })).toThrow(/from: expected one address/);
    expect(build({ tls: { ca: "not pem" } })).toThrow(/tls\.ca: expected PEM/);
  });

  it("reads the URL: port 587 for smtp:// (STARTTLS), 465 for smtps:// (implicit TLS), credentials, IPv6", () => {
    expect(parseSmtpUrl("smtp://mail.test")).toEqual({ ok: true, endpoint: { host: "mail.test", port: 587, secure: false } });
    expect(parseSmtpUrl("smtps://u:p@mail.test")).toEqual({
      ok: true,
      endpoint: { host: "mail.test", port: 465, secure: true, auth: { user: "u", pass: "p" } },
    });
    expect(parseSmtpUrl("smtp://[::1]:2525")).toEqual({ ok: true, endpoint: { host: "::1", port: 2525, secure: false } });
  });
});
