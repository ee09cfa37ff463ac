import { TRPCError } from "@trpc/server";
import type { Redis } from "ioredis";
import type { Config } from "../config.ts";
import { createMemoryRateLimit } from "./memory.ts";
import { type RateLimit, type RateLimitResult, retryAfterSeconds } from "./rate-limit.ts";
import { createRedisClient, createRedisRateLimit } from "./redis.ts";

export { rateLimitHook, setRateLimitHeaders } from "./http.ts";
export type { RateLimit, RateLimitResult } from "./rate-limit.ts";
export { retryAfterSeconds } from "./rate-limit.ts";

/** Sign-in attempts per email per 15 minutes: enough for typos, too few to guess a password. */
export const SIGN_IN_PER_EMAIL = { limit: 10, windowSeconds: 15 * 60 };
/** Sign-in attempts per IP per 15 minutes: a shared office or NAT, not a credential-stuffing run. */
export const SIGN_IN_PER_IP = { limit: 50, windowSeconds: 15 * 60 };

export type LimitName =
  | "messagesPerOwner"
  | "messagesPerIp"
  | "signInPerEmail"
  | "signInPerIp"
  | "uploadsPerIp"
  | "signUpsPerIp"
  | "guestsPerIp";

/**
 * TOO_MANY_REQUESTS with the wait in whole seconds. The errorFormatter exposes
 * `retryAfterSeconds` in the error's `data` so clients can say when to try again.
 */
export class RateLimitError extends TRPCError {
  readonly retryAfterSeconds: number;
  /** Which limit refused: for logs, not for clients. */
  readonly limitName: LimitName;

  constructor(limitName: LimitName, result: RateLimitResult, what = "requests") {
    const seconds = retryAfterSeconds(result);
    super({
      code: "TOO_MANY_REQUESTS",
      message: `Too many ${what}: try again in ${seconds} s`,
      cause: new Error(`${limitName}: over ${result.limit} per window`),
    });
    this.retryAfterSeconds = seconds;
    this.limitName = limitName;
  }
}

export interface Limits {
  /** Where counts live: "redis" when REDIS_URL is set, so they hold across instances. */
  readonly store: "memory" | "redis";
  /** Messages per user or guest id per minute (RATE_LIMIT_MESSAGES_PER_MINUTE). */
  readonly messagesPerOwner: RateLimit;
  /** Messages per client IP per minute (RATE_LIMIT_IP_MESSAGES_PER_MINUTE). */
  readonly messagesPerIp: RateLimit;
  readonly signInPerEmail: RateLimit;
  readonly signInPerIp: RateLimit;
  /** File uploads and imports per client IP per minute (RATE_LIMIT_IP_UPLOADS_PER_MINUTE). */
  readonly uploadsPerIp: RateLimit;
  /** New accounts per client IP per hour (RATE_LIMIT_IP_SIGNUPS_PER_HOUR). */
  readonly signUpsPerIp: RateLimit;
  /** New guests per client IP per hour (RATE_LIMIT_IP_GUESTS_PER_HOUR). */
  readonly guestsPerIp: RateLimit;
  /**
   * Takes one message from the sender's and the IP's allowance; throws RateLimitError when
   * either is used up. Senders in RATE_LIMIT_EXEMPT_EMAILS are not counted at all.
   */
  checkMessageLimits(sender: { ownerId: string; email?: string | null; ip: string }): Promise<void>;
  /** Takes one upload (a file or an import) from the IP's allowance; throws RateLimitError. */
  checkUploadLimit(ip: string): Promise<void>;
  /** Takes one sign-in attempt for the email and the IP (no exemptions: this guards passwords). */
  checkSignInLimits(attempt: { email: string; ip: string }): Promise<void>;
  /** Takes one sign-up from the IP's allowance (each costs a password hash); throws RateLimitError. */
  checkSignUpLimit(ip: string): Promise<void>;
  /** Takes one new guest from the IP's allowance (each is rows in the database); throws RateLimitError. */
  checkGuestLimit(ip: string): Promise<void>;
  /** Closes the Redis connection if createLimits opened it (a passed-in client is the caller's). */
  close(): Promise<void>;
}

export interface LimitsDeps {
  config: Pick<Config, "redisUrl" | "limits">;
  /** A connected client to use instead of opening one from `config.redisUrl` (tests). */
  redis?: Redis;
  /** Separates deployments (and test runs) sharing one Redis. */
  keyPrefix?: string;
  /** Told about Redis connection errors (limits fall back to memory meanwhile). */
  onRedisError?: (error: Error) => void;
}

/** The app's limits, in memory or in Redis: the one place that chooses, from config. */
export function createLimits(deps: LimitsDeps): Limits {
  const { config, keyPrefix = "parley:limits" } = deps;
  const ownRedis =
    !deps.redis && config.redisUrl
      ? createRedisClient(config.redisUrl, deps.onRedisError)
      : undefined;
  const redis = deps.redis ?? ownRedis;

  const build = (name: LimitName, shape: { limit: number; windowSeconds: number }) => {
    const options = { ...shape, keyPrefix: `${keyPrefix}:${name}` };
    return redis ? createRedisRateLimit({ ...options, redis }) : createMemoryRateLimit(options);
  };
  const perMinute = (name: LimitName, limit: number) => build(name, { limit, windowSeconds: 60 });
  const perHour = (name: LimitName, limit: number) => build(name, { limit, windowSeconds: 3600 });
  const messagesPerOwner = perMinute("messagesPerOwner", config.limits.messagesPerMinute);
  const messagesPerIp = perMinute("messagesPerIp", config.limits.ipMessagesPerMinute);
  const signInPerEmail = build("signInPerEmail", SIGN_IN_PER_EMAIL);
  const signInPerIp = build("signInPerIp", SIGN_IN_PER_IP);
  const uploadsPerIp = perMinute("uploadsPerIp", config.limits.ipUploadsPerMinute);
  const signUpsPerIp = perHour("signUpsPerIp", config.limits.ipSignUpsPerHour);
  const guestsPerIp = perHour("guestsPerIp", config.limits.ipGuestsPerHour);
  /** Takes one point of a single limit for `key`; throws RateLimitError over it. */
  const take = async (name: LimitName, limit: RateLimit, key: string, what: string) => {
    const result = await limit.consume(key);
    if (!result.allowed) throw new RateLimitError(name, result, what);
  };
  const exempt = new Set(config.limits.exemptEmails.map((email) => email.toLowerCase()));

  return {
    store: redis ? "redis" : "memory",
    messagesPerOwner,
    messagesPerIp,
    signInPerEmail,
    signInPerIp,
    uploadsPerIp,
    signUpsPerIp,
    guestsPerIp,
    checkUploadLimit: (ip) => take("uploadsPerIp", uploadsPerIp, ip, "uploads"),
    async checkMessageLimits({ ownerId, email, ip }) {
      if (email && exempt.has(email.toLowerCase())) return;
      // One after the other: a sender already over their own limit does not use up the IP's
      // allowance, which others behind the same NAT share.
      const byOwner = await messagesPerOwner.consume(ownerId);
      if (!byOwner.allowed) throw new RateLimitError("messagesPerOwner", byOwner, "messages");
      const byIp = await messagesPerIp.consume(ip);
      if (!byIp.allowed) throw new RateLimitError("messagesPerIp", byIp, "messages");
    },
    async checkSignInLimits({ email, ip }) {
      const byEmail = await signInPerEmail.consume(email.toLowerCase());
      if (!byEmail.allowed) throw new RateLimitError("signInPerEmail", byEmail, "sign-in attempts");
      const byIp = await signInPerIp.consume(ip);
      if (!byIp.allowed) throw new RateLimitError("signInPerIp", byIp, "sign-in attempts");
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
