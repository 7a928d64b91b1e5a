// The OpenAPI paths of enforcement, decisions and remembered devices (issue 14), registered by openapi.ts.
import type { ResponseConfig, RouteConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import * as E from "./enforcement.schemas.js";
import * as S from "./schemas.js";

type Add = (route: Omit<RouteConfig, "security" | "responses"> & { responses: RouteConfig["responses"] }) => void;
type Helpers = {
  json: (schema: z.ZodType, description: string) => ResponseConfig;
  problem: (description: string) => ResponseConfig;
  body: (schema: z.ZodType) => { content: { "application/json": { schema: z.ZodType } } };
};

export function registerEnforcementPaths(add: Add, { json, problem, body }: Helpers): void {
  const adminOnly = problem("Not an admin key (`forbidden`)");
  add({
    method: "put",
    path: "/v1/enforcement",
    tags: ["enforcement"],
    summary: "Set the tenant's enforcement rules (admin key): a new version; audited",
    request: { body: body(E.EnforcementRulesBody) },
    responses: {
      200: json(E.EnforcementRulesSchema, "The new version"),
      403: adminOnly,
      404: problem("The rules name a policy that does not exist (`policy_not_found`)"),
    },
  });
  add({
    method: "get",
    path: "/v1/enforcement",
    tags: ["enforcement"],
    summary: "Read the tenant's latest enforcement rules",
    responses: { 200: json(E.EnforcementRulesSchema, "The rules"), 404: problem("No rules set (`enforcement_rules_not_found`)") },
  });
  add({
    method: "put",
    path: "/v1/users/{userId}/enforcement",
    tags: ["enforcement"],
    summary: "Set a user's groups and (admin key only) service-account flag; audited",
    request: { params: S.UserParams, body: body(E.UserEnforcementBody) },
    responses: { 200: json(E.UserEnforcementSchema, "The user's groups and flag"), 403: adminOnly },
  });
  add({
    method: "get",
    path: "/v1/users/{userId}/enforcement",
    tags: ["enforcement"],
    summary: "Read a user's groups and service-account flag",
    request: { params: S.UserParams },
    responses: { 200: json(E.UserEnforcementSchema, "The user's groups and flag") },
  });
  add({
    method: "post",
    path: "/v1/decisions",
    tags: ["enforcement"],
    summary: "Decide what a sign-in needs: nothing, enrollment, or a chain (with which policy and why)",
    description:
      "Risk-based: a device without a valid remembered-device token needs the chain; a sensitive action or a country/network not seen for the user in 90 days needs the step-up policy. An unknown or private address never prompts and never refuses. A valid device token is rotated: use `device.token` from now on. Audited.",
    request: { body: body(E.DecisionBody) },
    responses: { 200: json(E.DecisionSchema, "The decision") },
  });
  add({
    method: "post",
    path: "/v1/devices",
    tags: ["devices"],
    summary: "Remember the device after a completed attempt: a device token (shown once)",
    request: { body: body(E.RememberDeviceBody) },
    responses: {
      201: json(E.IssuedDeviceSchema, "The device and its token"),
      404: problem("No such attempt"),
      409: problem("The attempt has not completed (`attempt_not_completed`) or gave its token already (`device_already_issued`)"),
      410: problem("The attempt completed more than 5 minutes ago (`attempt_expired`)"),
    },
  });
  add({
    method: "get",
    path: "/v1/users/{userId}/devices",
    tags: ["devices"],
    summary: "List a user's remembered devices, newest first",
    request: { params: S.UserParams },
    responses: { 200: json(z.object({ devices: z.array(E.DeviceSchema) }), "The devices") },
  });
  add({
    method: "delete",
    path: "/v1/users/{userId}/devices",
    tags: ["devices"],
    summary: "Revoke every remembered device of a user; audited",
    request: { params: S.UserParams },
    responses: { 200: json(z.object({ revoked: z.array(z.string()) }), "The ids revoked") },
  });
  add({
    method: "delete",
    path: "/v1/users/{userId}/devices/{deviceId}",
    tags: ["devices"],
    summary: "Revoke one remembered device; audited",
    request: { params: E.DeviceParams },
    responses: { 204: { description: "Revoked" }, 404: problem("No such live device (`device_not_found`)") },
  });
}
