// The tenant's settings (notifications, recovery delay) and recovery (issue 14): an admin recovery requested, read,
// executed when due, cancelled by the user's token; an immediate reset where the delay is off.
import { Router } from "express";
import type { PendingRecoveryDelay, RecoveryView, Services } from "@mfa-chain/application";
import { actorOf } from "../http/auth.js";
import {
  CancelRecoveryBody,
  RecoveryParams,
  RecoveryRequestBody,
  TenantSettingsBody,
  UserRecoveryParams,
} from "../http/recovery.schemas.js";
import { sendAppError } from "../http/problem.js";
import { noBody, noQuery, parseOr400 } from "../http/validate.js";

const iso = (ms: number): string => new Date(ms).toISOString();
export const presentRecovery = (r: RecoveryView) => ({
  id: r.id,
  userId: r.userId,
  state: r.state,
  requestedBy: r.requestedBy,
  verification: r.verification,
  reference: r.reference,
  requestedAt: iso(r.requestedAt),
  dueAt: iso(r.dueAt),
  expiresAt: iso(r.expiresAt),
  updatedAt: iso(r.updatedAt),
});

const presentPending = (p: PendingRecoveryDelay | null) =>
  p === null ? null : { recoveryDelaySeconds: p.recoveryDelaySeconds, effectiveAt: iso(p.effectiveAt) };

export function recoveryRoutes(s: Services): Router {
  const r = Router();

  r.get("/settings", noQuery, noBody, async (_req, res) => {
    const settings = await s.getTenantSettings.execute({ actor: actorOf(res) });
    res.json({
      ...settings,
      pendingRecoveryDelay: presentPending(settings.pendingRecoveryDelay),
      updatedAt: settings.updatedAt === null ? null : iso(settings.updatedAt),
    });
  });

  r.put("/settings", noQuery, async (req, res) => {
    const body = parseOr400(TenantSettingsBody, req.body, res, "body");
    if (!body) return;
    const saved = await s.setTenantSettings.execute({
      actor: actorOf(res),
      settings: {
        ...(body.notificationsEnabled === undefined ? {} : { notificationsEnabled: body.notificationsEnabled }),
        ...(body.recoveryDelaySeconds === undefined ? {} : { recoveryDelaySeconds: body.recoveryDelaySeconds }),
      },
    });
    if (!saved.ok) return sendAppError(res, saved.error);
    res.json({
      ...saved.value,
      pendingRecoveryDelay: presentPending(saved.value.pendingRecoveryDelay),
      updatedAt: saved.value.updatedAt === null ? null : iso(saved.value.updatedAt),
    });
  });

  r.post("/users/:userId/recoveries", noQuery, async (req, res) => {
    const params = parseOr400(UserRecoveryParams, req.params, res, "path");
    if (!params) return;
    const body = parseOr400(RecoveryRequestBody, req.body, res, "body");
    if (!body) return;
    const requested = await s.requestRecovery.execute({ actor: actorOf(res), userId: params.userId, ...body });
    if (!requested.ok) return sendAppError(res, requested.error);
    res.status(201).json({ ...presentRecovery(requested.value), notified: requested.value.notified });
  });

  r.get("/users/:userId/recoveries", noQuery, noBody, async (req, res) => {
    const params = parseOr400(UserRecoveryParams, req.params, res, "path");
    if (!params) return;
    const list = await s.listRecoveries.execute({ actor: actorOf(res), userId: params.userId });
    if (!list.ok) return sendAppError(res, list.error);
    res.json({ recoveries: list.value.map(presentRecovery) });
  });

  r.post("/users/:userId/reset-factors", noQuery, async (req, res) => {
    const params = parseOr400(UserRecoveryParams, req.params, res, "path");
    if (!params) return;
    const body = parseOr400(RecoveryRequestBody, req.body, res, "body");
    if (!body) return;
    const reset = await s.resetFactors.execute({ actor: actorOf(res), userId: params.userId, ...body });
    if (!reset.ok) return sendAppError(res, reset.error);
    res.json(reset.value);
  });

  r.post("/recoveries/cancel", noQuery, async (req, res) => {
    const body = parseOr400(CancelRecoveryBody, req.body, res, "body");
    if (!body) return;
    const cancelled = await s.cancelRecovery.execute({ actor: actorOf(res), cancelToken: body.cancelToken });
    if (!cancelled.ok) return sendAppError(res, cancelled.error);
    res.json(presentRecovery(cancelled.value));
  });

  r.get("/recoveries/:recoveryId", noQuery, noBody, async (req, res) => {
    const params = parseOr400(RecoveryParams, req.params, res, "path");
    if (!params) return;
    const found = await s.getRecovery.execute({ actor: actorOf(res), recoveryId: params.recoveryId });
    if (!found.ok) return sendAppError(res, found.error);
    res.json(presentRecovery(found.value));
  });

  r.post("/recoveries/:recoveryId/execute", noQuery, async (req, res) => {
    const params = parseOr400(RecoveryParams, req.params, res, "path");
    if (!params) return;
    const executed = await s.executeRecovery.execute({ actor: actorOf(res), recoveryId: params.recoveryId });
    if (!executed.ok) return sendAppError(res, executed.error);
    const { revoked, ...recovery } = executed.value;
    res.json({ recovery: presentRecovery(recovery), revoked });
  });

  return r;
}
