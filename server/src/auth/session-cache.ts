// Who a cookie or a token is, remembered for a short while: most requests (every send, every
// stream) then read nothing from the database to know their caller. Signing out, revoking a
// session or a token, and a guest becoming an account forget the entries at once; the short
// life bounds anything else (another instance's change arrives through `onForget` listeners).

export interface CachedCaller {
  user: { id: string; email: string | null; name: string | null; guest: boolean };
  /** The session's (or token's) own expiry; null when it has none. */
  expiresAt: Date | null;
  /** The session (sha256 of the cookie) or token row this came from. */
  rowId: string;
}

/** How long an entry is trusted without asking the database again. */
export const CALLER_CACHE_TTL_MS = 30_000;
const MAX_ENTRIES = 100_000;

export type Forget = { session: string } | { user: string } | { token: string };

export function createCallerCache(options: { ttlMs?: number; now?: () => number } = {}) {
  const ttlMs = options.ttlMs ?? CALLER_CACHE_TTL_MS;
  const now = options.now ?? Date.now;
  /** By key (the sha256 of a cookie or token secret), oldest first. */
  const entries = new Map<string, CachedCaller & { until: number }>();
  /** Database reads in flight, by key, for `once`. */
  const reading = new Map<string, Promise<unknown>>();
  const listeners: ((forget: Forget) => void)[] = [];
  /** Forgets so far: a read that saw one happen meanwhile is not remembered. */
  let forgets = 0;

  function set(key: string, caller: CachedCaller) {
    entries.delete(key);
    entries.set(key, { ...caller, until: now() + ttlMs });
    // Oldest first: past the cap, the least recently stored go.
    if (entries.size > MAX_ENTRIES) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
  }

  function drop(matches: (entry: CachedCaller) => boolean) {
    for (const [key, entry] of entries) if (matches(entry)) entries.delete(key);
  }

  /** Forgets here only (what a listener applies when another instance forgot something). */
  function apply(forget: Forget) {
    // A read begun before the forget may have seen what is now gone: later callers read again,
    // and it is not remembered (see `once`).
    forgets += 1;
    reading.clear();
    if ("session" in forget) drop((entry) => entry.rowId === forget.session);
    else if ("token" in forget) drop((entry) => entry.rowId === forget.token);
    else drop((entry) => entry.user.id === forget.user);
  }

  return {
    get(key: string): CachedCaller | undefined {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.until <= now() || (entry.expiresAt && entry.expiresAt.getTime() <= now())) {
        entries.delete(key);
        return undefined;
      }
      return entry;
    },
    set,
    /**
     * Runs `read` for `key`, or joins the one already running for it: a burst of requests with
     * one cookie or token that is not cached (a script's parallel calls, a page's first queries)
     * reads the database once, not once per request. What `remember` makes of the result is
     * cached, unless something was forgotten while it was read.
     */
    once<T>(
      key: string,
      read: () => Promise<T>,
      remember: (result: T) => CachedCaller | undefined,
    ): Promise<T> {
      const running = reading.get(key);
      if (running) return running as Promise<T>;
      const since = forgets;
      const started = read()
        .then((result) => {
          const entry = remember(result);
          if (entry && forgets === since) set(key, entry);
          return result;
        })
        .finally(() => {
          if (reading.get(key) === started) reading.delete(key);
        });
      reading.set(key, started);
      return started;
    },
    /** Forgets everything about a session, a token or a user, here and (through listeners) elsewhere. */
    forget(forget: Forget) {
      apply(forget);
      for (const listener of listeners) listener(forget);
    },
    apply,
    onForget(listener: (forget: Forget) => void) {
      listeners.push(listener);
    },
  };
}

export type CallerCache = ReturnType<typeof createCallerCache>;
