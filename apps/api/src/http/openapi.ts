// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests.
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import * as S from "./schemas.js";
import { registerEnforcementPaths } from "./enforcement.openapi.js";
import { registerRecoveryPaths } from "./recovery.openapi.js";
import { registerApiKeyPaths, registerAuditChainPath, registerConsolePaths, registerDirectoryPaths } from "./console.openapi.js";
import { registerPushPaths } from "./push.openapi.js";
import { ChainPreviewQuery, ChainPreviewSchema, PolicyVersionsSchema } from "./policy-history.schemas.js";

const json = (schema: z.ZodType, description: string) => ({ description, content: { "application/json": { schema } } });
const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: S.ProblemSchema } } });
const body = (schema: z.ZodType) => ({ content: { "application/json": { schema } } });

export function buildOpenApiDocument(options: { devCodes: boolean }) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "apiKey", { type: "http", scheme: "bearer", description: "A tenant API key" });
  // A tenant API key, or the admin console's session (registerConsolePaths).
  const security = [{ apiKey: [] }, { consoleSession: [] }];
  const common = {
    400: problem("Malformed request"),
    401: problem("Missing or invalid API key"),
    429: problem("Rate limited"),
    503: problem(
      "The database is not reachable right now (code `unavailable`): retry after `Retry-After` seconds, with the same Idempotency-Key where the route takes one",
    ),
  };
  // Routes that change state a client may need to retry take an optional Idempotency-Key.
  const idempotencyKey = z.object({
    "idempotency-key": z
      .string()
      .regex(/^[\x21-\x7e]{1,255}$/)
      .optional()
      .openapi({
        description:
          "Optional, 1–255 visible ASCII characters (a UUID). A retry with the same key and the same request gets the first answer again, with `Idempotent-Replayed: true`, and changes nothing; the same key with another request is refused (422 `idempotency_key_reused`). Keys belong to the tenant and are kept 24 hours.",
      }),
  });
  const keyReused = problem("Idempotency-Key used before for a different request (`idempotency_key_reused`)");
  const add = (route: Omit<RouteConfig, "security" | "responses"> & { responses: RouteConfig["responses"] }) =>
    registry.registerPath({ ...route, security, responses: { ...common, ...route.responses } });

  add({
    method: "post",
    path: "/v1/policies",
    tags: ["policies"],
    summary: "Create a policy",
    request: { body: body(S.CreatePolicyBody) },
    responses: { 201: json(S.PolicySchema, "Created, version 1"), 409: problem("Id taken") },
  });
  add({
    method: "get",
    path: "/v1/policies",
    tags: ["policies"],
    summary: "List policies (latest versions)",
    responses: { 200: json(z.object({ policies: z.array(S.PolicySchema) }), "Policies") },
  });
  add({
    method: "get",
    path: "/v1/policies/{policyId}",
    tags: ["policies"],
    summary: "Read a policy",
    request: { params: S.PolicyParams, query: S.PolicyVersionQuery },
    responses: { 200: json(S.PolicySchema, "The policy"), 404: problem("No such policy") },
  });
  add({
    method: "put",
    path: "/v1/policies/{policyId}",
    tags: ["policies"],
    summary: "Update a policy (makes a new version)",
    request: { params: S.PolicyParams, body: body(S.PolicyDefinitionSchema) },
    responses: { 200: json(S.PolicySchema, "The new version"), 404: problem("No such policy") },
  });
  add({
    method: "delete",
    path: "/v1/policies/{policyId}",
    tags: ["policies"],
    summary: "Delete a policy",
    request: { params: S.PolicyParams },
    responses: { 204: { description: "Deleted" }, 404: problem("No such policy") },
  });
  add({
    method: "get",
    path: "/v1/policies/{policyId}/versions",
    tags: ["policies"],
    summary: "Every version of a live policy, newest first (the console's version history and diff)",
    request: { params: S.PolicyParams },
    responses: { 200: json(PolicyVersionsSchema, "The versions"), 404: problem("No such policy") },
  });
  add({
    method: "get",
    path: "/v1/policies/{policyId}/chain-preview",
    tags: ["policies"],
    summary: "Preview how attempts draw their chain from a version: fixed or random order, N of M, with sample draws",
    description:
      "The samples are drawn by the same code and random source as starting an attempt, with every factor of the policy taken as confirmed; with `userId`, with the factors that user has enrolled and confirmed, found as starting an attempt finds them, and `user` says which those are, what starting would be refused for (factors to enroll, a lockout) as data, not as an error. Nothing is stored or audited.",
    request: { params: S.PolicyParams, query: ChainPreviewQuery },
    responses: {
      200: json(ChainPreviewSchema, "The preview"),
      400: problem("A query parameter out of range, not a user id, or `userId` with `version`"),
      404: problem("No such policy or version"),
    },
  });

  add({
    method: "post",
    path: "/v1/users/{userId}/factors",
    tags: ["factors"],
    summary: "Enroll a TOTP or HOTP factor for a policy slot",
    request: { params: S.UserParams, headers: idempotencyKey, body: body(S.EnrollFactorBody) },
    responses: {
      201: json(S.EnrollmentSchema, "Pending factor with its secret, shown once (and again to a retry with the same Idempotency-Key)"),
      403: problem("Re-authentication required"),
      404: problem("No such policy"),
      422: problem("No such factor in the policy, or an Idempotency-Key used before for a different request"),
    },
  });
  add({
    method: "get",
    path: "/v1/users/{userId}/factors",
    tags: ["factors"],
    summary: "List a user's factors",
    request: { params: S.UserParams },
    responses: { 200: json(z.object({ factors: z.array(S.CredentialSchema) }), "Factors") },
  });
  add({
    method: "post",
    path: "/v1/users/{userId}/factors/{credentialId}/confirm",
    tags: ["factors"],
    summary: "Confirm an enrollment with a code",
    request: { params: S.CredentialParams, headers: idempotencyKey, body: body(S.ConfirmFactorBody) },
    responses: {
      422: keyReused,
      200: json(S.ConfirmResultSchema, "Confirmed, or not (a wrong code is an outcome)"),
      404: problem("No such factor"),
      409: problem("Not pending"),
      410: problem("Enrollment expired"),
      423: problem("User locked"),
    },
  });
  add({
    method: "post",
    path: "/v1/users/{userId}/factors/{credentialId}/resync",
    tags: ["factors"],
    summary: "Resynchronise a HOTP token with two consecutive codes (within 1000 counters)",
    request: { params: S.CredentialParams, body: body(S.ResyncFactorBody) },
    responses: {
      200: json(
        z.object({
          resynced: z.boolean(),
          factor: S.CredentialSchema.optional(),
          failuresRemaining: z.int().optional(),
          lockedUntil: z.string().nullable().optional(),
        }),
        "Resynchronised, or not (wrong codes are an outcome)",
      ),
      400: problem("Not a HOTP factor"),
      404: problem("No such factor"),
      409: problem("The factor is pending or revoked"),
      423: problem("User locked"),
    },
  });
  add({
    method: "post",
    path: "/v1/users/{userId}/factors/{credentialId}/revoke",
    tags: ["factors"],
    summary: "Revoke a factor",
    request: { params: S.CredentialParams, body: body(S.RevokeFactorBody) },
    responses: {
      200: json(z.object({ factor: S.CredentialSchema }), "Revoked"),
      403: problem("Re-authentication required"),
      404: problem("No such factor"),
      409: problem("Already revoked"),
    },
  });

  add({
    method: "post",
    path: "/v1/attempts",
    tags: ["attempts"],
    summary: "Start an attempt (draws the chain)",
    request: { headers: idempotencyKey, body: body(S.StartAttemptBody) },
    responses: {
      422: keyReused,
      201: json(S.AttemptSchema, "Started"),
      404: problem("No such policy"),
      409: problem("Factors not enrolled"),
      423: problem("User locked"),
    },
  });
  add({
    method: "get",
    path: "/v1/attempts/{attemptId}",
    tags: ["attempts"],
    summary: "Read an attempt",
    request: { params: S.AttemptParams },
    responses: { 200: json(S.AttemptSchema, "The attempt"), 404: problem("Unknown"), 410: problem("Expired") },
  });
  add({
    method: "post",
    path: "/v1/attempts/{attemptId}/verify",
    tags: ["attempts"],
    summary: "Verify the current step",
    request: { params: S.AttemptParams, headers: idempotencyKey, body: body(S.VerifyBody) },
    responses: {
      422: keyReused,
      200: json(S.VerifyOutcomeSchema, "The outcome: success, or a failure that reset the chain"),
      404: problem("Unknown attempt"),
      409: problem("Completed, or chain_breached (the chain was reset)"),
      410: problem("Expired"),
      423: problem("User locked"),
    },
  });

  add({
    method: "post",
    path: "/v1/attempts/{attemptId}/challenge",
    tags: ["attempts"],
    summary: "Send a code for the current step (email, sms)",
    description:
      "When the attempt's current step is an out-of-band kind, sends a code for that step (a resend replaces the previous code; failures are not reset) and answers where it went, masked. Sends are limited per destination, user and tenant (429 `too_many_sends` with `Retry-After`); a provider that does not accept the message answers 503 `delivery_unavailable` and nothing is sent, stored or counted.",
    request: { params: S.AttemptParams, body: body(S.ChallengeBody) },
    responses: {
      200: json(S.ChallengeSchema, "The code was accepted by the provider"),
      404: problem("Unknown attempt"),
      409: problem("Completed, `challenge_not_supported` (the current step takes no challenge), or `factor_not_active`"),
      410: problem("Expired"),
      423: problem("User locked"),
      429: problem("Rate limited, or `too_many_sends`: retry after `Retry-After` seconds"),
      503: problem("`delivery_unavailable`: the provider did not accept the message (nothing changed), or the database is not reachable"),
    },
  });

  add({
    method: "get",
    path: "/v1/users/{userId}/lockout",
    tags: ["lockout"],
    summary: "Read a user's lockout",
    request: { params: S.UserParams },
    responses: { 200: json(S.LockoutSchema, "Lockout state") },
  });
  add({
    method: "post",
    path: "/v1/users/{userId}/unlock",
    tags: ["lockout"],
    summary: "Unlock a user (admin key)",
    request: { params: S.UserParams },
    responses: { 200: json(S.LockoutSchema, "Unlocked"), 403: problem("Not an admin key") },
  });
  add({
    method: "get",
    path: "/v1/audit-events",
    tags: ["audit"],
    summary: "List audit events, newest first",
    request: { query: S.AuditQuerySchema },
    responses: { 200: json(z.object({ events: z.array(S.AuditEventSchema), nextBefore: z.int().nullable() }), "A page of events") },
  });
  // The shared vault: each route takes the acting user's header (needed with a service key).
  const acting = S.VaultActingUserHeaders;
  const forbidden = problem("No grant for the acting user, or a service key without Mfa-Acting-User (`forbidden`); the refusal is audited");
  const entryNotFound = problem("No such vault entry in this tenant (`vault_entry_not_found`)");
  add({
    method: "post",
    path: "/v1/vault/entries",
    tags: ["vault"],
    summary: "Add a shared TOTP/HOTP seed (an otpauth:// URI, or base32 plus parameters); it is sealed and never shown again",
    request: { headers: acting, body: body(S.AddVaultEntryBody) },
    responses: {
      201: json(S.VaultEntrySchema, "Added (a user who adds an entry may manage it)"),
      403: forbidden,
      409: problem("An entry of this name exists (`vault_entry_exists`)"),
    },
  });
  add({
    method: "get",
    path: "/v1/vault/entries",
    tags: ["vault"],
    summary: "List the entries the caller may read (every entry for an admin key)",
    request: { headers: acting },
    responses: { 200: json(z.object({ entries: z.array(S.VaultEntrySchema) }), "The entries, by name"), 403: forbidden },
  });
  add({
    method: "get",
    path: "/v1/vault/entries/{entryId}",
    tags: ["vault"],
    summary: "Read an entry's parameters and grants (never its seed)",
    request: { params: S.VaultEntryParams, headers: acting },
    responses: { 200: json(S.VaultEntrySchema, "The entry"), 403: forbidden, 404: entryNotFound },
  });
  add({
    method: "delete",
    path: "/v1/vault/entries/{entryId}",
    tags: ["vault"],
    summary: "Delete an entry, its seed and its grants (manage)",
    request: { params: S.VaultEntryParams, headers: acting },
    responses: { 204: { description: "Deleted" }, 403: forbidden, 404: entryNotFound },
  });
  add({
    method: "get",
    path: "/v1/vault/entries/{entryId}/code",
    tags: ["vault"],
    summary: "Read the entry's current code (read_code); audited; an HOTP entry's counter moves one forward",
    request: { params: S.VaultEntryParams, headers: acting },
    responses: { 200: json(S.VaultCodeSchema, "The code"), 403: forbidden, 404: entryNotFound },
  });
  add({
    method: "post",
    path: "/v1/vault/entries/{entryId}/grants",
    tags: ["vault"],
    summary: "Grant a user or group read_code or manage (manage)",
    request: { params: S.VaultEntryParams, headers: acting, body: body(S.VaultGrantBody) },
    responses: { 200: json(S.VaultEntrySchema, "The entry with its grants"), 403: forbidden, 404: entryNotFound },
  });
  add({
    method: "post",
    path: "/v1/vault/entries/{entryId}/grants/revoke",
    tags: ["vault"],
    summary: "Remove a grant (manage)",
    request: { params: S.VaultEntryParams, headers: acting, body: body(S.VaultGrantBody) },
    responses: {
      200: json(S.VaultEntrySchema, "The entry with its grants"),
      403: forbidden,
      404: problem("No such entry (`vault_entry_not_found`) or grant (`vault_grant_not_found`)"),
    },
  });
  add({
    method: "get",
    path: "/v1/vault/groups",
    tags: ["vault"],
    summary: "List the vault's groups and their members (admin key, or a console operator: a viewer too)",
    request: { headers: acting },
    responses: { 200: json(z.object({ groups: z.array(S.VaultGroupSchema) }), "The groups"), 403: problem("A service key") },
  });
  add({
    method: "put",
    path: "/v1/vault/groups/{groupId}",
    tags: ["vault"],
    summary: "Set a group's members (admin key); an empty list removes the group",
    request: { params: S.VaultGroupParams, headers: acting, body: body(S.VaultGroupBody) },
    responses: { 200: json(S.VaultGroupSchema, "The group"), 403: problem("Not an admin key") },
  });
  // Enforcement, decisions and remembered devices (issue 14).
  registerEnforcementPaths(add, { json, problem, body });
  // Tenant settings and recovery (issues 11 and 14).
  registerRecoveryPaths(add, { json, problem, body });
  registerPushPaths(registry, add, { json, problem, body });
  // The admin console's sign-in and session (issue 15).
  registerConsolePaths(registry, { json, problem, body });
  registerAuditChainPath(add, { json });
  registerApiKeyPaths(add, { json, problem, body });
  registerDirectoryPaths(registry, add, { json, problem, body });
  if (options.devCodes) {
    add({
      method: "get",
      path: "/v1/dev/attempts/{attemptId}/current-code",
      tags: ["development"],
      summary: "DEVELOPMENT ONLY: the live code of the current step",
      request: { params: S.AttemptParams },
      responses: { 200: json(z.object({ factorId: z.string(), code: z.string() }), "The code") },
    });
  }

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: { title: "mfa-chain API", version: "0.1.0", description: "Policy-driven multi-factor authentication chains." },
    servers: [{ url: "/" }],
  });
}
