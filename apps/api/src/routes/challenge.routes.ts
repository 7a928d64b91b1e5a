// The challenge phase of a step (email and SMS codes; later WebAuthn options and push): POST
// /v1/attempts/{attemptId}/challenge sends what the attempt's current step needs and answers where it went (masked),
// until when the code is valid and when a resend is allowed. Translation only: the use case decides.
import type { Services } from "@mfa-chain/application";
import { Router } from "express";
import { actorOf } from "../http/auth.js";
import { sendAppError } from "../http/problem.js";
import { AttemptParams, ChallengeBody } from "../http/schemas.js";
import { noQuery, parseOr400 } from "../http/validate.js";

export function challengeRoutes(services: Services): Router {
  const r = Router();
  r.post("/attempts/:attemptId/challenge", noQuery, async (req, res) => {
    const params = parseOr400(AttemptParams, req.params, res, "path");
    const body = params && parseOr400(ChallengeBody, req.body ?? {}, res, "body");
    if (!params || !body) return;
    const issued = await services.issueChallenge.execute({ actor: actorOf(res), attemptId: params.attemptId });
    if (!issued.ok) return sendAppError(res, issued.error);
    const c = issued.value;
    res.setHeader("Cache-Control", "no-store");
    res.json({
      factorId: c.factorId,
      destination: c.destination,
      expiresAt: new Date(c.expiresAt).toISOString(),
      resendAfter: new Date(c.resendAfter).toISOString(),
    });
  });
  return r;
}
