// A real SMTP server on loopback (smtp-server, in process) for the email tests: STARTTLS with a certificate the test
// made, MAIL FROM refused before STARTTLS, optional AUTH, recipients refused on demand; every message parsed back.
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import type { TestCertificates } from "./tls-certificates.js";

export interface ReceivedMail {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  /** Whether the session ran over TLS when the message was received. */
  readonly secure: boolean;
  readonly user: unknown;
  readonly parsed: ParsedMail;
}

export interface SmtpTestServer {
  readonly port: number;
  readonly received: ReceivedMail[];
  close(): Promise<void>;
}

export interface SmtpTestServerOptions {
  readonly certificates: TestCertificates;
  /** Do not offer STARTTLS (and accept mail in clear text), to prove the client refuses such a server. */
  readonly withoutStartTls?: boolean;
  /** Require AUTH with these credentials. */
  readonly credentials?: { readonly user: string; readonly pass: string };
  /** Recipients answered with 550. */
  readonly refuseRecipients?: readonly string[];
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

export async function startSmtpTestServer(options: SmtpTestServerOptions): Promise<SmtpTestServer> {
  const received: ReceivedMail[] = [];
  const config: SMTPServerOptions = {
    secure: false,
    key: options.certificates.serverKeyPem,
    cert: options.certificates.serverCertPem,
    // Hiding STARTTLS from EHLO is not enough: nodemailer then tries it anyway, and smtp-server would still accept it.
    ...(options.withoutStartTls === true ? { hideSTARTTLS: true, disabledCommands: ["STARTTLS"] } : {}),
    authOptional: options.credentials === undefined,
    allowInsecureAuth: false,
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, callback) {
      const ok =
        options.credentials !== undefined && auth.username === options.credentials.user && auth.password === options.credentials.pass;
      if (ok) callback(null, { user: auth.username });
      else callback(smtpError(535, "5.7.8 Authentication credentials invalid"));
    },
    onMailFrom(_address, session, callback) {
      if (!session.secure && options.withoutStartTls !== true) return callback(smtpError(530, "5.7.0 Must issue a STARTTLS command first"));
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (options.refuseRecipients?.includes(address.address)) {
        // Like a real server, the reply names the refused address: the sender must not pass it on.
        return callback(smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: User unknown`));
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          received.push({
            mailFrom: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
            secure: session.secure,
            user: session.user,
            parsed,
          });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  };
  const server = new SMTPServer(config);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
