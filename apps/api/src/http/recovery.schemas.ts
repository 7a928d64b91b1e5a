// Request and response schemas of the tenant's settings and of recovery (issues 11 and 14).
import { MAX_RECOVERY_DELAY_SECONDS } from "@mfa-chain/application";
import { UserIdParam } from "./schemas.js";
import { z } from "./zod.js";

const Iso = z.string().openapi({ format: "date-time" });
const RecoveryId = z.string().regex(/^rec_[A-Za-z0-9_-]{1,128}$/, "not a recovery id");

export const TenantSettingsBody = z
  .strictObject({
    notificationsEnabled: z
      .boolean()
      .optional()
      .openapi({ description: "Tell users of factor changes, backup codes used, lockouts and reported fraud" }),
    recoveryDelaySeconds: z.int().min(0).max(MAX_RECOVERY_DELAY_SECONDS).optional().openapi({
      description:
        "How long an admin recovery waits before it may be executed; 0 turns the delay off and allows an immediate reset. A higher value is in force at once; a lower one once the delay in force now has passed",
    }),
  })
  .openapi("TenantSettingsInput", { description: "Fields left out keep their value" });

export const TenantSettingsSchema = z
  .object({
    notificationsEnabled: z.boolean(),
    recoveryDelaySeconds: z.int().openapi({ description: "The delay in force now" }),
    pendingRecoveryDelay: z.object({ recoveryDelaySeconds: z.int(), effectiveAt: Iso }).nullable().openapi({
      description:
        "A lowered delay, in force from effectiveAt (once the delay in force when it was set has passed, by the database's clock); null when none",
    }),
    updatedAt: Iso.nullable(),
  })
  .openapi("TenantSettings");

/** A channel a notice went to, masked. */
export const NotifiedChannelSchema = z
  .object({ channel: z.string(), destination: z.string().openapi({ description: "Masked" }) })
  .openapi("NotifiedChannel");

/** How the admin verified the user's identity outside the service, and their reference for it (a ticket). */
export const RecoveryRequestBody = z
  .strictObject({
    verification: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,63}$/, "1-64 of A-Z a-z 0-9 space . _ : -")
      .openapi({ description: "How the identity was verified outside the service, e.g. `video_call`, `id_document`" }),
    reference: z
      .string()
      .regex(/^[\x21-\x7e][\x20-\x7e]{0,199}$/, "1-200 printable ASCII characters")
      .openapi({ description: "The admin's reference for the verification (a ticket number)" }),
  })
  .openapi("RecoveryRequest");

export const RecoverySchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    state: z.enum(["requested", "cancelled", "ready", "completed", "expired"]),
    requestedBy: z.string().openapi({ description: "The admin key that asked for it" }),
    verification: z.string(),
    reference: z.string(),
    requestedAt: Iso,
    dueAt: Iso.openapi({ description: "From when it may be executed (the database's clock)" }),
    expiresAt: Iso.openapi({ description: "After this, a recovery not executed expires" }),
    updatedAt: Iso,
  })
  .openapi("Recovery");

export const RequestedRecoverySchema = z
  .object({
    ...RecoverySchema.shape,
    notified: z.array(NotifiedChannelSchema).openapi({
      description: "The channels the user is told on (masked); empty when they have no email or SMS factor (audited as no channel)",
    }),
  })
  .openapi("RequestedRecovery");

export const ExecutedRecoverySchema = z
  .object({ recovery: RecoverySchema, revoked: z.array(z.string()).openapi({ description: "The credentials revoked" }) })
  .openapi("ExecutedRecovery");

export const CancelRecoveryBody = z
  .strictObject({ cancelToken: z.string().regex(/^mfarc_[A-Za-z0-9_-]{16,128}$/, "not a cancel token") })
  .openapi("CancelRecoveryRequest");

export const RecoveryParams = z.strictObject({ recoveryId: RecoveryId });
export const UserRecoveryParams = z.strictObject({ userId: UserIdParam });
