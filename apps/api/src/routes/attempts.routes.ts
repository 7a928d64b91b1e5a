import { Router, type RequestHandler } from "express";
import { actorOf } from "../http/auth.js";
import { servicesFor } from "../http/idempotency.js";
import type { Metrics } from "../http/metrics.js";
import { presentAttempt, presentOutcome } from "../http/present.js";
import { sendAppError, sendProblem } from "../http/problem.js";
import { AttemptParams, StartAttemptBody, VerifyBody } from "../http/schemas.js";
import { noQuery, parseOr400 } from "../http/validate.js";
import type { Services } from "@mfa-chain/application";

export function attemptRoutes(services: Services, metrics: Metrics, idempotent: RequestHandler): Router {
  const r = Router();

  r.post("/attempts", noQuery, idempotent, async (req, res) => {
    const s = servicesFor(res, services);
    const body = parseOr400(StartAttemptBody, req.body, res, "body");
    if (!body) return;
    const started = await s.startAttempt.execute({ actor: actorOf(res), userId: body.userId, policyId: body.policyId });
    if (!started.ok) return sendAppError(res, started.error);
    const a = presentAttempt(started.value);
    res.status(201).location(`/v1/attempts/${a.attemptId}`).json(a);
  });

  r.get("/attempts/:attemptId", noQuery, async (req, res) => {
    const params = parseOr400(AttemptParams, req.params, res, "path");
    if (!params) return;
    const found = await services.getAttempt.execute({ actor: actorOf(res), attemptId: params.attemptId });
    if (!found.ok) return sendAppError(res, found.error);
    res.json(presentAttempt(found.value));
  });

  r.post("/attempts/:attemptId/verify", noQuery, idempotent, async (req, res) => {
    const s = servicesFor(res, services);
    const params = parseOr400(AttemptParams, req.params, res, "path");
    const body = params && parseOr400(VerifyBody, req.body, res, "body");
    if (!params || !body) return;
    const verified = await s.verifyStep.execute({
      actor: actorOf(res),
      attemptId: params.attemptId,
      factorId: body.factorId,
      // A WebAuthn response is handed on as its JSON text (its kind reads it; sizes were checked above).
      code: body.code ?? JSON.stringify(body.response),
    });
    if (!verified.ok) {
      metrics.verifyOutcomes.inc({ outcome: verified.error.code });
      return sendAppError(res, verified.error);
    }
    const outcome = verified.value;
    metrics.verifyOutcomes.inc({ outcome: outcome.success ? (outcome.complete ? "complete" : "success") : (outcome.failure ?? "failure") });
    if (outcome.lockedUntil !== null) metrics.lockouts.inc();
    if (outcome.failure === "chain_breached") {
      // Out of order is a conflict, and also a failure: the chain has been reset.
      return sendProblem(res, {
        code: "chain_breached",
        detail: `factor "${body.factorId}" is not the current step; the chain was reset to step 1`,
        ...presentOutcome(outcome),
      });
    }
    res.json(presentOutcome(outcome));
  });

  return r;
}
