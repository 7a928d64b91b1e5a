// The admin console's sign-in and session (issue 15): request and response schemas.
import { z } from "./zod.js";
import { WebAuthnResponse } from "./kinds/webauthn.js";
import { CredentialSchema, OpaqueIdParam } from "./schemas.js";

export const SignInBody = z
  .strictObject({
    username: z.string().min(1).max(100).openapi({ example: "admin" }),
    password: z.string().min(1).max(1024),
  })
  .openapi("ConsoleSignInBody");

export const SignInCodeBody = z
  .strictObject({
    code: z.string().min(1).max(64).optional().openapi({ example: "123456", description: "The authenticator app's code" }),
    response: WebAuthnResponse.optional().openapi({
      description: "A passkey step: the browser's assertion (`credential.toJSON()`) for POST /console/session/challenge's options",
    }),
  })
  .refine((b) => (b.code === undefined) !== (b.response === undefined), { message: "give either code or response (a passkey), not both" })
  .openapi("ConsoleSignInCodeBody");

/** The request options of a passkey step, for navigator.credentials.get. */
export const SignInChallengeSchema = z
  .object({
    factorId: z.string(),
    expiresAt: z.string().openapi({ description: "Until when the challenge is valid (at most 5 minutes)" }),
    publicKey: z.record(z.string(), z.unknown()).openapi({ description: "PublicKeyCredentialRequestOptionsJSON" }),
  })
  .openapi("ConsoleSignInChallenge");

/** A signed-in operator's own passkeys (/console/passkeys). */
export const PasskeyParams = z.strictObject({ credentialId: OpaqueIdParam });
export const PasskeyListSchema = z.object({ passkeys: z.array(CredentialSchema) }).openapi("ConsolePasskeys");
export const PasskeyRegistrationSchema = z
  .object({
    factor: CredentialSchema,
    publicKey: z.record(z.string(), z.unknown()).openapi({ description: "PublicKeyCredentialCreationOptionsJSON" }),
    confirmBefore: z.string().nullable(),
  })
  .openapi("ConsolePasskeyRegistration");
export const PasskeyConfirmBody = z
  .strictObject({ response: WebAuthnResponse.openapi({ description: "The browser's registration (`credential.toJSON()`)" }) })
  .openapi("ConsolePasskeyConfirm");

export const OperatorSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    role: z.enum(["viewer", "admin"]),
    scope: z.string().nullable().openapi({ description: "The one tenant the operator works on; null for every tenant" }),
  })
  .openapi("ConsoleOperator");

export const ConsoleSessionSchema = z
  .object({
    operator: OperatorSchema,
    csrfToken: z.string().openapi({ description: "Send it in the X-CSRF-Token header of every /v1 request made with the session" }),
  })
  .openapi("ConsoleSession");

export const SignInStepSchema = z
  .object({
    stage: z.enum(["code", "passkey"]).openapi({
      description:
        "What the next step takes: `code`, the authenticator app's code; `passkey`, the passkey's assertion (POST /console/session/challenge first)",
    }),
    nextFactor: z.object({ id: z.string(), label: z.string(), type: z.string() }).nullable(),
    expiresAt: z.string(),
  })
  .openapi("ConsoleSignInStep");

export const SignInCodeOutcomeSchema = z
  .object({
    signedIn: z.boolean(),
    failuresRemaining: z.int(),
    lockedUntil: z.string().nullable(),
    session: z.union([ConsoleSessionSchema, z.null()]).openapi({ description: "The session, once signed in; null until then" }),
  })
  .openapi("ConsoleSignInCodeOutcome");

export const AuditChainReportSchema = z
  .union([
    z.object({
      ok: z.literal(true),
      checked: z.int().openapi({ description: "Sealed events checked" }),
      unsealed: z.int().openapi({ description: "Events not sealed yet (not covered by this check)" }),
      head: z.string().openapi({ description: "The last sealed hash" }),
    }),
    z.object({
      ok: z.literal(false),
      firstBadSeq: z.int().openapi({ description: "The first event that does not verify" }),
      reason: z.enum(["hash_mismatch", "broken_link", "missing_event", "corrupt_row"]),
      message: z.string(),
    }),
  ])
  .openapi("AuditChainReport");

export const ApiKeyParams = z.strictObject({ keyId: z.string().regex(/^key_[A-Za-z0-9_-]{1,64}$/, "an API key id (key_…)") });

export const IssueApiKeyBody = z
  .strictObject({
    name: z.string().min(1).max(200).openapi({ example: "billing service" }),
    role: z.enum(["admin", "service"]),
  })
  .openapi("IssueApiKey");

export const ApiKeySchema = z
  .object({
    keyId: z.string(),
    name: z.string(),
    role: z.enum(["admin", "service"]),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

export const IssuedApiKeySchema = z
  .object({
    keyId: z.string(),
    name: z.string(),
    role: z.enum(["admin", "service"]),
    apiKey: z.string().openapi({ description: "The key itself: in this answer only, never stored or shown again" }),
  })
  .openapi("IssuedApiKey");

/** A page size or the like in a query string: digits only, within bounds. */
const QueryInt = (min: number, max: number) =>
  z
    .string({ error: (i) => (Array.isArray(i.input) ? "given more than once" : "expected a whole number") })
    .regex(/^[0-9]{1,4}$/, "expected a whole number (digits only)")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const TenantIdText = z.string().regex(TENANT_ID_PATTERN, 'tenant ids are 1–64 of a–z 0–9 "_" "-", starting with a letter or digit');

export const TenantListQuery = z.strictObject({
  prefix: z
    .string({ error: "expected one prefix" })
    .max(64)
    .regex(/^[a-z0-9_-]*$/, 'a tenant id prefix: a–z 0–9 "_" "-"')
    .optional(),
  after: TenantIdText.optional().openapi({ description: "The `next` of the previous page" }),
  limit: QueryInt(1, 100).optional().openapi({ description: "1–100; 50 by default" }),
});

export const CreateTenantBody = z
  .strictObject({
    id: TenantIdText.openapi({ example: "acme" }),
    name: z.string().min(1).max(200).openapi({ example: "Acme Corp." }),
  })
  .openapi("CreateTenant");

export const TenantSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.string() }).openapi("Tenant");

export const TenantPageSchema = z
  .object({
    tenants: z.array(TenantSchema),
    next: z.string().nullable().openapi({ description: "Pass as `after` for the next page; null on the last" }),
  })
  .openapi("TenantPage");

const USER_ID_TEXT = /^[A-Za-z0-9._@:+=-]{1,128}$/;

export const UserListQuery = z.strictObject({
  prefix: z
    .string({ error: "expected one prefix" })
    .max(128)
    .regex(/^[A-Za-z0-9._@:+=-]*$/, "a user id prefix: A–Z a–z 0–9 . _ @ : + = -")
    .optional()
    .openapi({ description: "Users whose id starts with this (case-sensitive); all by default" }),
  after: z.string().regex(USER_ID_TEXT, "a user id").optional().openapi({ description: "The `next` of the previous page" }),
  limit: QueryInt(1, 100).optional().openapi({ description: "1–100; 50 by default" }),
});

export const UserPageSchema = z
  .object({
    users: z.array(z.object({ userId: z.string(), createdAt: z.string().openapi({ description: "When the API first saw the user" }) })),
    next: z.string().nullable().openapi({ description: "Pass as `after` for the next page; null on the last" }),
  })
  .openapi("UserPage");

export const FactorUsesSchema = z
  .object({
    uses: z.array(
      z.object({
        factorId: z.string().openapi({ description: "The policy's factor id (slot) of the user's credential" }),
        lastUsedAt: z.string().openapi({ description: "The newest step this factor passed (attempt.step_succeeded)" }),
      }),
    ),
  })
  .openapi("FactorUses");
