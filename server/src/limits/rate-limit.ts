import { type RateLimiterAbstract, RateLimiterRes } from "rate-limiter-flexible";

/**
 * One fixed-window limit: `limit` points per `windowSeconds`, counted per key (a user id, an
 * IP, an email). Two implementations: memory.ts (one process) and redis.ts (shared by every
 * instance). A `limit` of 0 means never limited.
 */
export interface RateLimit {
  /** Points per window; 0 = never limited. */
  readonly limit: number;
  readonly windowSeconds: number;
  /** Takes one point for `key`. Rejects only when the store itself fails. */
  consume(key: string): Promise<RateLimitResult>;
}

/**
 * What one `consume` decided. `resetMs` is how long until the key's window starts over.
 * A never-limited result (`limit: 0`) has `remaining: Infinity` and `resetMs: 0`.
 */
export type RateLimitResult =
  | { allowed: true; limit: number; remaining: number; resetMs: number }
  | { allowed: false; limit: number; remaining: 0; retryAfterMs: number; resetMs: number };

export interface RateLimitOptions {
  /** Keeps limiters (and deployments sharing one Redis) apart: `parley:limits:messagesPerIp`. */
  keyPrefix: string;
  /** Points per window; 0 = never limited. */
  limit: number;
  /** A whole number of seconds (Redis expiries are in seconds). */
  windowSeconds: number;
}

/** The answer of a limit of 0: always allowed, and nothing to count. */
export const NEVER_LIMITED: RateLimitResult = Object.freeze({
  allowed: true,
  limit: 0,
  remaining: Number.POSITIVE_INFINITY,
  resetMs: 0,
});

export function neverLimited(windowSeconds: number): RateLimit {
  return { limit: 0, windowSeconds, consume: async () => NEVER_LIMITED };
}

/** Whole seconds to wait, never 0, so a client that waits that long is not refused again. */
export function retryAfterSeconds(result: RateLimitResult): number {
  return result.allowed ? 0 : Math.max(1, Math.ceil(result.retryAfterMs / 1000));
}

export function checkOptions({ limit, windowSeconds }: RateLimitOptions) {
  if (!Number.isInteger(limit) || limit < 0) throw new Error(`limit must be ≥ 0, got ${limit}`);
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1) {
    throw new Error(`windowSeconds must be a whole number ≥ 1, got ${windowSeconds}`);
  }
}

/**
 * Both implementations wrap a rate-limiter-flexible limiter, which resolves when allowed and
 * rejects with a RateLimiterRes when refused (and with an Error when its store fails).
 */
export function fromLimiter(limiter: RateLimiterAbstract, options: RateLimitOptions): RateLimit {
  const { limit, windowSeconds } = options;
  return {
    limit,
    windowSeconds,
    async consume(key) {
      try {
        const res = await limiter.consume(key, 1);
        const resetMs = Math.max(0, res.msBeforeNext);
        return { allowed: true, limit, remaining: res.remainingPoints, resetMs };
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        const resetMs = Math.max(0, error.msBeforeNext);
        return { allowed: false, limit, remaining: 0, retryAfterMs: resetMs, resetMs };
      }
    },
  };
}
