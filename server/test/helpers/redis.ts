import { randomUUID } from "node:crypto";
import { createServer, Socket } from "node:net";
import type { Redis } from "ioredis";
import { createRedisClient } from "../../src/limits/redis.ts";

/**
 * The Redis every Redis test runs against: TEST_REDIS_URL, or none outside CI (the caller runs
 * memory only). In CI (CI=true) Redis is required, never skipped.
 */
export function testRedisUrl(): string | undefined {
  const url = process.env.TEST_REDIS_URL;
  if (url) return url;
  if (process.env.CI === "true") {
    throw new Error("CI=true but TEST_REDIS_URL is not set: Redis tests must run in CI");
  }
  console.info("TEST_REDIS_URL is not set: Redis tests are not run, memory only");
  return undefined;
}

/** A ready client made the way the app makes it; throws (never skips) when Redis is unreachable. */
export async function connectTestRedis(url: string): Promise<Redis> {
  const redis = createRedisClient(url);
  try {
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis at TEST_REDIS_URL=${url} is unreachable`, { cause: error });
  }
  return redis;
}

/** Keeps one test run's keys apart from other runs and files sharing the Redis. */
export function uniqueKeyPrefix(): string {
  return `test:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** Deletes a run's keys (they would expire anyway) and closes the client. */
export async function cleanUpTestRedis(redis: Redis, keyPrefix: string) {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${keyPrefix}*`, "COUNT", 500);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
  await redis.quit();
}

/** A TCP relay to Redis that a test can cut (every connection dropped, none taken) and mend. */
export function redisRelay(target: URL) {
  const sockets = new Set<Socket>();
  let open = true;
  const server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = new Socket();
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
    }
    upstream.connect(Number(target.port || 6379), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  return {
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, "127.0.0.1", () => {
          const address = server.address();
          if (!address || typeof address === "string") throw new Error("no address");
          resolve(`redis://127.0.0.1:${address.port}`);
        }),
      ),
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    mend() {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
