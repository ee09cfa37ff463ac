import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import {
  checkOptions,
  fromLimiter,
  neverLimited,
  type RateLimit,
  type RateLimitOptions,
} from "./rate-limit.ts";

/**
 * Counts in Redis, so every instance sharing it sees one count. Each consume is one Lua script
 * (SET NX EX + INCRBY + PTTL), atomic across instances.
 *
 * While Redis is not ready (starting, or down) each instance counts in its own memory instead,
 * with the same limit: a Redis outage loosens limits to per-instance rather than failing every
 * message or stalling it in ioredis's offline queue.
 */
export function createRedisRateLimit(options: RateLimitOptions & { redis: Redis }): RateLimit {
  checkOptions(options);
  if (options.limit === 0) return neverLimited(options.windowSeconds);
  const shape = {
    keyPrefix: options.keyPrefix,
    points: options.limit,
    duration: options.windowSeconds,
  };
  const limiter = new RateLimiterRedis({
    ...shape,
    storeClient: options.redis,
    // The library guesses node-redis from `constructor.name`; say which client this is.
    useRedisPackage: false,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(shape),
  });
  return fromLimiter(limiter, options);
}

/** The ioredis connection for limits: fail a command fast, since memory takes over meanwhile. */
export function createRedisClient(url: string, onError?: (error: Error) => void): Redis {
  const redis = new Redis(url, {
    connectionName: "parley-limits",
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
  });
  // Without a listener ioredis prints every reconnect failure; it keeps reconnecting either way.
  redis.on("error", (error: Error) => onError?.(error));
  return redis;
}
