import type { Redis } from "ioredis";
import type { Config } from "../config.ts";
import { RateLimited } from "../errors.ts";
import { createMemoryRateLimit } from "./memory.ts";
import {
  NEVER_LIMITED,
  type RateLimit,
  type RateLimitResult,
  retryAfterSeconds,
} from "./rate-limit.ts";
import { createRedisClient, createRedisRateLimit } from "./redis.ts";

export type { RateLimit, RateLimitResult } from "./rate-limit.ts";
export { NEVER_LIMITED, retryAfterSeconds } from "./rate-limit.ts";

/** Sign-in attempts per email per 15 minutes: enough for typos, too few to guess a password. */
export const SIGN_IN_PER_EMAIL = { limit: 10, windowSeconds: 15 * 60 };
/** Sign-in attempts per IP per 15 minutes: a shared office or NAT, not a credential-stuffing run. */
export const SIGN_IN_PER_IP = { limit: 50, windowSeconds: 15 * 60 };

export type LimitName =
  | "messagesPerOwner"
  | "messagesPerIp"
  | "messagesPerDay"
  | "signInPerEmail"
  | "signInPerIp"
  | "uploadsPerIp"
  | "signUpsPerIp"
  | "guestsPerIp";

/** The refusal of `limitName`: "Too many <what>: try again in <wait>". */
function refusal(limitName: LimitName, result: RateLimitResult, what = "requests") {
  const seconds = retryAfterSeconds(result);
  return new RateLimited(`Too many ${what}: try again in ${waitText(seconds)}`, {
    limitName,
    result,
    retryAfterSeconds: seconds,
  });
}

/** A wait in words: seconds for a short one, minutes or hours for a daily quota's. */
export function waitText(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 2 * 3600) return `${Math.ceil(seconds / 60)} min`;
  return `${Math.ceil(seconds / 3600)} h`;
}

export interface RateLimits {
  /** Where counts live: "redis" when REDIS_URL is set, so they hold across instances. */
  readonly store: "memory" | "redis";
  /** Messages per user or guest id per minute (RATE_LIMIT_MESSAGES_PER_MINUTE). */
  readonly messagesPerOwner: RateLimit;
  /** Messages per client IP per minute (RATE_LIMIT_IP_MESSAGES_PER_MINUTE). */
  readonly messagesPerIp: RateLimit;
  /** Messages per user or guest id per day (RATE_LIMIT_MESSAGES_PER_DAY, 0 = off). */
  readonly messagesPerDay: RateLimit;
  readonly signInPerEmail: RateLimit;
  readonly signInPerIp: RateLimit;
  /** File uploads and imports per client IP per minute (RATE_LIMIT_IP_UPLOADS_PER_MINUTE). */
  readonly uploadsPerIp: RateLimit;
  /** New accounts per client IP per hour (RATE_LIMIT_IP_SIGNUPS_PER_HOUR). */
  readonly signUpsPerIp: RateLimit;
  /** New guests per client IP per hour (RATE_LIMIT_IP_GUESTS_PER_HOUR). */
  readonly guestsPerIp: RateLimit;
  /**
   * Takes one message from the sender's (per minute and per day) and the IP's allowance;
   * throws RateLimited when one is used up. Senders in RATE_LIMIT_EXEMPT_EMAILS are not
   * counted at all. Resolves with the allowance closest to running out (for RateLimit-* headers).
   */
  checkMessageLimits(sender: {
    ownerId: string;
    email?: string | null;
    ip: string;
  }): Promise<RateLimitResult>;
  /** Takes one upload (a file or an import) from the IP's allowance; throws RateLimited. */
  checkUploadLimit(ip: string): Promise<void>;
  /** Takes one sign-in attempt for the email and the IP (no exemptions: this guards passwords). */
  checkSignInLimits(attempt: { email: string; ip: string }): Promise<void>;
  /** Resolves when the store answers (a Redis PING); at once in memory. */
  ping(): Promise<void>;
  /** Takes one sign-up from the IP's allowance (each costs a password hash); throws RateLimited. */
  checkSignUpLimit(ip: string): Promise<void>;
  /** Takes one new guest from the IP's allowance (each is rows in the database); throws RateLimited. */
  checkGuestLimit(ip: string): Promise<void>;
  /** Closes the Redis connection if createRateLimits opened it (a passed-in client is the caller's). */
  close(): Promise<void>;
}

export interface RateLimitsDeps {
  config: Pick<Config, "redisUrl" | "limits">;
  /** A connected client to use instead of opening one from `config.redisUrl` (tests). */
  redis?: Redis;
  /** Separates deployments (and test runs) sharing one Redis. */
  keyPrefix?: string;
  /** Told about Redis connection errors (limits fall back to memory meanwhile). */
  onRedisError?: (error: Error) => void;
  /** Told of every refusal, by limit (the rate-limited metric). */
  onLimited?: (limit: LimitName) => void;
}

/** The app's limits, in memory or in Redis: the one place that chooses, from config. */
export function createRateLimits(deps: RateLimitsDeps): RateLimits {
  const { config, keyPrefix = "parley:limits" } = deps;
  const ownRedis =
    !deps.redis && config.redisUrl
      ? createRedisClient(config.redisUrl, deps.onRedisError)
      : undefined;
  const redis = deps.redis ?? ownRedis;

  const build = (name: LimitName, shape: { limit: number; windowSeconds: number }) => {
    const options = { ...shape, keyPrefix: `${keyPrefix}:${name}` };
    const limit = redis
      ? createRedisRateLimit({ ...options, redis })
      : createMemoryRateLimit(options);
    const { onLimited } = deps;
    if (!onLimited || limit.limit === 0) return limit;
    return {
      ...limit,
      async consume(key: string) {
        const result = await limit.consume(key);
        if (!result.allowed) onLimited(name);
        return result;
      },
    };
  };
  const perMinute = (name: LimitName, limit: number) => build(name, { limit, windowSeconds: 60 });
  const perHour = (name: LimitName, limit: number) => build(name, { limit, windowSeconds: 3600 });
  const messagesPerOwner = perMinute("messagesPerOwner", config.limits.messagesPerMinute);
  const messagesPerIp = perMinute("messagesPerIp", config.limits.ipMessagesPerMinute);
  const messagesPerDay = build("messagesPerDay", {
    limit: config.limits.messagesPerDay,
    windowSeconds: 24 * 60 * 60,
  });
  const signInPerEmail = build("signInPerEmail", SIGN_IN_PER_EMAIL);
  const signInPerIp = build("signInPerIp", SIGN_IN_PER_IP);
  const uploadsPerIp = perMinute("uploadsPerIp", config.limits.ipUploadsPerMinute);
  const signUpsPerIp = perHour("signUpsPerIp", config.limits.ipSignUpsPerHour);
  const guestsPerIp = perHour("guestsPerIp", config.limits.ipGuestsPerHour);
  /** Takes one point of a single limit for `key`; throws RateLimited over it. */
  const take = async (name: LimitName, limit: RateLimit, key: string, what: string) => {
    const result = await limit.consume(key);
    if (!result.allowed) throw refusal(name, result, what);
  };
  const exempt = new Set(config.limits.exemptEmails.map((email) => email.toLowerCase()));

  return {
    store: redis ? "redis" : "memory",
    messagesPerOwner,
    messagesPerIp,
    messagesPerDay,
    signInPerEmail,
    signInPerIp,
    uploadsPerIp,
    signUpsPerIp,
    guestsPerIp,
    checkUploadLimit: (ip) => take("uploadsPerIp", uploadsPerIp, ip, "uploads"),
    async checkMessageLimits({ ownerId, email, ip }) {
      if (email && exempt.has(email.toLowerCase())) return NEVER_LIMITED;
      // One after the other: a sender already over their own limit does not use up the IP's
      // allowance, which others behind the same NAT share.
      const byOwner = await messagesPerOwner.consume(ownerId);
      if (!byOwner.allowed) throw refusal("messagesPerOwner", byOwner, "messages");
      const byDay = await messagesPerDay.consume(ownerId);
      if (!byDay.allowed) throw refusal("messagesPerDay", byDay, "messages today");
      const byIp = await messagesPerIp.consume(ip);
      if (!byIp.allowed) throw refusal("messagesPerIp", byIp, "messages");
      return [byOwner, byDay, byIp].reduce((tightest, result) =>
        result.limit !== 0 && (tightest.limit === 0 || result.remaining < tightest.remaining)
          ? result
          : tightest,
      );
    },
    async checkSignInLimits({ email, ip }) {
      const byEmail = await signInPerEmail.consume(email.toLowerCase());
      if (!byEmail.allowed) throw refusal("signInPerEmail", byEmail, "sign-in attempts");
      const byIp = await signInPerIp.consume(ip);
      if (!byIp.allowed) throw refusal("signInPerIp", byIp, "sign-in attempts");
    },
    async ping() {
      await redis?.ping();
    },
    checkSignUpLimit: (ip) => take("signUpsPerIp", signUpsPerIp, ip, "sign-ups"),
    checkGuestLimit: (ip) => take("guestsPerIp", guestsPerIp, ip, "new guests"),
    async close() {
      if (!ownRedis) return;
      // QUIT needs a live connection; otherwise stop reconnecting and drop it.
      if (ownRedis.status === "ready") await ownRedis.quit();
      else ownRedis.disconnect();
    },
  };
}
