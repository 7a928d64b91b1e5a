// The challenge phase of a step: POST /v1/attempts/{attemptId}/challenge issues what the attempt's current step needs.
// A code sent (email, SMS) is answered with where it went (masked), until when it is valid and when a resend is
// allowed; a challenge its kind answers (WebAuthn) with the kind's fields (the request options). Translation only.
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
    // A code sent (email, SMS): where it went and when a resend is allowed. A challenge answered by its kind (WebAuthn):
    // the kind's fields (`publicKey`, the request options), declared by its ApiKind.challenge.
    if (c.delivery === "send") {
      return res.json({
        factorId: c.factorId,
        delivery: c.delivery,
        destination: c.destination,
        expiresAt: new Date(c.expiresAt).toISOString(),
        resendAfter: new Date(c.resendAfter).toISOString(),
      });
    }
    res.json({ ...c.answer, factorId: c.factorId, delivery: c.delivery, expiresAt: new Date(c.expiresAt).toISOString() });
  });
  return r;
}
