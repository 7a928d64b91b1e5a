// The tenant's API keys, for the console's admin operators (issue 15): list, issue (shown once), revoke.
import type { ConsoleApiKeys } from "@mfa-chain/application";
import { Router } from "express";
import { actorOf } from "../http/auth.js";
import { ApiKeyParams, IssueApiKeyBody } from "../http/console.schemas.js";
import { sendAppError } from "../http/problem.js";
import { noBody, noQuery, parseOr400 } from "../http/validate.js";

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function apiKeyRoutes(keys: ConsoleApiKeys): Router {
  const r = Router();

  r.get("/api-keys", noQuery, async (_req, res) => {
    const listed = await keys.list({ actor: actorOf(res) });
    if (!listed.ok) return sendAppError(res, listed.error);
    res.json({ keys: listed.value.map((k) => ({ ...k, createdAt: iso(k.createdAt), revokedAt: iso(k.revokedAt) })) });
  });

  r.post("/api-keys", noQuery, async (req, res) => {
    const body = parseOr400(IssueApiKeyBody, req.body, res, "body");
    if (!body) return;
    const issued = await keys.issue({ actor: actorOf(res), name: body.name, role: body.role });
    if (!issued.ok) return sendAppError(res, issued.error);
    // The key is in this answer only.
    res.setHeader("Cache-Control", "no-store");
    res.status(201).json({ keyId: issued.value.keyId, name: body.name.trim(), role: issued.value.role, apiKey: issued.value.apiKey });
  });

  r.post("/api-keys/:keyId/revoke", noQuery, noBody, async (req, res) => {
    const params = parseOr400(ApiKeyParams, req.params, res, "path");
    if (!params) return;
    const revoked = await keys.revoke({ actor: actorOf(res), keyId: params.keyId });
    if (!revoked.ok) return sendAppError(res, revoked.error);
    res.json(revoked.value);
  });

  return r;
}
