// Request rate limits per client IP and per API key (the store is chosen in
// boot/rate-limit-store.ts), beside the per-user lockout of SPEC §2, which lives in the database.
import type { RequestHandler, Response } from "express";
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { ipBucket } from "./client-ip.js";
import { sendProblem } from "./problem.js";

export interface RateLimiters {
  readonly ip: RateLimiterAbstract;
  readonly key: RateLimiterAbstract;
  /** Code reads per vault entry and user (or admin key). */
  readonly vaultRead: RateLimiterAbstract;
}

function limit(limiter: RateLimiterAbstract, keyOf: (res: Response) => string, what: string): RequestHandler {
  return async (_req, res, next) => {
    try {
      const r = await limiter.consume(keyOf(res));
      res.setHeader("RateLimit-Remaining", String(r.remainingPoints));
      next();
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) return next(rejection);
      sendProblem(
        res,
        { code: "rate_limited", detail: `too many requests from this ${what}; slow down` },
        { "Retry-After": String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))) },
      );
    }
  };
}

export const limitByIp = (l: RateLimiters): RequestHandler => limit(l.ip, (res) => ipBucket(String(res.locals.clientIp)), "address");
export const limitByKey = (l: RateLimiters): RequestHandler =>
  limit(l.key, (res) => `${res.locals.actor.tenantId}:${res.locals.actor.keyId}`, "API key");
