// The console's client: openapi-fetch typed by the API's own OpenAPI document (schema.d.ts is generated at build from
// /openapi.json). The session cookie goes by itself (same origin); this adds the session's CSRF token and, for an
// operator of every tenant, the tenant being worked on.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"] & { errors?: { path: string; message: string }[] };

const context: { csrfToken: string | null; tenant: string | null } = { csrfToken: null, tenant: null };

export const setCsrfToken = (token: string | null): void => void (context.csrfToken = token);
export const setTenant = (tenant: string | null): void => void (context.tenant = tenant);

const consoleHeaders: Middleware = {
  onRequest({ request }) {
    if (context.csrfToken) request.headers.set("x-csrf-token", context.csrfToken);
    if (context.tenant && new URL(request.url).pathname.startsWith("/v1/")) request.headers.set("mfa-tenant", context.tenant);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: "same-origin" });
api.use(consoleHeaders);

/** A problem+json answer as an Error the screens can show (and read field errors from). */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly status: number,
  ) {
    super(problem.detail || problem.title || `request failed (${status})`);
  }
}

/** The data of an answer, or a ProblemError for a problem. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const problem = (result.error ?? {}) as Problem;
    throw new ProblemError(problem, result.response.status);
  }
  return result.data as T;
}

/** Field errors of a problem (invalid_request's or invalid_policy's `errors`), by path. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ProblemError) || !Array.isArray(error.problem.errors)) return {};
  const out: Record<string, string> = {};
  for (const e of error.problem.errors) out[e.path] = out[e.path] ? `${out[e.path]}; ${e.message}` : e.message;
  return out;
}
