// Push approval (issue 13, docs/push-protocol.md §5). The device routes, under /v1/push, are authenticated by the
// device's signature, not by an API key: the enrollment proof signs the one-time token, a poll signs a timestamp and a
// nonce (headers), an answer signs the canonical answer string. The administrator's route clears a user's denies.
// Translation only: the use cases decide.
import type { Services } from "@mfa-chain/application";
import { Router } from "express";
import { actorOf } from "../http/auth.js";
import { sendAppError } from "../http/problem.js";
import { UserParams } from "../http/schemas.js";
import { noBody, noQuery, parseOr400 } from "../http/validate.js";
import { z } from "../http/zod.js";

const Id = z.string().regex(/^[A-Za-z0-9._@:+=-]{1,128}$/, "an id is 1–128 characters of A–Z a–z 0–9 . _ @ : + = -");
export const PushDeviceParams = z.strictObject({ tenantId: Id, deviceId: Id });
export const PushAnswerParams = z.strictObject({ tenantId: Id, deviceId: Id, challengeId: Id });
// Shapes only: the use cases check every field against the protocol's types (and answer without echoing them).
export const PushEnrollmentBody = z.strictObject({
  userId: z.string().max(200),
  enrollmentToken: z.string().max(200),
  algorithm: z.string().max(20),
  publicKey: z.string().max(400),
  deviceName: z.string().max(300),
  pushToken: z.string().max(4096).optional(),
  signature: z.string().max(200),
});
export const PushAnswerBody = z.strictObject({
  decision: z.enum(["approve", "deny"]),
  number: z.int().nullable(),
  notMe: z.boolean(),
  signature: z.string().max(200),
});

const header = (value: string | string[] | undefined): string | undefined => (typeof value === "string" ? value : undefined);

/** The device routes: mounted at /v1/push, without API-key authentication. */
export function pushDeviceRoutes(s: Services): Router {
  const r = Router();
  r.post("/tenants/:tenantId/devices/:deviceId/enrollment", noQuery, async (req, res) => {
    const params = parseOr400(PushDeviceParams, req.params, res, "path");
    const body = params && parseOr400(PushEnrollmentBody, req.body, res, "body");
    if (!params || !body) return;
    const enrolled = await s.enrollPushDevice.execute({ tenantId: params.tenantId, credentialId: params.deviceId, ...body });
    if (!enrolled.ok) return sendAppError(res, enrolled.error);
    res.setHeader("Cache-Control", "no-store");
    res.status(201).json({ deviceId: enrolled.value.deviceId, status: "active" });
  });

  r.get("/tenants/:tenantId/devices/:deviceId/challenges", noQuery, noBody, async (req, res) => {
    const params = parseOr400(PushDeviceParams, req.params, res, "path");
    if (!params) return;
    const polled = await s.pollPushChallenges.execute({
      tenantId: params.tenantId,
      deviceId: params.deviceId,
      timestamp: header(req.headers["mfa-push-timestamp"]),
      nonce: header(req.headers["mfa-push-nonce"]),
      signature: header(req.headers["mfa-push-signature"]),
    });
    if (!polled.ok) return sendAppError(res, polled.error);
    res.setHeader("Cache-Control", "no-store");
    res.json({ challenges: polled.value });
  });

  r.post("/tenants/:tenantId/devices/:deviceId/challenges/:challengeId/answer", noQuery, async (req, res) => {
    const params = parseOr400(PushAnswerParams, req.params, res, "path");
    const body = params && parseOr400(PushAnswerBody, req.body, res, "body");
    if (!params || !body) return;
    const answered = await s.answerPushChallenge.execute({ ...params, ...body });
    if (!answered.ok) return sendAppError(res, answered.error);
    res.setHeader("Cache-Control", "no-store");
    res.json({ outcome: answered.value.outcome });
  });
  return r;
}

/** The administrator's side, under /v1 with an admin API key. */
export function pushAdminRoutes(s: Services): Router {
  const r = Router();
  r.delete("/users/:userId/push-denies", noQuery, noBody, async (req, res) => {
    const params = parseOr400(UserParams, req.params, res, "path");
    if (!params) return;
    const cleared = await s.clearPushDenies.execute({ actor: actorOf(res), userId: params.userId });
    if (!cleared.ok) return sendAppError(res, cleared.error);
    res.status(204).end();
  });
  return r;
}
