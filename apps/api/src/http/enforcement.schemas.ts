// Request and response schemas of enforcement, decisions and remembered devices (issue 14).
import { DEFAULT_GRACE_PERIOD_DAYS, DEFAULT_REMEMBER_DEVICE_DAYS, MAX_ENFORCEMENT_DAYS, POLICY_ID_PATTERN } from "@mfa-chain/domain";
import { UserIdParam } from "./schemas.js";
import { z } from "./zod.js";

const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, "names are 1-64 of A-Z a-z 0-9 . _ : -");
const PolicyId = z.string().regex(POLICY_ID_PATTERN, "not a policy id");
const Iso = z.string().openapi({ format: "date-time" });

export const EnforcementRulesBody = z
  .strictObject({
    requirements: z
      .array(
        z.strictObject({
          appliesTo: z.discriminatedUnion("kind", [
            z.strictObject({ kind: z.literal("all") }),
            z.strictObject({ kind: z.literal("groups"), groups: z.array(Name).min(1).max(50) }),
          ]),
          policyId: PolicyId,
        }),
      )
      .max(50),
    stepUp: z
      .strictObject({ policyId: PolicyId, actions: z.array(Name).max(50).default([]), onNewLocation: z.boolean().default(true) })
      .nullable()
      .default(null),
    gracePeriodDays: z.int().min(0).max(MAX_ENFORCEMENT_DAYS).default(DEFAULT_GRACE_PERIOD_DAYS),
    rememberDeviceDays: z.int().min(1).max(MAX_ENFORCEMENT_DAYS).default(DEFAULT_REMEMBER_DEVICE_DAYS),
  })
  .openapi("EnforcementRulesInput", {
    description:
      "Who must use MFA (the first requirement whose audience holds the user applies), the step-up policy for sensitive actions and new locations, the grace period to enroll and how long a device is remembered",
  });

export const EnforcementRulesSchema = z
  .object({
    version: z.int(),
    requirements: EnforcementRulesBody.shape.requirements,
    stepUp: z.object({ policyId: z.string(), actions: z.array(z.string()), onNewLocation: z.boolean() }).nullable(),
    gracePeriodDays: z.int(),
    rememberDeviceDays: z.int(),
    createdAt: Iso,
  })
  .openapi("EnforcementRules");

export const UserEnforcementBody = z
  .strictObject({
    groups: z.array(Name).max(100).optional(),
    serviceAccount: z.boolean().optional().openapi({ description: "Only an admin key may set it" }),
  })
  .openapi("UserEnforcementInput");

export const UserEnforcementSchema = z
  .object({ userId: z.string(), groups: z.array(z.string()), serviceAccount: z.boolean() })
  .openapi("UserEnforcement");

export const DecisionBody = z
  .strictObject({
    userId: UserIdParam,
    context: z.strictObject({
      ip: z.union([z.ipv4(), z.ipv6()]),
      userAgent: z.string().max(1024),
      deviceToken: z.string().min(1).max(256).optional(),
      action: Name.optional(),
    }),
  })
  .openapi("DecisionRequest");

export const DecisionSchema = z
  .object({
    require: z.enum(["none", "enroll", "chain"]),
    policyId: z.string().nullable(),
    reasons: z.array(z.string()),
    graceEndsAt: Iso.nullable(),
    rulesVersion: z.int().nullable(),
    device: z
      .object({ id: z.string(), token: z.string(), expiresAt: Iso })
      .nullable()
      .openapi({ description: "The remembered device's NEW token (the one sent is refused from now on); null when none was valid" }),
  })
  .openapi("Decision");

export const RememberDeviceBody = z
  .strictObject({
    attemptId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
    label: z.string().max(200).optional(),
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  })
  .openapi("RememberDeviceRequest");

export const DeviceSchema = z
  .object({ id: z.string(), label: z.string(), createdAt: Iso, lastUsedAt: Iso.nullable(), expiresAt: Iso, revokedAt: Iso.nullable() })
  .openapi("RememberedDevice");

export const IssuedDeviceSchema = z.object({ device: DeviceSchema, deviceToken: z.string() }).openapi("IssuedDevice");

export const DeviceParams = z.strictObject({ userId: UserIdParam, deviceId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/) });
