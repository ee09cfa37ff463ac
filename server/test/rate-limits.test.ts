import Fastify from "fastify";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { DomainError, RateLimited } from "../src/errors.ts";
import { rateLimitHook } from "../src/http/rate-limit.ts";
import { createRateLimits, type RateLimits } from "../src/limits/index.ts";
import { createMemoryRateLimit } from "../src/limits/memory.ts";
import type { RateLimit } from "../src/limits/rate-limit.ts";
import { createRedisClient, createRedisRateLimit } from "../src/limits/redis.ts";
import {
  cleanUpTestRedis,
  connectTestRedis,
  testRedisUrl,
  uniqueKeyPrefix,
} from "./helpers/redis.ts";

const redisUrl = testRedisUrl();
const runPrefix = uniqueKeyPrefix();
const stores = redisUrl ? (["memory", "redis"] as const) : (["memory"] as const);

let limiterCount = 0;
/** Every limiter gets its own prefix, so keys never carry over between tests. */
const nextPrefix = () => `${runPrefix}:${++limiterCount}`;

const summary = (result: { allowed: boolean; limit: number; remaining: number }) => ({
  allowed: result.allowed,
  limit: result.limit,
  remaining: result.remaining,
});

function limitsConfig(env: Record<string, string> = {}) {
  return parseConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", ...env });
}

describe.each(stores)("rate limits in %s", (store) => {
  let redis: Redis | undefined;
  let otherServerRedis: Redis | undefined;

  beforeAll(async () => {
    if (store !== "redis" || !redisUrl) return;
    redis = await connectTestRedis(redisUrl);
    otherServerRedis = await connectTestRedis(redisUrl);
  });

  afterAll(async () => {
    if (redis) await cleanUpTestRedis(redis, runPrefix);
    await otherServerRedis?.quit();
  });

  function rateLimit(limit: number, windowSeconds = 60, keyPrefix = nextPrefix()): RateLimit {
    const options = { keyPrefix, limit, windowSeconds };
    return redis ? createRedisRateLimit({ ...options, redis }) : createMemoryRateLimit(options);
  }

  function limits(env: Record<string, string> = {}): RateLimits {
    return createRateLimits({ config: limitsConfig(env), redis, keyPrefix: nextPrefix() });
  }

  it("allows the limit, then refuses until the window resets", async () => {
    const limit = rateLimit(3);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await limit.consume("user-1"));

    expect(results.map(summary)).toEqual([
      { allowed: true, limit: 3, remaining: 2 },
      { allowed: true, limit: 3, remaining: 1 },
      { allowed: true, limit: 3, remaining: 0 },
      { allowed: false, limit: 3, remaining: 0 },
      { allowed: false, limit: 3, remaining: 0 },
    ]);
    const refused = results[3];
    if (refused?.allowed !== false) throw new Error("expected a refusal");
    expect(refused.retryAfterMs).toBeGreaterThan(55_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(refused.resetMs).toBe(refused.retryAfterMs);
  });

  it("allows exactly the limit when more requests than that arrive at once", async () => {
    const limit = rateLimit(20);
    const results = await Promise.all(Array.from({ length: 25 }, () => limit.consume("burst")));

    expect(results.filter((result) => result.allowed)).toHaveLength(20);
    expect(results.map((result) => result.remaining).sort((a, b) => a - b)).toEqual([
      ...Array(6).fill(0),
      ...Array.from({ length: 19 }, (_, i) => i + 1),
    ]);
  });

  it("counts each key on its own", async () => {
    const limit = rateLimit(1);

    const results = [
      await limit.consume("alice"),
      await limit.consume("bob"),
      await limit.consume("alice"),
    ];

    expect(results.map((result) => result.allowed)).toEqual([true, true, false]);
  });

  it("allows again once the window is over", async () => {
    const limit = rateLimit(1, 1);
    await limit.consume("patient");
    const refused = await limit.consume("patient");
    expect(refused.allowed).toBe(false);

    await new Promise((resolve) => setTimeout(resolve, refused.resetMs + 50));

    expect(summary(await limit.consume("patient"))).toEqual({
      allowed: true,
      limit: 1,
      remaining: 0,
    });
  });

  it("never refuses with a limit of 0", async () => {
    const limit = rateLimit(0);

    const results = await Promise.all(Array.from({ length: 100 }, () => limit.consume("anyone")));

    expect(results).toEqual(
      Array(100).fill({ allowed: true, limit: 0, remaining: Number.POSITIVE_INFINITY, resetMs: 0 }),
    );
  });

  it("refuses as rate_limited, with the seconds to wait once a sender is over the limit", async () => {
    const { checkMessageLimits } = limits({ RATE_LIMIT_MESSAGES_PER_MINUTE: "2" });
    const sender = { ownerId: "user-1", email: "someone@example.com", ip: "203.0.113.1" };
    await checkMessageLimits(sender);
    await checkMessageLimits(sender);

    const error = await checkMessageLimits(sender).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );

    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(RateLimited);
    if (!(error instanceof RateLimited)) return;
    expect({ kind: error.kind, limitName: error.limitName }).toEqual({
      kind: "rate_limited",
      limitName: "messagesPerOwner",
    });
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(error.message).toBe(`Too many messages: try again in ${error.retryAfterSeconds} s`);
  });

  it("limits an IP across every sender behind it", async () => {
    const { checkMessageLimits } = limits({ RATE_LIMIT_IP_MESSAGES_PER_MINUTE: "3" });
    for (const ownerId of ["a", "b", "c"])
      await checkMessageLimits({ ownerId, ip: "198.51.100.7" });

    await expect(checkMessageLimits({ ownerId: "d", ip: "198.51.100.7" })).rejects.toMatchObject({
      kind: "rate_limited",
      limitName: "messagesPerIp",
    });
    await expect(checkMessageLimits({ ownerId: "d", ip: "198.51.100.8" })).resolves.toMatchObject({
      allowed: true,
    });
  });

  it("counts a daily quota per sender, and resolves with the allowance closest to running out", async () => {
    const { checkMessageLimits } = limits({
      RATE_LIMIT_MESSAGES_PER_MINUTE: "5",
      RATE_LIMIT_MESSAGES_PER_DAY: "2",
      RATE_LIMIT_IP_MESSAGES_PER_MINUTE: "10",
    });
    const sender = { ownerId: "daily", ip: "192.0.2.20" };

    expect(summary(await checkMessageLimits(sender))).toEqual({
      allowed: true,
      limit: 2,
      remaining: 1,
    });
    expect(summary(await checkMessageLimits(sender))).toEqual({
      allowed: true,
      limit: 2,
      remaining: 0,
    });
    const refused = await checkMessageLimits(sender).catch((error: unknown) => error);
    expect(refused).toMatchObject({ kind: "rate_limited", limitName: "messagesPerDay" });
    if (!(refused instanceof RateLimited)) throw new Error("expected a refusal");
    expect(refused.retryAfterSeconds).toBeGreaterThan(23 * 3600);
    expect(refused.message).toBe("Too many messages today: try again in 24 h");
  });

  it("never limits exempt emails, whatever their case", async () => {
    const { checkMessageLimits } = limits({
      RATE_LIMIT_MESSAGES_PER_MINUTE: "1",
      RATE_LIMIT_IP_MESSAGES_PER_MINUTE: "1",
      RATE_LIMIT_EXEMPT_EMAILS: "Ops@Example.com",
    });
    const ip = "192.0.2.10";

    for (let i = 0; i < 10; i++) {
      await checkMessageLimits({ ownerId: "ops", email: "OPS@example.COM", ip });
    }

    // Exempt messages took nothing from the shared IP allowance either.
    await expect(checkMessageLimits({ ownerId: "guest", ip })).resolves.toMatchObject({
      allowed: true,
    });
    await expect(checkMessageLimits({ ownerId: "guest", ip })).rejects.toBeInstanceOf(RateLimited);
  });

  it("limits sign-in attempts per email, whatever its case", async () => {
    const { checkSignInLimits } = limits();
    for (let i = 0; i < 10; i++) {
      await checkSignInLimits({ email: "victim@example.com", ip: `192.0.2.${i}` });
    }

    await expect(
      checkSignInLimits({ email: "Victim@Example.com", ip: "192.0.2.99" }),
    ).rejects.toMatchObject({ kind: "rate_limited", limitName: "signInPerEmail" });
  });

  it("answers 429 with Retry-After and RateLimit headers on an HTTP route", async () => {
    const app = Fastify({ logger: false });
    app.get(
      "/limited",
      { preHandler: rateLimitHook(rateLimit(2), (request) => request.ip) },
      () => ({
        ok: true,
      }),
    );
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const address = app.server.address();
      if (!address || typeof address === "string") throw new Error("no TCP address");
      const responses = [];
      for (let i = 0; i < 3; i++) {
        responses.push(await fetch(`http://127.0.0.1:${address.port}/limited`));
      }
      const seen = await Promise.all(
        responses.map(async (response) => ({
          status: response.status,
          limit: response.headers.get("ratelimit-limit"),
          remaining: response.headers.get("ratelimit-remaining"),
          retryAfter: response.headers.get("retry-after"),
          body: await response.json(),
        })),
      );

      expect(seen.map(({ status, limit, remaining }) => ({ status, limit, remaining }))).toEqual([
        { status: 200, limit: "2", remaining: "1" },
        { status: 200, limit: "2", remaining: "0" },
        { status: 429, limit: "2", remaining: "0" },
      ]);
      expect(seen.map((response) => response.retryAfter !== null)).toEqual([false, false, true]);
      const retryAfter = Number(seen[2]?.retryAfter);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      for (const response of responses) {
        const reset = Number(response.headers.get("ratelimit-reset"));
        expect(reset).toBeGreaterThanOrEqual(1);
        expect(reset).toBeLessThanOrEqual(60);
      }
      expect(seen[2]?.body).toEqual({
        statusCode: 429,
        error: "Too Many Requests",
        message: `Too many requests: try again in ${retryAfter} s`,
        retryAfterSeconds: retryAfter,
      });
    } finally {
      await app.close();
    }
  });

  if (store === "redis") {
    it("holds one limit across two servers sharing Redis", async () => {
      if (!redis || !otherServerRedis) throw new Error("Redis is not connected");
      const keyPrefix = nextPrefix();
      const options = { keyPrefix, limit: 20, windowSeconds: 60 };
      const servers = [
        createRedisRateLimit({ ...options, redis }),
        createRedisRateLimit({ ...options, redis: otherServerRedis }),
      ];

      const results = await Promise.all(
        Array.from({ length: 25 }, (_, i) => servers[i % 2]?.consume("shared")),
      );

      expect(results.filter((result) => result?.allowed)).toHaveLength(20);
      // The count lives in Redis, not in either server's memory fallback.
      expect(await redis.get(`${keyPrefix}:shared`)).toBe("25");
    });

    it("uses Redis when REDIS_URL is set, and closes the connection it opened", async () => {
      if (!redisUrl) throw new Error("TEST_REDIS_URL is not set");
      const keyPrefix = nextPrefix();
      const fromConfig = createRateLimits({
        config: limitsConfig({ REDIS_URL: redisUrl, RATE_LIMIT_MESSAGES_PER_MINUTE: "1" }),
        keyPrefix,
      });
      try {
        expect(fromConfig.store).toBe("redis");
        await fromConfig.checkMessageLimits({ ownerId: "o", ip: "192.0.2.1" });
        await expect(
          fromConfig.checkMessageLimits({ ownerId: "o", ip: "192.0.2.1" }),
        ).rejects.toBeInstanceOf(RateLimited);
      } finally {
        await fromConfig.close();
      }
    });
  }
});

describe("choosing and degrading the store", () => {
  it("counts in memory when REDIS_URL is not set", () => {
    expect(createRateLimits({ config: limitsConfig() }).store).toBe("memory");
  });

  it("counts in each server's memory, with the same limit, while Redis is unreachable", async () => {
    // Port 1 refuses connections: the client never becomes ready.
    const unreachable = createRedisClient("redis://127.0.0.1:1");
    try {
      const limit = createRedisRateLimit({
        redis: unreachable,
        keyPrefix: nextPrefix(),
        limit: 2,
        windowSeconds: 60,
      });

      const results = [];
      for (let i = 0; i < 3; i++) results.push(await limit.consume("during-outage"));

      expect(results.map((result) => result.allowed)).toEqual([true, true, false]);
    } finally {
      unreachable.disconnect();
    }
  });
});
