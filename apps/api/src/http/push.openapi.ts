// The OpenAPI paths of push approval (issue 13, docs/push-protocol.md §5), registered by openapi.ts: the device routes,
// authenticated by the device's signature (no API key), and the administrator's clear of a user's denies.
import type { OpenAPIRegistry, ResponseConfig, RouteConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { PushAnswerBody, PushAnswerParams, PushDeviceParams, PushEnrollmentBody } from "../routes/push.routes.js";
import { UserParams } from "./schemas.js";

type Add = (route: Omit<RouteConfig, "security" | "responses"> & { responses: RouteConfig["responses"] }) => void;
type Helpers = {
  json: (schema: z.ZodType, description: string) => ResponseConfig;
  problem: (description: string) => ResponseConfig;
  body: (schema: z.ZodType) => { content: { "application/json": { schema: z.ZodType } } };
};

const PollHeaders = z.object({
  "mfa-push-timestamp": z.string().openapi({ description: "The device's clock, epoch milliseconds; within ±60 s of the server's." }),
  "mfa-push-nonce": z.string().openapi({ description: "≥128 random bits, base64url, fresh per poll (a replay is refused)." }),
  "mfa-push-signature": z.string().openapi({ description: "base64url signature over the poll's canonical string (§3.2)." }),
});

const DeviceChallenge = z.object({
  challengeId: z.string(),
  attemptId: z.string(),
  userId: z.string(),
  choices: z.array(z.int().min(10).max(99)).openapi({ description: "Three numbers, one of them the number the relying party shows." }),
  expiresAt: z.int().openapi({ description: "Epoch milliseconds." }),
  context: z.string().optional(),
});

export function registerPushPaths(registry: OpenAPIRegistry, add: Add, { json, problem, body }: Helpers): void {
  const device = (route: Omit<RouteConfig, "security">) =>
    registry.registerPath({
      ...route,
      security: [],
      tags: ["push devices"],
      responses: {
        400: problem("Malformed request"),
        401: problem(
          "`push_unauthorized`: the signature, token, timestamp or nonce does not hold, or no such active device or challenge of it (all refused alike)",
        ),
        429: problem("Rate limited"),
        503: problem("The database is not reachable right now (`unavailable`)"),
        ...route.responses,
      },
    });
  device({
    method: "post",
    path: "/v1/push/tenants/{tenantId}/devices/{deviceId}/enrollment",
    summary: "A device proves its key with the enrollment link's one-time token (§3.1); the push factor becomes active",
    request: { params: PushDeviceParams, body: body(PushEnrollmentBody) },
    responses: { 201: json(z.object({ deviceId: z.string(), status: z.literal("active") }), "Enrolled") },
  });
  device({
    method: "get",
    path: "/v1/push/tenants/{tenantId}/devices/{deviceId}/challenges",
    summary: "A device's pending challenges, for a signed poll (§3.2)",
    request: { params: PushDeviceParams, headers: PollHeaders },
    responses: { 200: json(z.object({ challenges: z.array(DeviceChallenge) }), "Pending, unexpired challenges, oldest first") },
  });
  device({
    method: "post",
    path: "/v1/push/tenants/{tenantId}/devices/{deviceId}/challenges/{challengeId}/answer",
    summary: "A device's signed answer to one challenge (§3.3), recorded once",
    request: { params: PushAnswerParams, body: body(PushAnswerBody) },
    responses: {
      200: json(z.object({ outcome: z.enum(["approved", "denied", "reported_fraud"]) }), "Recorded"),
      409: problem("`push_already_answered`"),
      410: problem("`push_challenge_expired`: nothing recorded"),
      422: problem("`push_wrong_number`: recorded, a failure of the step at verify"),
    },
  });
  add({
    method: "delete",
    path: "/v1/users/{userId}/push-denies",
    tags: ["push devices"],
    summary: "Clear a user's push denies (admin key): pushes stopped after repeated denies may go out again (S16)",
    request: { params: UserParams },
    responses: { 204: { description: "Cleared" }, 403: problem("Not an admin key (`forbidden`)") },
  });
}
