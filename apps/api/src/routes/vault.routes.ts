// The shared vault (SPEC §4): entries, code reads, grants and groups. A call names the user it is made for with the
// Mfa-Acting-User header (needed with a service key); an admin key manages everything. Reads are rate-limited per user
// (or admin key) and entry, and the count in the window goes to the use case, which flags a burst in the audit.
import type { Response } from "express";
import { Router } from "express";
import { RateLimiterRes } from "rate-limiter-flexible";
import { vaultRequester, type Services, type VaultCodeView, type VaultEntryView, type VaultRequester } from "@mfa-chain/application";
import { actorOf } from "../http/auth.js";
import { sendAppError, sendProblem } from "../http/problem.js";
import type { RateLimiters } from "../http/rate-limit.js";
import {
  ACTING_USER_HEADER,
  AddVaultEntryBody,
  VaultActingUserHeaders,
  VaultEntryParams,
  VaultGrantBody,
  VaultGroupBody,
  VaultGroupParams,
} from "../http/schemas.js";
import { noBody, noQuery, parseOr400 } from "../http/validate.js";
import { readSeed } from "../http/vault-seed.js";

const iso = (ms: number): string => new Date(ms).toISOString();

export const presentVaultEntry = (e: VaultEntryView) => ({ ...e, createdAt: iso(e.createdAt) });
export const presentVaultCode = (c: VaultCodeView) => ({
  ...c,
  validUntil: c.validUntil === null ? null : iso(c.validUntil),
  next: c.next === null ? null : { code: c.next.code, validUntil: iso(c.next.validUntil) },
});

export interface VaultLimits {
  readonly limiters: RateLimiters;
  readonly burstReads: number;
}

export function vaultRoutes(s: Services, limits: VaultLimits): Router {
  const r = Router();

  /** Who the call is for: the acting user named in the header (checked), with the API key and client address. */
  const requesterOf = (req: { headers: Record<string, unknown> }, res: Response): VaultRequester | undefined => {
    const headers = parseOr400(VaultActingUserHeaders, { [ACTING_USER_HEADER]: req.headers[ACTING_USER_HEADER] }, res, "header");
    if (!headers) return undefined;
    const clientAddress = typeof res.locals.clientIp === "string" ? res.locals.clientIp : null;
    return vaultRequester(actorOf(res), headers[ACTING_USER_HEADER] ?? null, clientAddress);
  };

  r.post("/vault/entries", noQuery, async (req, res) => {
    const requester = requesterOf(req, res);
    const body = requester && parseOr400(AddVaultEntryBody, req.body, res, "body");
    if (!requester || !body) return;
    const read = readSeed(body);
    if (!read.ok) {
      const detail = read.issues.map((i) => `${i.field}: ${i.message}`).join("; ");
      return sendProblem(res, { code: "invalid_seed", detail, errors: read.issues });
    }
    const added = await s.addVaultEntry.execute({
      requester,
      name: body.name,
      ...(body.tags === undefined ? {} : { tags: body.tags }),
      ...(body.notes === undefined ? {} : { notes: body.notes }),
      seed: read.seed,
    });
    if (!added.ok) return sendAppError(res, added.error);
    res.status(201).location(`/v1/vault/entries/${added.value.id}`).json(presentVaultEntry(added.value));
  });

  r.get("/vault/entries", noQuery, async (req, res) => {
    const requester = requesterOf(req, res);
    if (!requester) return;
    const listed = await s.listVaultEntries.execute({ requester });
    if (!listed.ok) return sendAppError(res, listed.error);
    res.json({ entries: listed.value.map(presentVaultEntry) });
  });

  r.get("/vault/entries/:entryId", noQuery, async (req, res) => {
    const requester = requesterOf(req, res);
    const params = requester && parseOr400(VaultEntryParams, req.params, res, "path");
    if (!requester || !params) return;
    const found = await s.getVaultEntry.execute({ requester, entryId: params.entryId });
    if (!found.ok) return sendAppError(res, found.error);
    res.json(presentVaultEntry(found.value));
  });

  r.delete("/vault/entries/:entryId", noQuery, noBody, async (req, res) => {
    const requester = requesterOf(req, res);
    const params = requester && parseOr400(VaultEntryParams, req.params, res, "path");
    if (!requester || !params) return;
    const deleted = await s.deleteVaultEntry.execute({ requester, entryId: params.entryId });
    if (!deleted.ok) return sendAppError(res, deleted.error);
    res.status(204).end();
  });

  r.get("/vault/entries/:entryId/code", noQuery, async (req, res, next) => {
    const requester = requesterOf(req, res);
    const params = requester && parseOr400(VaultEntryParams, req.params, res, "path");
    if (!requester || !params) return;
    // Per user (or, for an admin acting as itself, per key) and entry.
    const who = requester.userId === null ? `key:${actorOf(res).keyId}` : `user:${requester.userId}`;
    let readsInWindow: number;
    try {
      readsInWindow = (await limits.limiters.vaultRead.consume(JSON.stringify([requester.tenantId, who, params.entryId]))).consumedPoints;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) return next(rejection);
      return sendProblem(
        res,
        { code: "rate_limited", detail: "too many code reads of this vault entry by this user; slow down" },
        { "Retry-After": String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))) },
      );
    }
    const read = await s.readVaultCode.execute({ requester, entryId: params.entryId, readsInWindow, burstThreshold: limits.burstReads });
    if (!read.ok) return sendAppError(res, read.error);
    res.setHeader("Cache-Control", "no-store");
    res.json(presentVaultCode(read.value));
  });

  r.post("/vault/entries/:entryId/grants", noQuery, async (req, res) => {
    const requester = requesterOf(req, res);
    const params = requester && parseOr400(VaultEntryParams, req.params, res, "path");
    const body = params && parseOr400(VaultGrantBody, req.body, res, "body");
    if (!requester || !params || !body) return;
    const granted = await s.grantVaultAccess.execute({ requester, entryId: params.entryId, ...body });
    if (!granted.ok) return sendAppError(res, granted.error);
    res.json(presentVaultEntry(granted.value));
  });

  r.post("/vault/entries/:entryId/grants/revoke", noQuery, async (req, res) => {
    const requester = requesterOf(req, res);
    const params = requester && parseOr400(VaultEntryParams, req.params, res, "path");
    const body = params && parseOr400(VaultGrantBody, req.body, res, "body");
    if (!requester || !params || !body) return;
    const revoked = await s.revokeVaultAccess.execute({ requester, entryId: params.entryId, ...body });
    if (!revoked.ok) return sendAppError(res, revoked.error);
    res.json(presentVaultEntry(revoked.value));
  });

  r.get("/vault/groups", noQuery, async (req, res) => {
    const requester = requesterOf(req, res);
    if (!requester) return;
    const listed = await s.listVaultGroups.execute({ requester });
    if (!listed.ok) return sendAppError(res, listed.error);
    res.json({ groups: listed.value });
  });

  r.put("/vault/groups/:groupId", noQuery, async (req, res) => {
    const requester = requesterOf(req, res);
    const params = requester && parseOr400(VaultGroupParams, req.params, res, "path");
    const body = params && parseOr400(VaultGroupBody, req.body, res, "body");
    if (!requester || !params || !body) return;
    const set = await s.setVaultGroup.execute({ requester, groupId: params.groupId, members: body.members });
    if (!set.ok) return sendAppError(res, set.error);
    res.json(set.value);
  });

  return r;
}
