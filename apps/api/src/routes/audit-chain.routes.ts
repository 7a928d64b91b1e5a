// The tenant's audit hash chain, checked (the admin console's audit screen shows the verdict).
import type { VerifyAuditChain } from "@mfa-chain/application";
import { Router } from "express";
import { actorOf } from "../http/auth.js";
import { noQuery } from "../http/validate.js";

export function auditChainRoutes(verify: VerifyAuditChain): Router {
  const r = Router();
  r.get("/audit-chain", noQuery, async (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json(await verify.execute({ actor: actorOf(res) }));
  });
  return r;
}
