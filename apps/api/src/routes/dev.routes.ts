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

/** One message of the development outbox, as the demo page lists it (codes and destinations in clear). */
export interface OutboxMessage {
  readonly id: string;
  readonly channel: string;
  readonly kind: string;
  readonly to: string;
  readonly subject: string | null;
  readonly text: string;
  readonly acceptedAt: number;
}

/**
 * DEVELOPMENT ONLY: mounted only in demo mode (loopback, never with NODE_ENV=production) when the development outbox
 * is on. Lists what the outbox "sent" for the caller's tenant, newest first; an admin key only.
 */
export function devOutboxRoutes(list: (tenantId: string) => readonly OutboxMessage[]): Router {
  const r = Router();
  r.get("/dev/outbox", noQuery, (_req, res) => {
    const actor = actorOf(res);
    if (actor.role !== "admin") return sendAppError(res, { code: "forbidden", message: "the outbox needs an admin key" });
    res.setHeader("Cache-Control", "no-store");
    res.json({
      messages: list(actor.tenantId).map((m) => ({
        id: m.id,
        channel: m.channel,
        kind: m.kind,
        to: m.to,
        subject: m.subject,
        text: m.text,
        acceptedAt: new Date(m.acceptedAt).toISOString(),
      })),
    });
  });
  return r;
}
