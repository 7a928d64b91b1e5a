// The admin console's sessions at the edge: the session token lives in an HttpOnly, SameSite=Strict cookie and only its
// SHA-256 is stored; the CSRF token is derived from the session token (an HMAC keyed by it), handed to the console's
// script in JSON and sent back in the X-CSRF-Token header, so a request another site forges (which cannot read it) is
// refused with 403. A /v1 request with the cookie and no Authorization header acts as the signed-in operator, on the
// operator's tenant (or, for an operator of every tenant, the one named in Mfa-Tenant), with the operator's role.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { operatorMayUse, TENANT_ID, type Actor, type ConsoleOperators, type OperatorView } from "@mfa-chain/application";
import type { Request, RequestHandler, Response } from "express";
import { sendProblem } from "./problem.js";

export const SESSION_COOKIE = "mfa_console";
export const CSRF_HEADER = "x-csrf-token";
export const TENANT_HEADER = "mfa-tenant";
/** The cookie's lifetime: the absolute session timeout (the server decides; the cookie only stops being sent). */
const COOKIE_MAX_AGE_SECONDS = 12 * 3600;

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function mintSessionToken(): { readonly token: string; readonly sessionId: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, sessionId: sessionIdOf(token) };
}

export const sessionIdOf = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");

export const csrfTokenFor = (token: string): string =>
  createHmac("sha256", token).update("mfa-chain/console/csrf", "utf8").digest("base64url");

/** The session token in the request's cookie, if it has one of the right shape. */
export function sessionTokenOf(req: Request): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return TOKEN.test(value) ? value : null;
  }
  return null;
}

/** Secure when the request came over HTTPS (directly or, by its proxy's word, forwarded): a browser on http://localhost still gets it. */
const secure = (req: Request): boolean => req.secure || req.get("x-forwarded-proto") === "https";

export function setSessionCookie(req: Request, res: Response, token: string): void {
  res.append(
    "Set-Cookie",
    `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_SECONDS}${secure(req) ? "; Secure" : ""}`,
  );
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.append("Set-Cookie", `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure(req) ? "; Secure" : ""}`);
}

/** Whether the request carries the CSRF token of this session token (compared in constant time). */
export function csrfMatches(req: Request, token: string): boolean {
  const sent = req.get(CSRF_HEADER);
  if (!sent) return false;
  const expected = Buffer.from(csrfTokenFor(token), "utf8");
  const given = Buffer.from(sent, "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const forbidden = (res: Response, detail: string) => sendProblem(res, { code: "forbidden", detail });

/**
 * Authenticates /v1 requests: with an Authorization header as `byKey` does; otherwise with the console's session
 * cookie, its CSRF header, and the operator's tenant scope and role.
 */
export function authenticateKeyOrSession(byKey: RequestHandler, operators: ConsoleOperators): RequestHandler {
  const tenants = existingTenants(operators);
  return async (req, res, next) => {
    const token = req.get("authorization") === undefined ? sessionTokenOf(req) : null;
    if (token === null) return byKey(req, res, next);
    if (!csrfMatches(req, token)) return forbidden(res, `a console request needs its CSRF token in the ${CSRF_HEADER} header`);
    const operator = await operators.resolveSession(sessionIdOf(token));
    if (!operator) return sendProblem(res, { code: "unauthorized", detail: "the console session has ended or timed out: sign in again" });
    const named = req.get(TENANT_HEADER);
    const tenantId = named ?? operator.scope;
    if (tenantId === null) {
      return sendProblem(res, { code: "invalid_request", detail: `name the tenant to work on in the ${TENANT_HEADER} header` });
    }
    if (!TENANT_ID.test(tenantId)) return sendProblem(res, { code: "invalid_request", detail: `${TENANT_HEADER}: not a tenant id` });
    if (!operatorMayUse(operator, tenantId)) return forbidden(res, `this operator may not work on tenant "${tenantId}"`);
    if (operator.role === "viewer") {
      if (req.method !== "GET" && req.method !== "HEAD")
        return forbidden(res, "a viewer may read, not change: this needs an admin operator");
      if (req.get(ACTING_USER) !== undefined) return forbidden(res, "a viewer may not act as a user");
      if (!viewerMayRead(req.path)) return forbidden(res, "a viewer reads only what the console shows: this needs an admin operator");
    }
    if (!(await tenants.exists(tenantId))) return sendProblem(res, { code: "tenant_not_found", detail: `no tenant "${tenantId}"` });
    res.locals.actor = operatorActor(operator, tenantId);
    next();
  };
}

const ACTING_USER = "mfa-acting-user";

/**
 * What a viewer operator may GET under /v1 (paths relative to it): what the console shows, and nothing that reveals a
 * secret or changes state on a read (no vault entries or codes, no attempts, no dev routes, no device challenges).
 */
const VIEWER_READS: readonly RegExp[] = [
  /^\/policies(\/[^/]+(\/.*)?)?$/,
  /^\/users$/,
  /^\/users\/[^/]+\/(factors|factor-uses|lockout|devices|recoveries|enforcement)$/,
  /^\/audit-events$/,
  /^\/audit-chain$/,
  /^\/settings$/,
  /^\/enforcement$/,
  /^\/vault\/groups$/,
];

export const viewerMayRead = (path: string): boolean => VIEWER_READS.some((allowed) => allowed.test(path));

/** How long a tenant seen to exist is remembered (tenants are not deleted; a missing one is asked again every time). */
const TENANT_SEEN_MS = 30_000;

function existingTenants(operators: ConsoleOperators) {
  const seen = new Map<string, number>();
  return {
    async exists(tenantId: string): Promise<boolean> {
      const until = seen.get(tenantId);
      if (until !== undefined && until > Date.now()) return true;
      if (!(await operators.tenantExists(tenantId))) return false;
      if (seen.size >= 10_000) seen.clear();
      seen.set(tenantId, Date.now() + TENANT_SEEN_MS);
      return true;
    },
  };
}

/** An operator at work on a tenant: an admin operator acts with an admin key's rights, a viewer with a service key's (and reads only). */
export const operatorActor = (operator: OperatorView, tenantId: string): Actor => ({
  tenantId,
  keyId: `operator:${operator.id}`,
  role: operator.role === "admin" ? "admin" : "service",
  operatorId: operator.id,
});

/**
 * For the console's own routes that are not a tenant's (/console/tenants): a signed-in operator with the session's CSRF
 * token, put in res.locals.operator; 401 without a session, 403 without the token.
 */
export function requireOperator(operators: ConsoleOperators): RequestHandler {
  return async (req, res, next) => {
    const token = sessionTokenOf(req);
    if (token === null) return sendProblem(res, { code: "unauthorized", detail: "not signed in to the console" });
    if (!csrfMatches(req, token)) return forbidden(res, `a console request needs its CSRF token in the ${CSRF_HEADER} header`);
    const operator = await operators.resolveSession(sessionIdOf(token));
    if (!operator) return sendProblem(res, { code: "unauthorized", detail: "the console session has ended or timed out: sign in again" });
    res.locals.operator = operator;
    res.locals.sessionId = sessionIdOf(token);
    next();
  };
}

export const operatorOf = (res: Response): OperatorView => res.locals.operator as OperatorView;

/** The signed-in operator's id and session (after requireOperator). */
export const operatorSessionOf = (res: Response): { readonly operatorId: string; readonly sessionId: string } => ({
  operatorId: operatorOf(res).id,
  sessionId: res.locals.sessionId as string,
});
