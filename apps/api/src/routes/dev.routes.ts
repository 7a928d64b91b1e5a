// DEVELOPMENT ONLY (S32): mounted only when MFA_DEV_CODES=true. Reveals the live code of an attempt's current step.
import type { PeekCurrentCode } from "@mfa-chain/application";
import { Router } from "express";
import { actorOf } from "../http/auth.js";
import { sendAppError } from "../http/problem.js";
import { AttemptParams } from "../http/schemas.js";
import { noQuery, parseOr400 } from "../http/validate.js";

export function devRoutes(peek: PeekCurrentCode): Router {
  const r = Router();
  r.get("/dev/attempts/:attemptId/current-code", noQuery, async (req, res) => {
    const params = parseOr400(AttemptParams, req.params, res, "path");
    if (!params) return;
    const peeked = await peek.execute({ actor: actorOf(res), attemptId: params.attemptId });
    if (!peeked.ok) return sendAppError(res, peeked.error);
    res.setHeader("Cache-Control", "no-store");
    res.json(peeked.value);
  });
  return r;
}
