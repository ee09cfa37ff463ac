// The generation bus of a single instance: everything in this process's memory.

import type { GenerationEvent } from "@parley/shared";
import {
  DEFAULT_LOG_TTL_MS,
  type GenerationBus,
  type GenerationInfo,
  type LoggedEvent,
  MAX_LOG_AGE_MS,
} from "./index.ts";
import { OwnerWatchers } from "./owner-watchers.ts";

interface Log {
  info: GenerationInfo;
  events: LoggedEvent[];
  ended: boolean;
  /** Readers waiting for the next event, the end or the expiry. */
  waiters: Set<() => void>;
  expiry: NodeJS.Timeout;
}

/** Callbacks waiting for `key`, each called once. */
class Waiters<T> {
  private readonly byKey = new Map<string, Set<(value: T) => void>>();

  add(key: string, waiter: (value: T) => void): () => void {
    const set = this.byKey.get(key) ?? new Set();
    this.byKey.set(key, set);
    set.add(waiter);
    return () => {
      set.delete(waiter);
      if (set.size === 0 && this.byKey.get(key) === set) this.byKey.delete(key);
    };
  }

  wake(key: string, value: T) {
    const set = this.byKey.get(key);
    if (!set) return;
    this.byKey.delete(key);
    for (const waiter of set) waiter(value);
  }

  clear() {
    this.byKey.clear();
  }
}

/** Resolves when `register`'s callback is called or `signal` aborts (with undefined). */
function until<T>(
  register: (resolve: (value: T) => void) => () => void,
  signal: AbortSignal,
): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const done = (value: T | undefined) => {
      unregister();
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    };
    const onAbort = () => done(undefined);
    const unregister = register(done);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export function createMemoryBus(options: { ttlMs?: number } = {}): GenerationBus {
  const ttlMs = options.ttlMs ?? DEFAULT_LOG_TTL_MS;
  const logs = new Map<string, Log>();
  /** The latest generation of each message with a readable log. */
  const byMessage = new Map<string, string>();
  /** Running generations by owner, in start order. */
  const runningByOwner = new Map<string, Map<string, GenerationInfo>>();
  const writingMessages = new Set<string>();
  const ownerWatchers = new OwnerWatchers();
  const messageWaiters = new Waiters<GenerationInfo>();
  const stopListeners: ((generationId: string) => void)[] = [];

  function wakeReaders(log: Log) {
    const waiters = [...log.waiters];
    log.waiters.clear();
    for (const waiter of waiters) waiter();
  }

  function expireAfter(generationId: string, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => drop(generationId), ms);
    // Expiry alone must not keep the process alive.
    timer.unref();
    return timer;
  }

  function drop(generationId: string) {
    const log = logs.get(generationId);
    if (!log) return;
    logs.delete(generationId);
    if (byMessage.get(log.info.messageId) === generationId) byMessage.delete(log.info.messageId);
    stopRunning(log.info);
    wakeReaders(log);
  }

  function stopRunning(info: GenerationInfo) {
    const running = runningByOwner.get(info.ownerId);
    if (!running?.delete(info.generationId)) return;
    if (running.size === 0) runningByOwner.delete(info.ownerId);
    writingMessages.delete(info.messageId);
    tellOwner(info.ownerId);
  }

  function tellOwner(ownerId: string) {
    ownerWatchers.tell(ownerId);
  }

  function existing(generationId: string): Log {
    const log = logs.get(generationId);
    if (!log) throw new Error(`no event log for generation ${generationId}`);
    return log;
  }

  return {
    async begin(info) {
      if (logs.has(info.generationId)) {
        throw new Error(`generation ${info.generationId} has already begun`);
      }
      logs.set(info.generationId, {
        info,
        events: [],
        ended: false,
        waiters: new Set(),
        expiry: expireAfter(info.generationId, MAX_LOG_AGE_MS),
      });
      byMessage.set(info.messageId, info.generationId);
      const running = runningByOwner.get(info.ownerId) ?? new Map();
      runningByOwner.set(info.ownerId, running);
      running.set(info.generationId, info);
      writingMessages.add(info.messageId);
      messageWaiters.wake(info.messageId, info);
      tellOwner(info.ownerId);
    },

    append(generationId, event: GenerationEvent) {
      const log = existing(generationId);
      if (log.ended) throw new Error(`the log of generation ${generationId} has ended`);
      const seq = log.events.length;
      log.events.push({ seq, event });
      wakeReaders(log);
      return seq;
    },

    async end(generationId) {
      const log = existing(generationId);
      if (log.ended) return;
      log.ended = true;
      clearTimeout(log.expiry);
      log.expiry = expireAfter(generationId, ttlMs);
      stopRunning(log.info);
      wakeReaders(log);
    },

    async info(generationId) {
      return logs.get(generationId)?.info;
    },

    async generationOf(messageId, signal) {
      const generationId = byMessage.get(messageId);
      const log = generationId === undefined ? undefined : logs.get(generationId);
      if (log) return log.info;
      return until<GenerationInfo>((resolve) => messageWaiters.add(messageId, resolve), signal);
    },

    async *follow(generationId, fromSeq, signal) {
      let next = Math.max(0, fromSeq);
      while (!signal.aborted) {
        const log = logs.get(generationId);
        if (!log) return;
        if (next < log.events.length) {
          const batch = log.events.slice(next);
          next = log.events.length;
          yield batch;
          continue;
        }
        if (log.ended) return;
        await until<void>((resolve) => {
          const wake = () => resolve();
          log.waiters.add(wake);
          return () => log.waiters.delete(wake);
        }, signal);
      }
    },

    async running(ownerId) {
      return [...(runningByOwner.get(ownerId)?.values() ?? [])];
    },

    changes(ownerId, signal) {
      return ownerWatchers.watch(ownerId, signal);
    },

    async writing(messageIds) {
      return messageIds.find((id) => writingMessages.has(id));
    },

    async requestStop(generationId) {
      for (const listener of stopListeners) listener(generationId);
    },

    onStopRequest(listener) {
      stopListeners.push(listener);
    },

    async close() {
      for (const log of logs.values()) {
        clearTimeout(log.expiry);
        wakeReaders(log);
      }
      logs.clear();
      byMessage.clear();
      runningByOwner.clear();
      writingMessages.clear();
      ownerWatchers.close();
      messageWaiters.clear();
      stopListeners.length = 0;
    },
  };
}
