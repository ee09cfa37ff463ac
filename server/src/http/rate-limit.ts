import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import { type RateLimit, type RateLimitResult, retryAfterSeconds } from "../limits/rate-limit.ts";

/**
 * Sets the IETF RateLimit-* headers (draft-ietf-httpapi-ratelimit-headers: limit, remaining,
 * seconds until reset) and, when refused, Retry-After. A never-limited result sets none.
 */
export function setRateLimitHeaders(reply: FastifyReply, result: RateLimitResult) {
  if (result.limit === 0) return;
  reply.header("ratelimit-limit", result.limit);
  reply.header("ratelimit-remaining", result.remaining);
  reply.header("ratelimit-reset", Math.ceil(result.resetMs / 1000));
  if (!result.allowed) reply.header("retry-after", retryAfterSeconds(result));
}

/**
 * A Fastify preHandler taking one point of `limit` per request, keyed by `keyOf` (e.g. the IP).
 * Over the limit it answers 429 in Fastify's error shape, with the wait in `retryAfterSeconds`.
 */
export function rateLimitHook(
  limit: RateLimit,
  keyOf: (request: FastifyRequest) => string,
): preHandlerAsyncHookHandler {
  return async (request, reply) => {
    const result = await limit.consume(keyOf(request));
    setRateLimitHeaders(reply, result);
    if (result.allowed) return;
    const seconds = retryAfterSeconds(result);
    return reply.code(429).send({
      statusCode: 429,
      error: "Too Many Requests",
      message: `Too many requests: try again in ${seconds} s`,
      retryAfterSeconds: seconds,
    });
  };
}
