// Request rate limits per client IP and per API key, in Redis when configured (shared by every API process), in
// process otherwise. These sit beside the per-user lockout, which lives in the database.
import type { RequestHandler, Response } from "express";
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { sendProblem } from "./problem.js";

export interface RateLimitSettings {
  readonly perKey: number;
  readonly perIp: number;
  readonly windowSeconds: number;
}

export interface RateLimiters {
  readonly ip: RateLimiterAbstract;
  readonly key: RateLimiterAbstract;
}

export function createRateLimiters(settings: RateLimitSettings, redis?: Redis): RateLimiters {
  const make = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const opts = { keyPrefix, points, duration: settings.windowSeconds };
    if (!redis) return new RateLimiterMemory(opts);
    // If Redis is unreachable, each process keeps limiting on its own instead of letting everything through.
    return new RateLimiterRedis({ ...opts, storeClient: redis, insuranceLimiter: new RateLimiterMemory(opts) });
  };
  return { ip: make("mfa_rl_ip", settings.perIp), key: make("mfa_rl_key", settings.perKey) };
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

export const limitByIp = (l: RateLimiters): RequestHandler => limit(l.ip, (res) => String(res.locals.clientIp), "address");
export const limitByKey = (l: RateLimiters): RequestHandler =>
  limit(l.key, (res) => `${res.locals.actor.tenantId}:${res.locals.actor.keyId}`, "API key");
