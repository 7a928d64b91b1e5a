// Errors become HTTP here and nowhere else: RFC 9457 problem+json with a stable `code`.
import type { AppError, AppErrorCode } from "@mfa-chain/application";
import type { ErrorRequestHandler, Response } from "express";
import { asDatabaseUnavailable, type DatabaseUnavailableError } from "@mfa-chain/infra-postgres";
import type { Logger } from "pino";

export type EdgeErrorCode =
  | "invalid_request"
  | "unauthorized"
  | "not_found"
  | "method_not_allowed"
  | "request_timeout"
  | "headers_too_large"
  | "rate_limited"
  | "payload_too_large"
  | "unsupported_media_type"
  | "chain_breached"
  | "idempotency_key_reused"
  | "unavailable"
  | "internal_error";

export type ProblemCode = AppErrorCode | EdgeErrorCode;

export const STATUS: Record<ProblemCode, number> = {
  invalid_input: 400,
  invalid_request: 400,
  invalid_policy: 400,
  invalid_seed: 400,
  unauthorized: 401,
  forbidden: 403,
  reauthentication_required: 403,
  not_found: 404,
  policy_not_found: 404,
  tenant_not_found: 404,
  api_key_not_found: 404,
  credential_not_found: 404,
  attempt_not_found: 404,
  vault_entry_not_found: 404,
  vault_grant_not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  policy_exists: 409,
  tenant_exists: 409,
  vault_entry_exists: 409,
  enrollment_not_pending: 409,
  factor_not_active: 409,
  attempt_completed: 409,
  chain_breached: 409,
  factors_not_enrolled: 409,
  attempt_expired: 410,
  enrollment_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  factor_not_in_policy: 422,
  invalid_code: 422,
  idempotency_key_reused: 422,
  challenge_not_supported: 409,
  user_locked: 423,
  rate_limited: 429,
  too_many_sends: 429,
  headers_too_large: 431,
  internal_error: 500,
  unavailable: 503,
  delivery_unavailable: 503,
  // WebAuthn (issue 12).
  relying_party_not_configured: 409,
  credential_already_registered: 409,
  // Push approval (issue 13).
  push_answer_pending: 409,
  push_answer_unverified: 409,
  push_challenge_expired: 410,
  push_already_answered: 409,
  push_wrong_number: 422,
  push_unauthorized: 401,
  push_not_found: 404,
  too_many_pushes: 429,
  // Enforcement and remembered devices (issue 14).
  enforcement_rules_not_found: 404,
  device_not_found: 404,
  attempt_not_completed: 409,
  device_already_issued: 409,
  // Recovery (issue 14).
  recovery_not_found: 404,
  recovery_pending: 409,
  recovery_not_due: 409,
  recovery_closed: 409,
  recovery_delay_required: 409,
  // Console operators (issue 15).
  sign_in_failed: 401,
  last_sign_in_factor: 409,
  operator_exists: 409,
  operator_not_found: 404,
};

const TITLE: Partial<Record<ProblemCode, string>> = {
  invalid_request: "The request is not valid",
  invalid_policy: "The policy is not valid",
  invalid_seed: "The vault entry is not valid",
  unauthorized: "Missing or invalid API key",
  user_locked: "Too many failed attempts",
  rate_limited: "Too many requests",
  chain_breached: "Factor out of order",
  internal_error: "Internal error",
  unavailable: "Service unavailable",
  too_many_sends: "Too many codes sent",
  delivery_unavailable: "The code could not be sent",
};

export interface Problem {
  readonly code: ProblemCode;
  readonly detail: string;
  readonly [extension: string]: unknown;
}

function problemJson(problem: Problem): { status: number; title: string; body: string } {
  const { code, detail, ...extensions } = problem;
  const status = STATUS[code];
  const title = TITLE[code] ?? code.replaceAll("_", " ");
  return { status, title, body: JSON.stringify({ type: `/problems/${code}`, title, status, detail, code, ...extensions }) };
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}): void {
  const { status, body } = problemJson(problem);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(status).type("application/problem+json").send(body);
}

/**
 * A whole HTTP/1.1 response for a request Node's parser refused before express saw it (a malformed request line or
 * header, headers too large, a request that did not arrive in time): still problem+json, and the connection closes.
 */
export function rawProblemResponse(error: { code?: string | undefined }): string {
  const problem: Problem =
    error.code === "HPE_HEADER_OVERFLOW"
      ? { code: "headers_too_large", detail: "the request line or headers are larger than the API accepts" }
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? { code: "request_timeout", detail: "the request did not arrive in full in time" }
        : { code: "invalid_request", detail: "the request is not well-formed HTTP/1.1" };
  const { status, title, body } = problemJson(problem);
  return `HTTP/1.1 ${status} ${title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** After a provider refused a code (a retryable failure): when to try again. */
const DELIVERY_RETRY_AFTER_SECONDS = 5;
const retryAfter = (until: number) => String(Math.max(1, Math.ceil((until - Date.now()) / 1000)));

/** Maps an application error to its problem response, including the headers some of them need. */
export function sendAppError(res: Response, error: AppError): void {
  switch (error.code) {
    case "user_locked":
      return sendProblem(
        res,
        { code: error.code, detail: error.message, lockedUntil: iso(error.lockedUntil) },
        { "Retry-After": retryAfter(error.lockedUntil) },
      );
    case "recovery_not_due":
      return sendProblem(
        res,
        { code: error.code, detail: error.message, dueAt: iso(error.dueAt) },
        { "Retry-After": retryAfter(error.dueAt) },
      );
    case "too_many_sends":
      return sendProblem(
        res,
        { code: error.code, detail: error.message, retryAt: iso(error.retryAt) },
        { "Retry-After": retryAfter(error.retryAt) },
      );
    case "push_answer_unverified":
      return sendProblem(res, { code: error.code, detail: error.message, pushChallengeId: error.pushChallengeId });
    case "too_many_pushes":
      return sendProblem(
        res,
        { code: error.code, detail: error.message, retryAt: error.retryAt === null ? null : iso(error.retryAt) },
        error.retryAt === null ? {} : { "Retry-After": retryAfter(error.retryAt) },
      );
    case "delivery_unavailable":
      // Nothing was sent or stored: a retryable failure may be retried after a short wait.
      return sendProblem(
        res,
        { code: error.code, detail: error.message, retryable: error.retryable },
        error.retryable ? { "Retry-After": String(DELIVERY_RETRY_AFTER_SECONDS) } : {},
      );
    case "invalid_policy":
      return sendProblem(res, { code: error.code, detail: error.message, errors: error.issues });
    case "invalid_seed":
      return sendProblem(res, { code: error.code, detail: error.message, errors: error.issues });
    case "factors_not_enrolled":
      return sendProblem(res, { code: error.code, detail: error.message, missing: error.missing, needed: error.needed });
    case "invalid_code":
      return sendProblem(res, {
        code: error.code,
        detail: error.message,
        failuresRemaining: error.failuresRemaining,
        lockedUntil: error.lockedUntil === null ? null : iso(error.lockedUntil),
      });
    // Every other code needs nothing but its message; listed, so that a new code is a lint error until placed.
    case "attempt_completed":
    case "attempt_expired":
    case "attempt_not_found":
    case "credential_not_found":
    case "enrollment_expired":
    case "enrollment_not_pending":
    case "factor_not_active":
    case "factor_not_in_policy":
    case "forbidden":
    case "invalid_input":
    case "policy_exists":
    case "policy_not_found":
    case "reauthentication_required":
    case "tenant_exists":
    case "tenant_not_found":
    case "api_key_not_found":
    case "vault_entry_not_found":
    case "vault_entry_exists":
    case "vault_grant_not_found":
    case "challenge_not_supported":
    // WebAuthn (issue 12).
    case "relying_party_not_configured":
    case "credential_already_registered":
    // Push approval (issue 13).
    case "push_answer_pending":
    case "push_challenge_expired":
    case "push_already_answered":
    case "push_wrong_number":
    case "push_unauthorized":
    case "push_not_found":
    // Enforcement and remembered devices (issue 14).
    case "enforcement_rules_not_found":
    case "device_not_found":
    case "attempt_not_completed":
    case "device_already_issued":
    // Recovery (issue 14).
    case "recovery_not_found":
    case "recovery_pending":
    case "recovery_closed":
    case "recovery_delay_required":
    // Console operators (issue 15).
    case "sign_in_failed":
    case "last_sign_in_factor":
    case "operator_exists":
    case "operator_not_found":
      return sendProblem(res, { code: error.code, detail: error.message });
  }
}

/** How long a client should wait before retrying a request the database could not serve. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

/** 503: the database could not serve this request; nothing about the request itself is wrong. */
export function sendUnavailable(res: Response, detail = "the database is not reachable right now; retry shortly"): void {
  sendProblem(res, { code: "unavailable", detail }, { "Retry-After": String(UNAVAILABLE_RETRY_AFTER_SECONDS) });
}

/**
 * The last error handler: body-parser failures become 4xx; a database that cannot serve becomes 503 (reported to
 * `onUnavailable`, which logs once per outage); anything unknown is a 500 that reveals nothing.
 */
export function errorHandler(logger: Logger, onUnavailable: (error: DatabaseUnavailableError) => void): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const unavailable = asDatabaseUnavailable(error);
    if (unavailable) {
      onUnavailable(unavailable);
      if (res.headersSent) return;
      return sendUnavailable(res);
    }
    const e = error as { type?: string; status?: number; expose?: boolean };
    if (e?.type === "entity.parse.failed") {
      // body-parser's strict mode refuses JSON that is not an object or array (null, 123, "x", true) as a parse failure.
      const raw = (error as { body?: unknown }).body;
      let scalar = typeof raw === "string";
      try {
        if (scalar) JSON.parse(raw as string);
      } catch {
        scalar = false; // not JSON at all
      }
      return sendProblem(res, {
        code: "invalid_request",
        detail: scalar ? "the body must be a JSON object" : "the body is not valid JSON",
      });
    }
    if (e?.type === "entity.too.large") {
      return sendProblem(res, { code: "payload_too_large", detail: "the body is larger than the API accepts" });
    }
    if (e?.type === "charset.unsupported" || e?.type === "encoding.unsupported") {
      return sendProblem(res, {
        code: "unsupported_media_type",
        detail: "the body's charset or encoding is not supported; send UTF-8 JSON",
      });
    }
    if (error instanceof URIError) {
      return sendProblem(res, { code: "invalid_request", detail: "the path holds a malformed percent-encoding" });
    }
    if (typeof e?.status === "number" && e.status >= 400 && e.status < 500) {
      return sendProblem(res, { code: "invalid_request", detail: "the request could not be read" });
    }
    if (isForeignKeyViolation(error)) {
      // A row the request refers to does not exist (or was removed meanwhile): bad input, never a 500.
      if (res.headersSent) return;
      return sendProblem(res, { code: "not_found", detail: "something the request refers to does not exist" });
    }
    logger.error({ err: safeError(error), method: req.method, route: req.route?.path }, "unhandled error");
    if (res.headersSent) return;
    sendProblem(res, { code: "internal_error", detail: "an unexpected error occurred; it has been logged" });
  };
}

/** PostgreSQL's foreign_key_violation (SQLSTATE 23503), thrown by the driver directly or as the cause of a wrapper. */
function isForeignKeyViolation(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++)
    if (e.code === "23503") return true;
  return false;
}

/**
 * What of an unexpected error may be logged: its kind, message, code and stack. Never the driver's extras — query
 * parameters, `where` and `detail` — which can hold request values or stored ciphertexts (S10).
 */
export function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const e = error as Error & { code?: unknown; routine?: unknown };
  return {
    type: e.name,
    message: e.message,
    ...(typeof e.code === "string" ? { code: e.code } : {}),
    ...(typeof e.routine === "string" ? { routine: e.routine } : {}),
    stack: e.stack,
    ...(e.cause instanceof Error ? { cause: safeError(e.cause) } : {}),
  };
}
