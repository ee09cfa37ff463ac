// Connections to Redis, for the generation bus and the caches' invalidations (rate limits keep
// their own; see limits/redis.ts).

import { Redis } from "ioredis";
import { type Logger, silentLogger } from "./log.ts";

/** REDIS_URL is set but Redis cannot be reached: Parley does not start without it. */
export class RedisUnavailable extends Error {
  constructor(url: string, cause: unknown) {
    const safe = url.replace(/\/\/[^@/]*@/, "//***@");
    super(
      `Redis at ${safe} is unreachable (${cause instanceof Error ? cause.message : String(cause)}); REDIS_URL is set, so Parley needs it. Start Redis or unset REDIS_URL.`,
    );
    this.name = "RedisUnavailable";
  }
}

/**
 * A factory of connections to `url`. They fail commands at once while Redis is away (the bus
 * turns that into a "reload" for subscribers instead of a hang) and keep reconnecting, so
 * service comes back with Redis.
 */
export function redisConnector(url: string, log: Logger) {
  let warned = false;
  return (name: string, options: { queueWhileOffline?: boolean } = {}): Redis => {
    const redis = new Redis(url, {
      connectionName: name,
      maxRetriesPerRequest: 0,
      // A subscriber waits for its connection (and subscribes again after a reconnect).
      enableOfflineQueue: options.queueWhileOffline ?? false,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    redis.on("error", (error: Error) => {
      if (warned) return;
      warned = true;
      log.warn({ err: error }, "Redis unavailable; retrying");
    });
    redis.on("ready", () => {
      warned = false;
    });
    return redis;
  };
}

export type RedisConnector = ReturnType<typeof redisConnector>;

/** Resolves once `redis` is ready; rejects after `timeoutMs` or on its first error. */
export function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      redis.off("error", done);
      redis.off("ready", ready);
      if (error) reject(error);
      else resolve();
    };
    const ready = () => done();
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    redis.once("error", done);
    redis.once("ready", ready);
  });
}

/** A first connection, ready; throws RedisUnavailable if Redis does not answer in time. */
export async function connectRedis(
  url: string,
  connect: RedisConnector,
  timeoutMs = 3_000,
): Promise<Redis> {
  const redis = connect("parley-bus");
  try {
    await whenReady(redis, timeoutMs);
  } catch (error) {
    redis.disconnect();
    throw new RedisUnavailable(url, error);
  }
  return redis;
}

/** Why Redis at `url` cannot be used (one line), or undefined when it answers. */
export async function redisUnreachable(url: string): Promise<string | undefined> {
  try {
    const redis = await connectRedis(url, redisConnector(url, silentLogger));
    redis.disconnect();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
