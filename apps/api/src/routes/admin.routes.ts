// A user's lockout, and the tenant's audit trail.
import { Router } from "express";
import { actorOf } from "../http/auth.js";
import { presentAuditEvent, presentLockout } from "../http/present.js";
import { sendAppError } from "../http/problem.js";
import { AuditQuerySchema, RelyingPartyBody, UserParams } from "../http/schemas.js";
import { noBody, noQuery, parseOr400 } from "../http/validate.js";
import type { Services } from "@mfa-chain/application";

export function adminRoutes(s: Services): Router {
  const r = Router();

  r.get("/users/:userId/lockout", noQuery, async (req, res) => {
    const params = parseOr400(UserParams, req.params, res, "path");
    if (!params) return;
    res.json(presentLockout(await s.getLockout.execute({ actor: actorOf(res), userId: params.userId })));
  });

  r.post("/users/:userId/unlock", noQuery, noBody, async (req, res) => {
    const params = parseOr400(UserParams, req.params, res, "path");
    if (!params) return;
    const unlocked = await s.unlockUser.execute({ actor: actorOf(res), userId: params.userId });
    if (!unlocked.ok) return sendAppError(res, unlocked.error);
    res.json(presentLockout(unlocked.value));
  });

  // The tenant's WebAuthn relying party (issue 12): RP id, name and origins, checked when written; admin keys only.
  r.put("/admin/webauthn", noQuery, async (req, res) => {
    const body = parseOr400(RelyingPartyBody, req.body, res, "body");
    if (!body) return;
    const set = await s.setRelyingParty.execute({ actor: actorOf(res), ...body });
    if (!set.ok) return sendAppError(res, set.error);
    res.json({ ...set.value, updatedAt: new Date(set.value.updatedAt).toISOString() });
  });

  r.get("/admin/webauthn", noQuery, async (_req, res) => {
    const found = await s.getRelyingParty.execute({ actor: actorOf(res) });
    if (!found.ok) return sendAppError(res, found.error);
    res.json({ ...found.value, updatedAt: new Date(found.value.updatedAt).toISOString() });
  });

  r.get("/audit-events", async (req, res) => {
    const q = parseOr400(AuditQuerySchema, req.query, res, "query");
    if (!q) return;
    const page = await s.listAuditEvents.execute({
      actor: actorOf(res),
      ...(q.userId === undefined ? {} : { userId: q.userId }),
      ...(q.type === undefined ? {} : { types: q.type }),
      ...(q.from === undefined ? {} : { from: Date.parse(q.from) }),
      ...(q.to === undefined ? {} : { to: Date.parse(q.to) }),
      ...(q.before === undefined ? {} : { before: q.before }),
      ...(q.limit === undefined ? {} : { limit: q.limit }),
    });
    res.json({ events: page.events.map(presentAuditEvent), nextBefore: page.nextBefore });
  });

  return r;
}
