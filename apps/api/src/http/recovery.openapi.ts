// The OpenAPI paths of the tenant's settings and of recovery (issues 11 and 14), registered by openapi.ts.
import type { ResponseConfig, RouteConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import * as R from "./recovery.schemas.js";

type Add = (route: Omit<RouteConfig, "security" | "responses"> & { responses: RouteConfig["responses"] }) => void;
type Helpers = {
  json: (schema: z.ZodType, description: string) => ResponseConfig;
  problem: (description: string) => ResponseConfig;
  body: (schema: z.ZodType) => { content: { "application/json": { schema: z.ZodType } } };
};

export function registerRecoveryPaths(add: Add, { json, problem, body }: Helpers): void {
  const adminOnly = problem("Not an admin key (`forbidden`)");
  add({
    method: "get",
    path: "/v1/settings",
    tags: ["recovery"],
    summary: "Read the tenant's settings: notifications on or off, the recovery delay",
    responses: { 200: json(R.TenantSettingsSchema, "The settings (the defaults until saved)") },
  });
  add({
    method: "put",
    path: "/v1/settings",
    tags: ["recovery"],
    summary: "Change the tenant's settings (admin key); audited",
    request: { body: body(R.TenantSettingsBody) },
    responses: { 200: json(R.TenantSettingsSchema, "The settings"), 403: adminOnly },
  });
  add({
    method: "post",
    path: "/v1/users/{userId}/recoveries",
    tags: ["recovery"],
    summary: "Request an admin recovery of a user (admin key), after verifying their identity outside the service",
    description:
      "Takes effect after the tenant's delay (24 h by default, by the database's clock). The user is told at once on every email and SMS factor they have, with a cancel token. Audited with the key, the verification and the reference.",
    request: { params: R.UserRecoveryParams, body: body(R.RecoveryRequestBody) },
    responses: {
      201: json(R.RequestedRecoverySchema, "The recovery, requested, with the channels the user is told on"),
      403: adminOnly,
      409: problem("The user has an open recovery already (`recovery_pending`)"),
    },
  });
  add({
    method: "get",
    path: "/v1/users/{userId}/recoveries",
    tags: ["recovery"],
    summary: "List a user's recoveries, newest first (admin key)",
    request: { params: R.UserRecoveryParams },
    responses: { 200: json(z.object({ recoveries: z.array(R.RecoverySchema) }), "The recoveries"), 403: adminOnly },
  });
  add({
    method: "get",
    path: "/v1/recoveries/{recoveryId}",
    tags: ["recovery"],
    summary: "Read a recovery (admin key); one past its due time is moved to ready (or expired) and that is audited",
    request: { params: R.RecoveryParams },
    responses: { 200: json(R.RecoverySchema, "The recovery"), 403: adminOnly, 404: problem("No such recovery (`recovery_not_found`)") },
  });
  add({
    method: "post",
    path: "/v1/recoveries/{recoveryId}/execute",
    tags: ["recovery"],
    summary: "Execute a due recovery (admin key): revokes every factor, remembered device and backup code of the user, in one transaction",
    request: { params: R.RecoveryParams },
    responses: {
      200: json(R.ExecutedRecoverySchema, "Completed: the user enrolls anew"),
      403: adminOnly,
      404: problem("No such recovery (`recovery_not_found`)"),
      409: problem("Before its delay (`recovery_not_due`), or cancelled, completed or expired (`recovery_closed`)"),
    },
  });
  add({
    method: "post",
    path: "/v1/recoveries/cancel",
    tags: ["recovery"],
    summary: "Cancel a recovery with the token the user was sent (any key of the tenant)",
    request: { body: body(R.CancelRecoveryBody) },
    responses: {
      200: json(R.RecoverySchema, "The recovery, cancelled"),
      404: problem("No recovery has this token (`recovery_not_found`)"),
      409: problem("Completed or expired already (`recovery_closed`)"),
    },
  });
  add({
    method: "post",
    path: "/v1/users/{userId}/reset-factors",
    tags: ["recovery"],
    summary: "Revoke every factor, remembered device and backup code of a user at once (admin key), where the tenant's recovery delay is 0",
    description:
      "Only once a delay lowered to 0 is in force (after the old delay passed). The user is told (factors_reset) on the email and SMS factors they had before. Audited.",
    request: { params: R.UserRecoveryParams, body: body(R.RecoveryRequestBody) },
    responses: {
      200: json(
        z.object({ revoked: z.array(z.string()), notified: z.array(R.NotifiedChannelSchema) }),
        "The credentials revoked, and the channels (masked) the user is told on",
      ),
      403: adminOnly,
      409: problem("The tenant's recovery delay is on, or lowered to 0 but not yet in force (`recovery_delay_required`)"),
    },
  });
}
