// The HTTP side shared by the SMS senders: one POST under a deadline, and the provider's answer read as accepted (2xx)
// or turned into a DeliveryUnavailableError. A provider's error body is never copied into the error: it may repeat the
// phone number or the message text, and so the code.
import { DeliveryUnavailableError } from "@mfa-chain/application";

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

/** A phone number in E.164 form: + and up to 15 digits, no leading zero. */
export const E164_NUMBER = /^\+[1-9]\d{1,14}$/;
const MAX_ANSWER_CHARS = 64 * 1024;

export interface ProviderAnswer {
  readonly status: number;
  /** The parsed JSON body of a 2xx answer; undefined when it was empty, not JSON or unreadable. */
  readonly json: unknown;
}

/** SMS destinations arrive normalized (E.164); anything else is refused here rather than sent to a wrong number. */
export function assertE164(to: string, provider: string): void {
  if (!E164_NUMBER.test(to)) {
    throw new DeliveryUnavailableError("sms", `${provider}: the destination is not an E.164 phone number`, { retryable: false });
  }
}

/** POSTs to a provider. Resolves only on a 2xx answer; a timeout, a network error or any other status rejects. */
export async function postToProvider(
  provider: string,
  url: URL,
  request: { readonly headers: Readonly<Record<string, string>>; readonly body: string },
  timeoutMs: number,
): Promise<ProviderAnswer> {
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    // A redirect is not followed: a POST turned into a GET elsewhere would never be an accepted message.
    response = await fetch(url, { method: "POST", headers: request.headers, body: request.body, redirect: "manual", signal });
  } catch (error) {
    throw unreachable(provider, error, timeoutMs);
  }

  if (response.status < 200 || response.status > 299) {
    await response.body?.cancel().catch(() => undefined);
    const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
    const hint = response.status === 401 || response.status === 403 ? " (check the credentials)" : "";
    throw new DeliveryUnavailableError("sms", `${provider}: the provider refused the message with HTTP ${response.status}${hint}`, {
      retryable,
    });
  }
  return { status: response.status, json: await readJson(response) };
}

async function readJson(response: Response): Promise<unknown> {
  try {
    const text = await response.text();
    return text === "" || text.length > MAX_ANSWER_CHARS ? undefined : (JSON.parse(text) as unknown);
  } catch {
    // The provider has accepted the message: an unreadable answer must not turn it into a failure (and a resend).
    return undefined;
  }
}

function unreachable(provider: string, error: unknown, timeoutMs: number): DeliveryUnavailableError {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return new DeliveryUnavailableError("sms", `${provider}: no answer within ${timeoutMs} ms`, { retryable: true, cause: error });
  }
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  const detail = typeof code === "string" ? code : "network error";
  return new DeliveryUnavailableError("sms", `${provider}: the provider could not be reached (${detail})`, {
    retryable: true,
    cause: error,
  });
}

/**
 * An http(s) URL for a provider endpoint. Plain http is accepted for loopback only (a local relay, tests): codes must
 * not cross a network in clear text. The message never repeats the URL, which may carry a token.
 */
export function parseProviderUrl(value: string): { ok: true; url: URL } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, message: "expected an absolute https:// URL" };
  }
  if (url.username !== "" || url.password !== "") return { ok: false, message: "must not contain credentials (user:password@)" };
  if (url.protocol === "https:") return { ok: true, url };
  if (url.protocol === "http:" && isLoopback(url.hostname)) return { ok: true, url };
  return { ok: false, message: "expected an https:// URL (http:// is accepted for loopback hosts only)" };
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}
