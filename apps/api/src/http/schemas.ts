// Request and response schemas: they validate requests at the edge and generate the OpenAPI document.
import {
  AUDIT_EVENT_TYPES,
  FACTOR_ID_PATTERN,
  FACTOR_TYPES,
  IMPLEMENTED_FACTOR_TYPES,
  POLICY_ID_PATTERN,
  USER_ID_PATTERN,
  VAULT_GROUP_ID_PATTERN,
  VAULT_MAX_GROUP_MEMBERS,
  VAULT_MAX_NAME,
  VAULT_MAX_NOTES,
  VAULT_MAX_TAG,
  VAULT_MAX_TAGS,
  VAULT_PERMISSIONS,
  VAULT_PRINCIPAL_KINDS,
} from "@mfa-chain/domain";
import { Algorithm, apiKinds, Digits, enrollFields } from "./kinds/index.js";
import { CodeDigits, CodeTtlSeconds } from "./kinds/out-of-band.js";
import { WebAuthnResponse, webauthnPolicyOptions } from "./kinds/webauthn.js";
import { z } from "./zod.js";

const OPAQUE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text a person reads (names, labels): no control characters, and well-formed Unicode that storage can hold. */
const Text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL.test(s), "control characters are not allowed")
    .refine((s) => !LONE_SURROGATE.test(s), "malformed Unicode (a lone surrogate) is not allowed");

/** A factor id of a policy: a lowercase slug. */
const FactorId = z.string().regex(FACTOR_ID_PATTERN, "factor ids are lowercase slugs (a–z, 0–9, _ and -; 1–64)");

export const UserIdParam = z
  .string()
  .regex(USER_ID_PATTERN, "user ids are 1–128 of A–Z a–z 0–9 . _ @ : + = -")
  .refine((id) => id !== "." && id !== "..", "a user id cannot be . or .. (a path segment of its own)")
  .openapi({
    example: "alice",
    description: "Your id for the user, case-sensitive: `ALICE` and `alice` are two users. 1–128 of A–Z a–z 0–9 . _ @ : + = -",
  });

/** A whole number in a query string: digits only (no sign, exponent, hex or blanks), within bounds. */
export const QueryInt = (min: number, max: number) =>
  z
    .string({ error: (i) => (Array.isArray(i.input) ? "given more than once" : "expected a whole number") })
    .regex(/^[0-9]{1,16}$/, "expected a whole number (digits only)")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** An instant in a query string: ISO 8601 with a time zone, between 1970 and 9999 (UTC). */
const QueryInstant = z.iso
  .datetime({ offset: true, error: "expected an ISO 8601 date-time with a time zone, e.g. 2026-01-31T12:00:00Z" })
  .refine((v) => {
    const t = Date.parse(v);
    return t >= 0 && t <= Date.UTC(9999, 11, 31, 23, 59, 59);
  }, "must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z");
export const PolicyIdParam = z
  .string()
  .regex(POLICY_ID_PATTERN, "policy ids are lowercase slugs (a–z, 0–9, _ and -; 1–64)")
  .openapi({ example: "login" });
export const OpaqueIdParam = z.string().regex(OPAQUE_ID, "not a valid id");

export const UserParams = z.strictObject({ userId: UserIdParam });
export const PolicyParams = z.strictObject({ policyId: PolicyIdParam });
export const CredentialParams = z.strictObject({ userId: UserIdParam, credentialId: OpaqueIdParam });
export const AttemptParams = z.strictObject({ attemptId: OpaqueIdParam });

export const PolicyFactorSchema = z
  .strictObject({
    id: FactorId.openapi({ example: "token_1" }),
    label: Text(100).openapi({ example: "Authenticator app" }),
    type: z
      .enum(FACTOR_TYPES)
      .openapi({ description: `Implemented today: ${IMPLEMENTED_FACTOR_TYPES.join(", ")}. Other types are refused.` }),
    options: z
      .strictObject({
        algorithm: Algorithm.optional().openapi({ description: "Default SHA1 (what authenticator apps support)." }),
        digits: Digits.optional(),
        period: z
          .union([z.literal(30), z.literal(60)], { error: "must be 30 or 60" })
          .optional()
          .openapi({ description: "TOTP only." }),
        codeDigits: CodeDigits.optional().openapi({ description: "email and sms: digits of a sent code, 6 (default) or 8." }),
        ...webauthnPolicyOptions,
        codeTtlSeconds: CodeTtlSeconds.optional().openapi({
          description: "email and sms: how long a sent code is valid, 60 to 600 seconds (default 300).",
        }),
        maxPending: z.int().min(1).max(10).optional().openapi({ description: "push: unanswered pushes per user at once (default 2)." }),
        maxPerHour: z.int().min(1).max(100).optional().openapi({ description: "push: pushes per user in any hour (default 10)." }),
        maxDenies: z.int().min(1).max(20).optional().openapi({
          description: "push: denies that stop pushes to the user until an administrator or a completed chain clears them (default 3).",
        }),
        suspendOnFraud: z
          .boolean()
          .optional()
          .openapi({ description: 'push: a deny marked "not me" revokes the push factor (default true).' }),
      })
      .optional()
      .openapi({
        description:
          "TOTP and HOTP: algorithm and digits; TOTP: period; email and sms: codeDigits and codeTtlSeconds. A backup_code factor takes none.",
      }),
  })
  .openapi("PolicyFactor");

export const PolicyDefinitionSchema = z
  .strictObject({
    name: Text(200),
    mode: z.enum(["fixed", "random"]),
    requiredSteps: z.int().min(1).max(16),
    factors: z.array(PolicyFactorSchema).min(1).max(16),
    verifyWindow: z
      .union([z.literal(0), z.literal(1)], { error: "must be 0 or 1 (steps either side of now)" })
      .optional()
      .openapi({ description: "TOTP steps accepted either side of now (server policy). Default 1." }),
    attemptTtlSeconds: z.int().min(30).max(3600).optional().openapi({ description: "Default 600." }),
    lockout: z
      .strictObject({
        maxFailures: z.int().min(1).max(100).optional(),
        baseSeconds: z.int().min(1).optional(),
        maxSeconds: z.int().min(1).optional(),
      })
      .optional(),
  })
  .openapi("PolicyDefinition");

// Spread, not `.extend`: extending a registered strict schema is documented as allOf of two closed objects, which no
// object can satisfy (test/openapi-conformance.e2e.test.ts).
export const CreatePolicyBody = z.strictObject({ id: PolicyIdParam, ...PolicyDefinitionSchema.shape }).openapi("CreatePolicy");
export const PolicyVersionQuery = z.strictObject({
  version: QueryInt(1, 1_000_000).optional().openapi({
    description:
      "A version of the policy (default: the latest). A deleted policy answers 404 without it, but each of its versions still answers with it; attempts it had running still complete on their version.",
  }),
});

export const EnrollFactorBody = z
  .strictObject({
    policyId: PolicyIdParam,
    factorId: FactorId.openapi({ example: "token_1" }),
    reauthAttemptId: OpaqueIdParam.optional().openapi({
      description:
        "A completed attempt of this user (last 5 minutes); needed once the user has an active factor, unless an admin key is used.",
    }),
    ...enrollFields(),
  })
  .openapi("EnrollFactor");

export const ChallengeBody = z.strictObject({}).openapi("ChallengeRequest");
/** A code sent (email, SMS): where it went, until when, and when a resend is allowed. */
export const SentChallengeSchema = z
  .object({
    factorId: z.string().openapi({ description: "The factor of the step the code is for." }),
    delivery: z.literal("send").openapi({ description: "A code was sent to the factor's destination." }),
    destination: z.string().openapi({ description: "Where the code went, masked (`a***@example.com`, `+44******789`)." }),
    expiresAt: z.string().openapi({ description: "Until when the code is valid (ISO 8601)." }),
    resendAfter: z.string().openapi({ description: "When another code may be sent (ISO 8601); a resend replaces this code." }),
  })
  .openapi("SentChallenge");
/** A challenge answered by its kind (WebAuthn: `publicKey`, the request options): the kind's fields, from the registry. */
export const AnsweredChallengeSchema = z
  .object({
    factorId: z.string().openapi({ description: "The factor of the step the challenge is for." }),
    delivery: z.literal("answer").openapi({ description: "Nothing was sent: the answer carries what the client needs." }),
    expiresAt: z.string().openapi({ description: "Until when the challenge is valid (ISO 8601; at most 5 minutes)." }),
    ...Object.fromEntries(
      apiKinds().flatMap((k) => Object.entries(k.challenge?.shape ?? {}).map(([n, f]) => [n, (f as z.ZodType).optional()])),
    ),
  })
  .openapi("AnsweredChallenge");
export const ChallengeSchema = z.union([SentChallengeSchema, AnsweredChallengeSchema]).openapi("Challenge");

export const ConfirmFactorBody = z
  .strictObject({
    code: z.string().max(64).optional().openapi({ description: "The code from the new authenticator (TOTP, HOTP, email, SMS)." }),
    response: WebAuthnResponse.optional().openapi({ description: "webauthn: the browser's registration (`credential.toJSON()`)." }),
  })
  .refine((b) => (b.code === undefined) !== (b.response === undefined), { message: "give either code or response (webauthn), not both" })
  .openapi("ConfirmFactor");
export const ResyncFactorBody = z
  .strictObject({
    codes: z
      .tuple([z.string().max(64), z.string().max(64)])
      .openapi({ description: "Two codes read one after the other from the HOTP token.", example: ["123456", "654321"] }),
  })
  .openapi("ResyncFactor");
export const RevokeFactorBody = z.strictObject({ reauthAttemptId: OpaqueIdParam.optional() }).openapi("RevokeFactor");

export const StartAttemptBody = z.strictObject({ userId: UserIdParam, policyId: PolicyIdParam }).openapi("StartAttempt");

export const VerifyBody = z
  .strictObject({
    factorId: FactorId.openapi({ description: "The id of the factor the attempt currently expects." }),
    code: z.string().max(64).optional().openapi({
      description:
        "The code: for TOTP and HOTP exactly the factor's number of ASCII digits; for a backup code one unused code of the set, in any case, with or without its hyphens or spaces.",
      example: "123456",
    }),
    response: WebAuthnResponse.optional().openapi({
      description: "webauthn: the browser's assertion (`credential.toJSON()`) for the step's challenge, instead of a code.",
    }),
  })
  .refine((b) => (b.code === undefined) !== (b.response === undefined), { message: "give either code or response (webauthn), not both" })
  .openapi("VerifyStep");

/** The relying party of a tenant's WebAuthn factors (PUT /v1/admin/webauthn). */
export const RelyingPartyBody = z
  .strictObject({
    id: z
      .string()
      .min(1)
      .max(253)
      .openapi({ description: "The RP id: a host name, e.g. `example.com` or `localhost`.", example: "example.com" }),
    name: z.string().min(1).max(100).openapi({ example: "Example" }),
    origins: z
      .array(z.string().max(300))
      .min(1)
      .max(20)
      .openapi({
        description: "Exact origins the browser reports: https (http only on localhost), host the RP id or a subdomain of it.",
        example: ["https://app.example.com"],
      }),
  })
  .openapi("RelyingPartyDefinition");
export const RelyingPartySchema = z
  .object({ id: z.string(), name: z.string(), origins: z.array(z.string()), updatedAt: z.string() })
  .openapi("RelyingParty");

const AuditType = z.enum(AUDIT_EVENT_TYPES, { error: `expected one of: ${AUDIT_EVENT_TYPES.join(", ")}` });

export const AuditQuerySchema = z
  .strictObject({
    userId: UserIdParam.optional(),
    type: z
      .union([AuditType, z.array(AuditType)], { error: `expected one of: ${AUDIT_EVENT_TYPES.join(", ")}` })
      .optional()
      .transform((t) => (t === undefined ? undefined : Array.isArray(t) ? t : [t])),
    from: QueryInstant.optional(),
    to: QueryInstant.optional(),
    before: QueryInt(1, Number.MAX_SAFE_INTEGER).optional(),
    limit: QueryInt(1, 200).optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) <= Date.parse(q.to), {
    message: "from must not be later than to",
    path: ["from"],
  });

// The shared vault.
/** The header a service key names the user it acts for with, on the vault's routes. */
export const ACTING_USER_HEADER = "mfa-acting-user";
export const VaultEntryParams = z.strictObject({ entryId: OpaqueIdParam });
export const VaultGroupParams = z.strictObject({
  groupId: z.string().regex(VAULT_GROUP_ID_PATTERN, "group ids are lowercase slugs (a–z, 0–9, _ and -; 1–64)").openapi({ example: "ops" }),
});
export const VaultActingUserHeaders = z.object({
  [ACTING_USER_HEADER]: UserIdParam.optional().openapi({
    description:
      "The user a service key acts for: the call is checked against that user's grants (directly or through their groups). Needed with a service key; an admin key may omit it.",
  }),
});

export const AddVaultEntryBody = z
  .strictObject({
    name: Text(VAULT_MAX_NAME).openapi({ example: "Payroll SaaS (shared)" }),
    tags: z.array(Text(VAULT_MAX_TAG)).max(VAULT_MAX_TAGS).optional(),
    notes: z.string().max(VAULT_MAX_NOTES).optional(),
    uri: z.string().max(4096).optional().openapi({
      description:
        "An otpauth://totp/… or otpauth://hotp/… URI: every parameter is kept (issuer, account, algorithm, digits, period, counter); an unknown parameter is refused by name. Give either uri or secret.",
    }),
    secret: z.string().max(200).optional().openapi({ description: "The seed in base32 (RFC 4648), with the parameters below." }),
    type: z.enum(["totp", "hotp"]).optional().openapi({ description: "With secret: default totp." }),
    issuer: z.string().max(VAULT_MAX_NAME).optional(),
    accountName: z.string().max(VAULT_MAX_NAME).optional(),
    algorithm: z.string().max(20).optional().openapi({ description: "With secret: SHA1 (default), SHA256 or SHA512." }),
    digits: z.int().optional().openapi({ description: "With secret: 6 (default) or 8." }),
    period: z.int().optional().openapi({ description: "With secret, TOTP: 30 (default) or 60." }),
    counter: z.int().min(0).optional().openapi({ description: "With secret, HOTP: the next counter (default 0)." }),
  })
  .refine((b) => (b.uri === undefined) !== (b.secret === undefined), { message: "give exactly one of uri and secret", path: ["uri"] })
  .refine((b) => b.uri === undefined || Object.keys(b).every((k) => ["name", "tags", "notes", "uri"].includes(k)), {
    message: "with uri, the parameters come from the URI: give only name, tags and notes besides it",
    path: ["uri"],
  })
  .openapi("AddVaultEntry");

const VaultPrincipalSchema = z
  .strictObject({
    kind: z.enum(VAULT_PRINCIPAL_KINDS),
    id: z.string().min(1).max(128).openapi({ description: "A user id of the tenant, or a group id." }),
  })
  .openapi("VaultPrincipal");
export const VaultGrantBody = z
  .strictObject({ principal: VaultPrincipalSchema, permission: z.enum(VAULT_PERMISSIONS) })
  .openapi("VaultGrant");
export const VaultGroupBody = z.strictObject({ members: z.array(UserIdParam).max(VAULT_MAX_GROUP_MEMBERS) }).openapi("VaultGroupMembers");

export const VaultEntrySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(["totp", "hotp"]),
    issuer: z.string(),
    accountName: z.string(),
    algorithm: z.string(),
    digits: z.int(),
    period: z.int().nullable(),
    counter: z.int().nullable().openapi({ description: "HOTP: the counter the next read uses." }),
    tags: z.array(z.string()),
    notes: z.string(),
    createdAt: z.string(),
    grants: z.array(
      z.object({ principal: z.object({ kind: z.enum(VAULT_PRINCIPAL_KINDS), id: z.string() }), permission: z.enum(VAULT_PERMISSIONS) }),
    ),
  })
  .openapi("VaultEntry");
export const VaultCodeSchema = z
  .object({
    entryId: z.string(),
    type: z.enum(["totp", "hotp"]),
    code: z.string(),
    period: z.int().nullable(),
    remainingSeconds: z.int().nullable().openapi({ description: "TOTP: whole seconds the code stays valid (rounded up)." }),
    validUntil: z.string().nullable(),
    counter: z.int().nullable().openapi({ description: "HOTP: the counter this code was made from." }),
    next: z
      .object({ code: z.string(), validUntil: z.string() })
      .nullable()
      .openapi({ description: "TOTP, when the current code has under 5 seconds left: the next code." }),
  })
  .openapi("VaultCode");
export const VaultGroupSchema = z.object({ id: z.string(), members: z.array(z.string()) }).openapi("VaultGroup");

// Responses (documentation of what the routes send).
export const FactorViewSchema = z.object({ id: z.string(), label: z.string(), type: z.enum(FACTOR_TYPES) }).openapi("FactorView");

export const VerifyOutcomeSchema = z
  .object({
    success: z.boolean(),
    complete: z.boolean(),
    reset: z.boolean(),
    nextFactor: FactorViewSchema.nullable(),
    failuresRemaining: z.int(),
    lockedUntil: z.string().nullable(),
    expiresAt: z.string(),
  })
  .openapi("VerifyOutcome");

export const AttemptSchema = z
  .object({
    attemptId: z.string(),
    userId: z.string(),
    policyId: z.string(),
    policyVersion: z.int(),
    status: z.enum(["active", "completed"]),
    complete: z.boolean(),
    steps: z.int(),
    stepsPassed: z.int(),
    currentFactor: FactorViewSchema.nullable(),
    createdAt: z.string(),
    expiresAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi("Attempt");

const kindViews = apiKinds().map((k) => k.view.partial().shape);
export const CredentialSchema = z
  .object({
    id: z.string(),
    factorId: z.string(),
    label: z.string(),
    type: z.enum(IMPLEMENTED_FACTOR_TYPES),
    status: z.enum(["pending", "active", "revoked"]),
    params: z.union(apiKinds().map((k) => k.params)),
    createdAt: z.string(),
    confirmedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    ...Object.assign({}, ...kindViews),
  })
  .openapi("Factor");

export const EnrollmentSchema = z
  .union(
    apiKinds().map((k) =>
      z.object({
        factor: CredentialSchema,
        ...k.shown.shape,
        confirmBefore: z
          .string()
          .nullable()
          .openapi({ description: "Until when a pending factor can be confirmed; null for a kind active at once (backup codes)." }),
      }),
    ),
  )
  .openapi("Enrollment");

export const ConfirmResultSchema = z
  .object({
    confirmed: z.boolean(),
    factor: CredentialSchema.optional(),
    failuresRemaining: z.int().optional(),
    lockedUntil: z.string().nullable().optional(),
  })
  .openapi("ConfirmResult");

export const PolicySchema = z
  .object({ id: z.string(), version: z.int(), ...PolicyDefinitionSchema.shape, createdAt: z.string() })
  .openapi("Policy");

export const LockoutSchema = z
  .object({ userId: z.string(), locked: z.boolean(), lockedUntil: z.string().nullable(), consecutiveFailures: z.int(), lockCount: z.int() })
  .openapi("Lockout");

export const AuditEventSchema = z
  .object({
    seq: z.int(),
    type: z.enum(AUDIT_EVENT_TYPES),
    at: z.string(),
    actor: z.object({ kind: z.string(), id: z.string().optional() }),
    userId: z.string().nullable(),
    attemptId: z.string().nullable(),
    factorId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi("AuditEvent");

export const ProblemSchema = z
  .object({ type: z.string(), title: z.string(), status: z.int(), detail: z.string(), code: z.string() })
  .catchall(z.unknown())
  .openapi("Problem");
