// The OpenAPI paths of the admin console's sign-in and session (issue 15), registered by openapi.ts; and the console
// session as a way to call /v1 (a cookie plus the X-CSRF-Token header).
import type { OpenAPIRegistry, ResponseConfig, RouteConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import * as C from "./console.schemas.js";
import { ConfirmResultSchema, CredentialSchema } from "./schemas.js";

type Helpers = {
  json: (schema: z.ZodType, description: string) => ResponseConfig;
  problem: (description: string) => ResponseConfig;
  body: (schema: z.ZodType) => { content: { "application/json": { schema: z.ZodType } } };
};

export function registerConsolePaths(registry: OpenAPIRegistry, { json, problem, body }: Helpers): void {
  registry.registerComponent("securitySchemes", "consoleSession", {
    type: "apiKey",
    in: "cookie",
    name: "mfa_console",
    description:
      "The admin console's session (HttpOnly, SameSite=Strict), with its CSRF token in the X-CSRF-Token header (403 `forbidden` without it); an operator of every tenant names the tenant in Mfa-Tenant",
  });
  const common = {
    400: problem("Malformed request"),
    429: problem("Rate limited"),
    503: problem("The database is not reachable right now"),
  };
  const tags = ["console"];
  registry.registerPath({
    method: "get",
    path: "/console/session",
    tags,
    summary: "The signed-in operator and the session's CSRF token",
    security: [{ consoleSession: [] }],
    responses: { ...common, 200: json(C.ConsoleSessionSchema, "Signed in"), 401: problem("No session, or it ended or timed out") },
  });
  registry.registerPath({
    method: "post",
    path: "/console/session",
    tags,
    summary: "Sign in, first step: the password. Sets the session cookie; the operator's chain is next",
    request: { body: body(C.SignInBody) },
    responses: {
      ...common,
      200: json(
        C.SignInStepSchema,
        "The password is right: pass the chain's next factor (`nextFactor`: the authenticator app, or the operator's passkey) with POST /console/session/code",
      ),
      401: problem("Unknown operator or wrong password (`sign_in_failed`)"),
      423: problem("Too many failures (`user_locked`)"),
    },
  });
  registry.registerPath({
    method: "post",
    path: "/console/session/code",
    tags,
    summary: "Sign in, next step: the authenticator app's code, or the passkey's assertion, of the operator's chain",
    security: [{ consoleSession: [] }],
    request: { body: body(C.SignInCodeBody) },
    responses: {
      ...common,
      200: json(C.SignInCodeOutcomeSchema, "Signed in, or a wrong code or refused assertion (counted)"),
      401: problem("No sign-in in progress (`sign_in_failed`)"),
      423: problem("Too many failures (`user_locked`)"),
    },
  });
  registry.registerPath({
    method: "post",
    path: "/console/session/challenge",
    tags,
    summary:
      "Sign in, a passkey step: the request options for navigator.credentials.get (the assertion then goes to POST /console/session/code)",
    security: [{ consoleSession: [] }],
    responses: {
      ...common,
      200: json(C.SignInChallengeSchema, "The challenge (valid 5 minutes; a new one replaces it)"),
      401: problem("No sign-in in progress (`sign_in_failed`)"),
      409: problem("The step takes the authenticator app's code (`challenge_not_supported`)"),
      423: problem("Too many failures (`user_locked`)"),
    },
  });
  const csrf = { headers: z.object({ "x-csrf-token": z.string() }) };
  const signedIn = {
    401: problem("Not signed in (`unauthorized`)"),
    403: problem("No CSRF token (`forbidden`), or the sign-in is older than 5 minutes (`reauthentication_required`)"),
  };
  registry.registerPath({
    method: "get",
    path: "/console/passkeys",
    tags,
    summary: "The signed-in operator's passkeys",
    security: [{ consoleSession: [] }],
    request: csrf,
    responses: { ...common, ...signedIn, 200: json(C.PasskeyListSchema, "The active passkeys (at most one: a new one replaces it)") },
  });
  registry.registerPath({
    method: "post",
    path: "/console/passkeys",
    tags,
    summary:
      "Register a passkey for the signed-in operator: the creation options for navigator.credentials.create (needs a sign-in in the last 5 minutes)",
    security: [{ consoleSession: [] }],
    request: csrf,
    responses: {
      ...common,
      ...signedIn,
      201: json(C.PasskeyRegistrationSchema, "Pending: confirm it with the browser's registration"),
      409: problem("The console's relying party is not set (`relying_party_not_configured`)"),
    },
  });
  registry.registerPath({
    method: "post",
    path: "/console/passkeys/{credentialId}/confirm",
    tags,
    summary: "Confirm a passkey registration with the browser's answer; from then on the operator signs in with it",
    security: [{ consoleSession: [] }],
    request: { params: C.PasskeyParams, body: body(C.PasskeyConfirmBody), ...csrf },
    responses: {
      ...common,
      ...signedIn,
      200: json(ConfirmResultSchema, "Registered, or refused (counted, `confirmed: false`)"),
      404: problem("No pending passkey registration of this operator (`credential_not_found`)"),
      409: problem("This authenticator is registered already (`credential_already_registered`), or no longer pending"),
      410: problem("The registration expired (`enrollment_expired`)"),
      423: problem("Too many failures (`user_locked`)"),
    },
  });
  registry.registerPath({
    method: "delete",
    path: "/console/passkeys/{credentialId}",
    tags,
    summary:
      "Remove a passkey of the signed-in operator (then they sign in with the authenticator app; needs a sign-in in the last 5 minutes)",
    security: [{ consoleSession: [] }],
    request: { params: C.PasskeyParams, ...csrf },
    responses: {
      ...common,
      ...signedIn,
      200: json(z.object({ factor: CredentialSchema }), "Removed"),
      404: problem("No active passkey of this operator (`credential_not_found`)"),
      409: problem("It is the only factor the operator can sign in with (`last_sign_in_factor`)"),
    },
  });
  registry.registerPath({
    method: "delete",
    path: "/console/session",
    tags,
    summary: "Sign out",
    security: [{ consoleSession: [] }],
    request: { headers: z.object({ "x-csrf-token": z.string() }) },
    responses: {
      ...common,
      204: { description: "Signed out (also when there was no session)" },
      403: problem("No CSRF token (`forbidden`)"),
    },
  });
}

type Add = (route: Omit<RouteConfig, "security" | "responses"> & { responses: RouteConfig["responses"] }) => void;

/** GET /v1/audit-chain: the tenant's audit hash chain, checked (what the console's audit screen shows). */
export function registerAuditChainPath(add: Add, { json }: Pick<Helpers, "json">): void {
  add({
    method: "get",
    path: "/v1/audit-chain",
    tags: ["audit"],
    summary: "Check the tenant's audit hash chain: its sealed events, first to last; the first that does not verify",
    responses: { 200: json(C.AuditChainReportSchema, "The verdict: ok, or the first event that does not verify and why") },
  });
}

/** The tenant's API keys, for the console's admin operators (an API key gets 403). */
export function registerApiKeyPaths(add: Add, { json, problem, body }: Helpers): void {
  const operatorsOnly = problem("Not a console admin operator (`forbidden`): API keys cannot manage keys");
  add({
    method: "get",
    path: "/v1/api-keys",
    tags: ["api keys"],
    summary: "List the tenant's API keys, revoked ones too (never the keys themselves)",
    responses: { 200: json(z.object({ keys: z.array(C.ApiKeySchema) }), "The keys, oldest first"), 403: operatorsOnly },
  });
  add({
    method: "post",
    path: "/v1/api-keys",
    tags: ["api keys"],
    summary: "Issue an API key for the tenant: the key is in this answer only",
    request: { body: body(C.IssueApiKeyBody) },
    responses: { 201: json(C.IssuedApiKeySchema, "Issued"), 403: operatorsOnly },
  });
  add({
    method: "post",
    path: "/v1/api-keys/{keyId}/revoke",
    tags: ["api keys"],
    summary: "Revoke an API key: every API process refuses it from the commit on",
    request: { params: C.ApiKeyParams },
    responses: {
      200: json(z.object({ keyId: z.string() }), "Revoked"),
      403: operatorsOnly,
      404: problem("No live key of that id in this tenant (`api_key_not_found`)"),
    },
  });
}

/** The console's tenants (by the session alone) and a tenant's user directory (any key or operator of the tenant). */
export function registerDirectoryPaths(registry: OpenAPIRegistry, add: Add, { json, problem, body }: Helpers): void {
  const common = {
    400: problem("Malformed request"),
    401: problem("No console session, or it ended or timed out (`unauthorized`)"),
    403: problem("No CSRF token (`forbidden`)"),
    429: problem("Rate limited"),
    503: problem("The database is not reachable right now"),
  };
  registry.registerPath({
    method: "get",
    path: "/console/tenants",
    tags: ["console"],
    summary:
      "The tenants the operator may work on, by id, a keyset page at a time: every tenant (never the console's) for an operator of every tenant, else the operator's own",
    security: [{ consoleSession: [] }],
    request: { query: C.TenantListQuery, headers: z.object({ "x-csrf-token": z.string() }) },
    responses: { ...common, 200: json(C.TenantPageSchema, "A page of tenants") },
  });
  registry.registerPath({
    method: "post",
    path: "/console/tenants",
    tags: ["console"],
    summary: "Create a tenant (an admin operator of every tenant only); its API keys are issued on the API keys screen",
    security: [{ consoleSession: [] }],
    request: { body: body(C.CreateTenantBody), headers: z.object({ "x-csrf-token": z.string() }) },
    responses: {
      ...common,
      201: json(C.TenantSchema, "Created"),
      403: problem("No CSRF token, or not an admin operator of every tenant (`forbidden`)"),
      409: problem("A tenant with this id exists (`tenant_exists`)"),
    },
  });
  add({
    method: "get",
    path: "/v1/users",
    tags: ["users"],
    summary: "The tenant's users (those the API has seen) by id prefix, a keyset page at a time, in byte order of the ids",
    request: { query: C.UserListQuery },
    responses: { 200: json(C.UserPageSchema, "A page of users") },
  });
  add({
    method: "get",
    path: "/v1/users/{userId}/factor-uses",
    tags: ["users"],
    summary: "When each of the user's factors last passed a step (from the audit trail's attempt.step_succeeded events)",
    request: { params: z.object({ userId: z.string() }) },
    responses: { 200: json(C.FactorUsesSchema, "Each factor's last use; factors never used are left out") },
  });
}
