import { Router, type RequestHandler } from "express";
import { actorOf } from "../http/auth.js";
import { servicesFor } from "../http/idempotency.js";
import { presentCredential } from "../http/present.js";
import { sendConfirmation, sendFactorOutcome } from "../http/confirm-answer.js";
import { sendAppError } from "../http/problem.js";
import { ConfirmFactorBody, CredentialParams, EnrollFactorBody, ResyncFactorBody, RevokeFactorBody, UserParams } from "../http/schemas.js";
import { noQuery, parseOr400 } from "../http/validate.js";
import type { Services } from "@mfa-chain/application";

export function factorRoutes(services: Services, idempotent: RequestHandler): Router {
  const r = Router();

  r.post("/users/:userId/factors", noQuery, idempotent, async (req, res) => {
    const s = servicesFor(res, services);
    const params = parseOr400(UserParams, req.params, res, "path");
    const body = params && parseOr400(EnrollFactorBody, req.body, res, "body");
    if (!params || !body) return;
    // The kinds' own enrollment fields (an email factor's destination), for the kind to read.
    const { policyId, factorId, reauthAttemptId, ...details } = body as typeof body & Record<string, unknown>;
    const enrolled = await s.enrollFactor.execute({
      actor: actorOf(res),
      userId: params.userId,
      policyId,
      factorId,
      ...(reauthAttemptId === undefined ? {} : { reauthAttemptId }),
      ...(Object.keys(details).length === 0 ? {} : { details }),
    });
    if (!enrolled.ok) return sendAppError(res, enrolled.error);
    const e = enrolled.value;
    // The secret (or the set of codes) is in this one response: nothing may cache it.
    res.setHeader("Cache-Control", "no-store");
    res.status(201).json({
      factor: presentCredential(e.credential),
      ...e.shown,
      confirmBefore: e.confirmBefore === null ? null : new Date(e.confirmBefore).toISOString(),
    });
  });

  r.get("/users/:userId/factors", noQuery, async (req, res) => {
    const params = parseOr400(UserParams, req.params, res, "path");
    if (!params) return;
    const all = await services.listFactors.execute({ actor: actorOf(res), userId: params.userId });
    res.json({ factors: all.map(presentCredential) });
  });

  r.post("/users/:userId/factors/:credentialId/confirm", noQuery, idempotent, async (req, res) => {
    const s = servicesFor(res, services);
    const params = parseOr400(CredentialParams, req.params, res, "path");
    const body = params && parseOr400(ConfirmFactorBody, req.body, res, "body");
    if (!params || !body) return;
    const confirmed = await s.confirmFactor.execute({
      actor: actorOf(res),
      userId: params.userId,
      credentialId: params.credentialId,
      // A WebAuthn response is handed on as its JSON text (its kind reads it; sizes were checked above).
      code: body.code ?? JSON.stringify(body.response),
    });
    // A wrong code is an outcome, answered like a failed verify: 200 with what remains.
    sendConfirmation(res, confirmed);
  });

  r.post("/users/:userId/factors/:credentialId/resync", noQuery, async (req, res) => {
    const params = parseOr400(CredentialParams, req.params, res, "path");
    const body = params && parseOr400(ResyncFactorBody, req.body, res, "body");
    if (!params || !body) return;
    const resynced = await services.resyncHotpFactor.execute({
      actor: actorOf(res),
      userId: params.userId,
      credentialId: params.credentialId,
      codes: body.codes,
    });
    // Like a wrong confirmation code: an outcome, 200 with what remains.
    sendFactorOutcome(res, "resynced", resynced);
  });

  r.post("/users/:userId/factors/:credentialId/revoke", noQuery, async (req, res) => {
    const params = parseOr400(CredentialParams, req.params, res, "path");
    const body = params && parseOr400(RevokeFactorBody, req.body, res, "body");
    if (!params || !body) return;
    const revoked = await services.revokeFactor.execute({
      actor: actorOf(res),
      userId: params.userId,
      credentialId: params.credentialId,
      ...(body.reauthAttemptId === undefined ? {} : { reauthAttemptId: body.reauthAttemptId }),
    });
    if (!revoked.ok) return sendAppError(res, revoked.error);
    res.json({ factor: presentCredential(revoked.value) });
  });

  return r;
}
