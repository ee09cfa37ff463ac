import { RateLimiterMemory } from "rate-limiter-flexible";
import {
  checkOptions,
  fromLimiter,
  neverLimited,
  type RateLimit,
  type RateLimitOptions,
} from "./rate-limit.ts";

/** Counts in this process only: right for one instance (the default deployment). */
export function createMemoryRateLimit(options: RateLimitOptions): RateLimit {
  checkOptions(options);
  if (options.limit === 0) return neverLimited(options.windowSeconds);
  const limiter = new RateLimiterMemory({
    keyPrefix: options.keyPrefix,
    points: options.limit,
    duration: options.windowSeconds,
  });
  return fromLimiter(limiter, options);
}
