// Enforcement (issue 14): the tenant's rules (admin key), a user's groups and service-account flag, and the decision the
// relying party asks for at sign-in (POST /v1/decisions).
import { Router } from "express";
import type { DecisionView, EnforcementRulesView, Services } from "@mfa-chain/application";
import { actorOf } from "../http/auth.js";
import { DecisionBody, EnforcementRulesBody, UserEnforcementBody } from "../http/enforcement.schemas.js";
import { sendAppError } from "../http/problem.js";
import { UserParams } from "../http/schemas.js";
import { noBody, noQuery, parseOr400 } from "../http/validate.js";

const iso = (ms: number): string => new Date(ms).toISOString();
const presentRules = (r: EnforcementRulesView) => ({ ...r, createdAt: iso(r.createdAt) });
export const presentDecision = (d: DecisionView) => ({
  require: d.require,
  policyId: d.policyId,
  reasons: d.reasons,
  graceEndsAt: d.graceEndsAt === null ? null : iso(d.graceEndsAt),
  rulesVersion: d.rulesVersion,
  device: d.device === null ? null : { id: d.device.id, token: d.device.token, expiresAt: iso(d.device.expiresAt) },
});

export function enforcementRoutes(s: Services): Router {
  const r = Router();

  r.put("/enforcement", noQuery, async (req, res) => {
    const rules = parseOr400(EnforcementRulesBody, req.body, res, "body");
    if (!rules) return;
    const saved = await s.setEnforcementRules.execute({ actor: actorOf(res), rules });
    if (!saved.ok) return sendAppError(res, saved.error);
    res.json(presentRules(saved.value));
  });

  r.get("/enforcement", noQuery, noBody, async (_req, res) => {
    const rules = await s.getEnforcementRules.execute({ actor: actorOf(res) });
    if (!rules.ok) return sendAppError(res, rules.error);
    res.json(presentRules(rules.value));
  });

  r.put("/users/:userId/enforcement", noQuery, async (req, res) => {
    const params = parseOr400(UserParams, req.params, res, "path");
    const body = params && parseOr400(UserEnforcementBody, req.body, res, "body");
    if (!params || !body) return;
    const saved = await s.setUserEnforcement.execute({
      actor: actorOf(res),
      userId: params.userId,
      ...(body.groups === undefined ? {} : { groups: body.groups }),
      ...(body.serviceAccount === undefined ? {} : { serviceAccount: body.serviceAccount }),
    });
    if (!saved.ok) return sendAppError(res, saved.error);
    res.json(saved.value);
  });

  r.get("/users/:userId/enforcement", noQuery, noBody, async (req, res) => {
    const params = parseOr400(UserParams, req.params, res, "path");
    if (!params) return;
    res.json(await s.getUserEnforcement.execute({ actor: actorOf(res), userId: params.userId }));
  });

  r.post("/decisions", noQuery, async (req, res) => {
    const body = parseOr400(DecisionBody, req.body, res, "body");
    if (!body) return;
    const { ip, userAgent, deviceToken, action } = body.context;
    const decision = await s.decide.execute({
      actor: actorOf(res),
      userId: body.userId,
      context: { ip, userAgent, ...(deviceToken === undefined ? {} : { deviceToken }), ...(action === undefined ? {} : { action }) },
    });
    res.setHeader("Cache-Control", "no-store");
    res.json(presentDecision(decision));
  });

  return r;
}
