// Where request rate limits are counted: Redis when REDIS_URL is set; else the PostgreSQL server, so that every API
// process shares one count; in process on the embedded database (one process by construction).
import { Redis } from "ioredis";
import pg from "pg";
import type { Logger } from "pino";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Config } from "../config.js";
import type { RateLimiters } from "../http/rate-limit.js";

export interface RateLimitStore {
  readonly limiters: RateLimiters;
  readonly kind: "redis" | "postgres" | "memory";
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
    const redis = new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on("error", (error) => logger.warn({ err: error }, "redis error"));
    await redis.connect();
    // If Redis is unreachable later, each process keeps limiting on its own instead of letting everything through.
    const limiters = pair((keyPrefix, points) => new RateLimiterRedis({ keyPrefix, points, duration, storeClient: redis, insuranceLimiter: memory(keyPrefix, points) }));
    logger.info("rate limits counted in Redis");
    return { limiters, kind: "redis", close: async () => void (await redis.quit()) };
  }

  if (config.DATABASE_URL) {
    const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 4, application_name: "mfa-chain-rate-limits" });
    pool.on("error", (error) => logger.warn({ err: error }, "rate-limit database connection failed"));
    const limiters: RateLimiterAbstract[] = [];
    for (const [keyPrefix, points] of specs) {
      limiters.push(
        await new Promise<RateLimiterAbstract>((ok, fail) => {
          const limiter: RateLimiterAbstract = new RateLimiterPostgres(
            { keyPrefix, points, duration, storeClient: pool, tableName: "rate_limits", clearExpiredByTimeout: true, insuranceLimiter: memory(keyPrefix, points) },
            (error?: Error) => (error ? fail(error) : ok(limiter)),
          );
        }),
      );
    }
    logger.info("rate limits counted in PostgreSQL");
    return { limiters: { ip: limiters[0] as RateLimiterAbstract, key: limiters[1] as RateLimiterAbstract }, kind: "postgres", close: () => pool.end() };
  }

  return { limiters: pair(memory), kind: "memory", close: async () => undefined };
}
