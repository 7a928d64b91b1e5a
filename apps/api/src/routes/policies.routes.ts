import { Router } from "express";
import { actorOf } from "../http/auth.js";
import { presentChainPreview, presentPolicy } from "../http/present.js";
import { sendAppError } from "../http/problem.js";
import { CreatePolicyBody, PolicyDefinitionSchema, PolicyParams, PolicyVersionQuery } from "../http/schemas.js";
import { noBody, noQuery, parseOr400 } from "../http/validate.js";
import { ChainPreviewQuery } from "../http/policy-history.schemas.js";
import type { Services } from "@mfa-chain/application";

export function policyRoutes(s: Services): Router {
  const r = Router();

  r.post("/policies", noQuery, async (req, res) => {
    const body = parseOr400(CreatePolicyBody, req.body, res, "body");
    if (!body) return;
    const { id, ...definition } = body;
    const saved = await s.savePolicy.execute({ actor: actorOf(res), policyId: id, definition, mode: "create" });
    if (!saved.ok) return sendAppError(res, saved.error);
    res.status(201).location(`/v1/policies/${saved.value.id}`).json(presentPolicy(saved.value));
  });

  r.get("/policies", noQuery, async (_req, res) => {
    const all = await s.listPolicies.execute({ actor: actorOf(res) });
    res.json({ policies: all.map(presentPolicy) });
  });

  r.get("/policies/:policyId", async (req, res) => {
    const params = parseOr400(PolicyParams, req.params, res, "path");
    const query = params && parseOr400(PolicyVersionQuery, req.query, res, "query");
    if (!params || !query) return;
    const found = await s.getPolicy.execute({
      actor: actorOf(res),
      policyId: params.policyId,
      ...(query.version === undefined ? {} : { version: query.version }),
    });
    if (!found.ok) return sendAppError(res, found.error);
    res.json(presentPolicy(found.value));
  });

  // The version history (the console's diff) and a preview of how attempts draw the chain (the domain's drawChain).
  r.get("/policies/:policyId/versions", noQuery, noBody, async (req, res) => {
    const params = parseOr400(PolicyParams, req.params, res, "path");
    if (!params) return;
    const versions = await s.listPolicyVersions.execute({ actor: actorOf(res), policyId: params.policyId });
    if (!versions.ok) return sendAppError(res, versions.error);
    res.json({ versions: versions.value.map(presentPolicy) });
  });

  r.get("/policies/:policyId/chain-preview", noBody, async (req, res) => {
    const params = parseOr400(PolicyParams, req.params, res, "path");
    const query = params && parseOr400(ChainPreviewQuery, req.query, res, "query");
    if (!params || !query) return;
    const preview = await s.previewChain.execute({
      actor: actorOf(res),
      policyId: params.policyId,
      samples: query.samples ?? 5,
      ...(query.version === undefined ? {} : { version: query.version }),
      ...(query.userId === undefined ? {} : { userId: query.userId }),
    });
    if (!preview.ok) return sendAppError(res, preview.error);
    res.json(presentChainPreview(preview.value));
  });

  r.put("/policies/:policyId", noQuery, async (req, res) => {
    const params = parseOr400(PolicyParams, req.params, res, "path");
    const body = params && parseOr400(PolicyDefinitionSchema, req.body, res, "body");
    if (!params || !body) return;
    const saved = await s.savePolicy.execute({ actor: actorOf(res), policyId: params.policyId, definition: body, mode: "update" });
    if (!saved.ok) return sendAppError(res, saved.error);
    res.json(presentPolicy(saved.value));
  });

  r.delete("/policies/:policyId", noQuery, noBody, async (req, res) => {
    const params = parseOr400(PolicyParams, req.params, res, "path");
    if (!params) return;
    const deleted = await s.deletePolicy.execute({ actor: actorOf(res), policyId: params.policyId });
    if (!deleted.ok) return sendAppError(res, deleted.error);
    res.status(204).end();
  });

  return r;
}
