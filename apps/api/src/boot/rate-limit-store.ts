// Where request rate limits are counted: Redis when REDIS_URL is set, so that every API process shares one budget; in
// process otherwise. Never a PostgreSQL write per request (ARCHITECTURE.md, Scaling).
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Config } from "../config.js";
import { safeError } from "../http/problem.js";
import type { RateLimiters } from "../http/rate-limit.js";

export interface RateLimitStore {
  readonly limiters: RateLimiters;
  readonly kind: "redis" | "memory";
  close(): Promise<void>;
}

export async function createRateLimitStore(config: Config, logger: Logger): Promise<RateLimitStore> {
  const duration = config.RATE_LIMIT_WINDOW_SECONDS;
  const specs = [
    ["mfa_rl_ip", config.RATE_LIMIT_PER_IP],
    ["mfa_rl_key", config.RATE_LIMIT_PER_KEY],
  ] as const;
  const memory = (keyPrefix: string, points: number) => new RateLimiterMemory({ keyPrefix, points, duration });
  const pair = (make: (keyPrefix: string, points: number) => RateLimiterAbstract): RateLimiters => {
    const [ip, key] = specs.map(([prefix, points]) => make(prefix, points)) as [RateLimiterAbstract, RateLimiterAbstract];
    return { ip, key };
  };

  if (config.REDIS_URL) {
    const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, enableAutoPipelining: true });
    redis.on("error", (error) => logger.warn({ err: safeError(error) }, "redis error"));
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      // The host only: the URL may hold a password.
      throw new Error(`REDIS_URL: cannot connect to Redis at ${new URL(config.REDIS_URL).host} (${error instanceof Error ? error.message : String(error)})`);
    }
    // If Redis is unreachable later, each process keeps limiting on its own instead of letting everything through.
    const limiters = pair((keyPrefix, points) => new RateLimiterRedis({ keyPrefix, points, duration, storeClient: redis, insuranceLimiter: memory(keyPrefix, points) }));
    logger.info("rate limits counted in Redis");
    return { limiters, kind: "redis", close: async () => void (await redis.quit()) };
  }

  if (config.DATABASE_URL) {
    logger.warn("REDIS_URL is not set: each API process counts request rate limits on its own (the per-user lockout is shared)");
  }
  return { limiters: pair(memory), kind: "memory", close: async () => undefined };
}
