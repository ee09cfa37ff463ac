// OIDC sign-ins sent to the provider and not yet answered, keyed by their `state`: in this
// process's memory on one instance, in Redis with several (the provider may send the browser
// back to any of them). Each is taken at most once, and expires.

import type { Redis } from "ioredis";

/** A sign-in sent to the provider and not yet answered. */
export interface PendingSignIn {
  codeVerifier: string;
  nonce: string;
  /** Where to send the person once signed in (already validated). */
  callback: string;
  /** The browser that started it (its binding cookie), so a forwarded link signs no one else in. */
  browser: string;
}

export interface PendingSignIns {
  put(state: string, signIn: PendingSignIn, ttlMs: number): Promise<void>;
  /** Takes a sign-in out (so a state is used once); undefined when unknown or expired. */
  take(state: string): Promise<PendingSignIn | undefined>;
}

/** A bound on unanswered sign-ins kept in memory, so a flood of /login requests cannot grow it. */
const MAX_PENDING_SIGN_INS = 10_000;

export function createMemoryPendingSignIns(): PendingSignIns {
  const pending = new Map<string, PendingSignIn & { expiresAt: number }>();
  return {
    async put(state, signIn, ttlMs) {
      if (pending.size >= MAX_PENDING_SIGN_INS) {
        for (const [key, entry] of pending) if (entry.expiresAt <= Date.now()) pending.delete(key);
      }
      // Still full: the oldest unanswered sign-in gives way (Maps keep insertion order).
      if (pending.size >= MAX_PENDING_SIGN_INS) {
        const oldest = pending.keys().next().value;
        if (oldest !== undefined) pending.delete(oldest);
      }
      pending.set(state, { ...signIn, expiresAt: Date.now() + ttlMs });
    },
    async take(state) {
      const entry = pending.get(state);
      pending.delete(state);
      if (!entry || entry.expiresAt <= Date.now()) return undefined;
      const { expiresAt: _expiresAt, ...signIn } = entry;
      return signIn;
    },
  };
}

export function createRedisPendingSignIns(redis: Redis, prefix: string): PendingSignIns {
  const key = (state: string) => `${prefix}:oidc:${state}`;
  return {
    async put(state, signIn, ttlMs) {
      await redis.set(key(state), JSON.stringify(signIn), "PX", ttlMs);
    },
    async take(state) {
      const text = await redis.getdel(key(state));
      return text ? (JSON.parse(text) as PendingSignIn) : undefined;
    },
  };
}
