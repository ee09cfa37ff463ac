import type { GenerationEvent } from "@parley/shared";
import {
  DEFAULT_LOG_TTL_MS,
  type EventLog,
  type GenerationMeta,
  type LoggedEvent,
  MAX_LOG_AGE_MS,
} from "./index.ts";

interface Entry {
  meta: GenerationMeta;
  events: LoggedEvent[];
  ended: boolean;
  /** Followers waiting for the next event or the end. */
  waiters: Set<() => void>;
  expiry: NodeJS.Timeout;
}

/** The event log of a single instance. */
export function createMemoryEventLog(options: { ttlMs?: number } = {}): EventLog {
  const ttlMs = options.ttlMs ?? DEFAULT_LOG_TTL_MS;
  const logs = new Map<string, Entry>();

  function expireAfter(generationId: string, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const entry = logs.get(generationId);
      if (!entry) return;
      logs.delete(generationId);
      wake(entry);
    }, ms);
    // Expiry alone must not keep the process alive.
    timer.unref();
    return timer;
  }

  function wake(entry: Entry) {
    const waiters = [...entry.waiters];
    entry.waiters.clear();
    for (const waiter of waiters) waiter();
  }

  function existing(generationId: string): Entry {
    const entry = logs.get(generationId);
    if (!entry) throw new Error(`no event log for generation ${generationId}`);
    return entry;
  }

  /** Resolves on the next append, end or expiry of `entry`, or when `signal` aborts. */
  function changed(entry: Entry, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        entry.waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      entry.waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  return {
    async open(generationId, meta) {
      if (logs.has(generationId)) throw new Error(`event log ${generationId} already exists`);
      logs.set(generationId, {
        meta,
        events: [],
        ended: false,
        waiters: new Set(),
        expiry: expireAfter(generationId, MAX_LOG_AGE_MS),
      });
    },

    async meta(generationId) {
      return logs.get(generationId)?.meta;
    },

    async append(generationId, event: GenerationEvent) {
      const entry = existing(generationId);
      if (entry.ended) throw new Error(`event log ${generationId} has ended`);
      const seq = entry.events.length;
      entry.events.push({ seq, event });
      wake(entry);
      return seq;
    },

    async read(generationId, fromSeq) {
      const entry = logs.get(generationId);
      if (!entry) return undefined;
      return { events: entry.events.slice(Math.max(0, fromSeq)), ended: entry.ended };
    },

    async *follow(generationId, fromSeq, signal) {
      let next = Math.max(0, fromSeq);
      while (!signal.aborted) {
        const entry = logs.get(generationId);
        if (!entry) return;
        while (next < entry.events.length) {
          yield entry.events[next] as LoggedEvent;
          next += 1;
          if (signal.aborted) return;
        }
        if (entry.ended) return;
        await changed(entry, signal);
      }
    },

    async end(generationId) {
      const entry = existing(generationId);
      if (entry.ended) return;
      entry.ended = true;
      clearTimeout(entry.expiry);
      entry.expiry = expireAfter(generationId, ttlMs);
      wake(entry);
    },

    async close() {
      for (const entry of logs.values()) {
        clearTimeout(entry.expiry);
        wake(entry);
      }
      logs.clear();
    },
  };
}
