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
    ["mfa_rl_vault", config.VAULT_READS_PER_WINDOW],
  ] as const;
  const memory = (keyPrefix: string, points: number) => new RateLimiterMemory({ keyPrefix, points, duration });
  const pair = (make: (keyPrefix: string, points: number) => RateLimiterAbstract): RateLimiters => {
    const [ip, key, vaultRead] = specs.map(([prefix, points]) => make(prefix, points)) as [
      RateLimiterAbstract,
      RateLimiterAbstract,
      RateLimiterAbstract,
    ];
    return { ip, key, vaultRead };
  };

  if (config.REDIS_URL) {
    // The host only in every message: the URL may hold a password.
    const host = new URL(config.REDIS_URL).host;
    const redis = new Redis(config.REDIS_URL, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
      enableAutoPipelining: true,
    });
    // ioredis reconnects by itself (with backoff) and reports every failed try: say it once per outage.
    let up = false;
    redis.on("error", (error) => {
      if (!up) return;
      up = false;
      logger.warn({ err: safeError(error), host }, "redis unavailable: each process limits request rates on its own until it is back");
    });
    redis.on("ready", () => {
      if (!up) logger.info({ host }, "rate limits counted in Redis");
      up = true;
    });
    try {
      await redis.connect();
    } catch (error) {
      // Not a reason to stay down: ioredis keeps reconnecting, and meanwhile the insurance limiters below count.
      logger.warn(
        { host, error: error instanceof Error ? error.message : String(error) },
        `REDIS_URL: cannot connect to Redis at ${host}; counting rate limits in this process until it answers`,
      );
    }
    // If Redis is unreachable, each process keeps limiting on its own instead of letting everything through.
    const limiters = pair(
      (keyPrefix, points) =>
        new RateLimiterRedis({ keyPrefix, points, duration, storeClient: redis, insuranceLimiter: memory(keyPrefix, points) }),
    );
    return { limiters, kind: "redis", close: async () => void (await redis.quit().catch(() => redis.disconnect())) };
  }

  if (config.DATABASE_URL) {
    logger.warn("REDIS_URL is not set: each API process counts request rate limits on its own (the per-user lockout is shared)");
  }
  return { limiters: pair(memory), kind: "memory", close: async () => undefined };
}
