// The console's directories (issue 15): the tenants an operator may work on (/console/tenants, by the session alone:
// no tenant is named to list tenants), and a tenant's users by id prefix with each factor's last use (/v1, any key or
// operator of the tenant).
import type { ConsoleOperators, ConsoleTenants, TenantUsers } from "@mfa-chain/application";
import { Router } from "express";
import { actorOf } from "../http/auth.js";
import { operatorOf, requireOperator } from "../http/console-session.js";
import { CreateTenantBody, TenantListQuery, UserListQuery } from "../http/console.schemas.js";
import { sendAppError } from "../http/problem.js";
import { UserParams } from "../http/schemas.js";
import { noQuery, parseOr400 } from "../http/validate.js";

const DEFAULT_LIMIT = 50;
const iso = (t: number) => new Date(t).toISOString();

/** Mounted under /console, after the session routes. */
export function tenantRoutes(tenants: ConsoleTenants, operators: ConsoleOperators): Router {
  const r = Router();
  r.use("/tenants", requireOperator(operators));

  r.get("/tenants", async (req, res) => {
    const q = parseOr400(TenantListQuery, req.query, res, "query");
    if (!q) return;
    const listed = await tenants.list(operatorOf(res), { prefix: q.prefix ?? "", after: q.after ?? null, limit: q.limit ?? DEFAULT_LIMIT });
    if (!listed.ok) return sendAppError(res, listed.error);
    res.json({
      tenants: listed.value.items.map((t) => ({ id: t.id, name: t.name, createdAt: iso(t.createdAt) })),
      next: listed.value.next,
    });
  });

  r.post("/tenants", noQuery, async (req, res) => {
    const body = parseOr400(CreateTenantBody, req.body, res, "body");
    if (!body) return;
    const created = await tenants.create(operatorOf(res), { tenantId: body.id, name: body.name });
    if (!created.ok) return sendAppError(res, created.error);
    res.status(201).json({ id: created.value.id, name: created.value.name, createdAt: iso(created.value.createdAt) });
  });

  return r;
}

/** Mounted under /v1. */
export function userDirectoryRoutes(users: TenantUsers): Router {
  const r = Router();

  r.get("/users", async (req, res) => {
    const q = parseOr400(UserListQuery, req.query, res, "query");
    if (!q) return;
    const listed = await users.list({
      actor: actorOf(res),
      page: { prefix: q.prefix ?? "", after: q.after ?? null, limit: q.limit ?? DEFAULT_LIMIT },
    });
    if (!listed.ok) return sendAppError(res, listed.error);
    res.json({ users: listed.value.items.map((u) => ({ userId: u.userId, createdAt: iso(u.createdAt) })), next: listed.value.next });
  });

  r.get("/users/:userId/factor-uses", noQuery, async (req, res) => {
    const params = parseOr400(UserParams, req.params, res, "path");
    if (!params) return;
    const uses = await users.lastUses({ actor: actorOf(res), userId: params.userId });
    res.json({ uses: uses.map((u) => ({ factorId: u.factorId, lastUsedAt: iso(u.at) })) });
  });

  return r;
}
