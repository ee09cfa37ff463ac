// The generation bus of several instances, shared through Redis. Each instance keeps the logs of
// the generations it runs in memory (its own subscribers read them there) and copies them to
// Redis; other instances read them from Redis, one reader per generation serving all of that
// instance's subscribers. Stop requests, running lists and "a generation began" travel over
// pub/sub. Instances heartbeat; one whose heartbeat stops has its generations ended by a reaper
// on another instance.
//
// Keys (under `prefix`):
//   gen:<id>            the generation's info (JSON), until the log's time to live is over
//   gen:<id>:events     a Redis Stream: one entry per batch (`s` = first seq, `e` = JSON array
//                       of events), then an entry with `end` when the log has ended
//   msg:<id>            the generation of a message (the latest), as long as its log
//   writing:<id>        set while a generation writes that message
//   running:<ownerId>   hash: generation id → info, of the owner's running generations
//   instances           sorted set: instance id → its last heartbeat (ms)
//   instance:<id>       set: the generations that instance runs
//   reap:<id>           held by the instance ending a dead instance's generations
// Channels: <prefix>:stop (generation id), <prefix>:running (owner id), <prefix>:begun
// (message id).

import { randomUUID } from "node:crypto";
import type { GenerationEvent } from "@parley/shared";
import type { Redis } from "ioredis";
import type { Logger } from "../../log.ts";
import { type RedisConnector, whenReady } from "../../redis.ts";
import {
  DEFAULT_LOG_TTL_MS,
  type GenerationBus,
  type GenerationInfo,
  type LoggedEvent,
  MAX_LOG_AGE_MS,
} from "./index.ts";
import { createMemoryBus } from "./memory.ts";
import { OwnerWatchers } from "./owner-watchers.ts";

/** Entries kept per stream at most: a 5,000-token answer in single-event batches fits. */
const STREAM_MAX_ENTRIES = 20_000;
const HEARTBEAT_MS = 5_000;
/** An instance silent for this long is dead; its generations are ended by another. */
export const INSTANCE_DEAD_AFTER_MS = 15_000;
/** How long a blocking read waits before checking whether anyone still listens. */
const READ_BLOCK_MS = 2_000;

export interface RedisBusOptions {
  /** Commands. */
  redis: Redis;
  /** Makes further connections (pub/sub, blocking reads) like `redis`. */
  connect: RedisConnector;
  prefix: string;
  ttlMs?: number;
  log: Logger;
  /**
   * The ending event of a generation whose instance died: its answer is saved as it was at its
   * last checkpoint (marked interrupted), and subscribers end with this.
   */
  abandoned(info: GenerationInfo): Promise<GenerationEvent>;
  /** Test knobs: a dead instance is noticed sooner. */
  heartbeatMs?: number;
  deadAfterMs?: number;
}

export interface RedisBus extends GenerationBus {
  readonly instanceId: string;
  /** Publishes on a channel of this bus's (other parts of the app share the connection). */
  publish(channel: string, message: string): Promise<void>;
  /** Hears a channel of this bus's. */
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  /** Ends the generations of dead instances now (the reaper also runs on a timer). */
  reap(): Promise<void>;
}

interface RemoteLog {
  events: LoggedEvent[];
  ended: boolean;
  failure?: unknown;
  followers: number;
  waiters: Set<() => void>;
  /** The id of the last stream entry read. */
  lastId: string;
  /** Its log was seen to exist (or end) since the reader last waited in vain. */
  known: boolean;
  /** When its log was last seen to exist (an entry read, or the check). */
  seenAt: number;
  /** The reader has asked for this stream at least once. */
  read: boolean;
}

interface Wire {
  generationId: string;
  ownerId: string;
  conversationId: string;
  messageId: string;
  model: string;
  startedAt: string;
}

const toWire = (info: GenerationInfo): string =>
  JSON.stringify({ ...info, startedAt: info.startedAt.toISOString() } satisfies Wire);
const fromWire = (text: string): GenerationInfo => {
  const wire = JSON.parse(text) as Wire;
  return { ...wire, startedAt: new Date(wire.startedAt) };
};

export async function createRedisBus(options: RedisBusOptions): Promise<RedisBus> {
  const { redis, prefix, log } = options;
  const ttlMs = options.ttlMs ?? DEFAULT_LOG_TTL_MS;
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const deadAfterMs = options.deadAfterMs ?? INSTANCE_DEAD_AFTER_MS;
  const instanceId = randomUUID();
  const key = {
    info: (id: string) => `${prefix}:gen:${id}`,
    events: (id: string) => `${prefix}:gen:${id}:events`,
    message: (id: string) => `${prefix}:msg:${id}`,
    writing: (id: string) => `${prefix}:writing:${id}`,
    running: (ownerId: string) => `${prefix}:running:${ownerId}`,
    instances: `${prefix}:instances`,
    instance: (id: string) => `${prefix}:instance:${id}`,
    reap: (id: string) => `${prefix}:reap:${id}`,
  };
  const channel = (name: string) => `${prefix}:${name}`;

  /** This instance's own generations, with their subscribers here. */
  const local = createMemoryBus({ ttlMs });
  const ownerWatchers = new OwnerWatchers();
  const messageWaiters = new Map<string, Set<() => void>>();
  const stopListeners: ((generationId: string) => void)[] = [];
  const channelListeners = new Map<string, ((message: string) => void)[]>();
  const remotes = new Map<string, RemoteLog>();
  let closed = false;

  // One connection in subscriber mode for every channel of this instance.
  const subscriber = options.connect("parley-bus-events", { queueWhileOffline: true });
  subscriber.on("message", (name: string, message: string) => {
    for (const listener of channelListeners.get(name) ?? []) listener(message);
  });
  async function subscribe(name: string, listener: (message: string) => void) {
    const full = channel(name);
    const listeners = channelListeners.get(full) ?? [];
    channelListeners.set(full, listeners);
    listeners.push(listener);
    if (listeners.length === 1) await subscriber.subscribe(full);
  }
  await subscribe("stop", (generationId) => {
    for (const listener of stopListeners) listener(generationId);
  });
  await subscribe("running", (ownerId) => ownerWatchers.tell(ownerId));
  await subscribe("begun", (messageId) => {
    for (const waiter of messageWaiters.get(messageId) ?? []) waiter();
  });

  // Appends of one turn go to Redis together: one XADD per generation, one round trip.
  const outgoing = new Map<string, { first: number; events: GenerationEvent[] }>();
  let flushing: Promise<void> = Promise.resolve();
  let flushScheduled = false;
  const brokenLogs = new Set<string>();
  function scheduleFlush() {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      flushing = flushing.then(flush);
    });
  }
  async function flush() {
    if (outgoing.size === 0) return;
    const batches = [...outgoing];
    outgoing.clear();
    const pipeline = redis.pipeline();
    for (const [generationId, batch] of batches) {
      pipeline.xadd(
        key.events(generationId),
        "MAXLEN",
        "~",
        STREAM_MAX_ENTRIES,
        "*",
        "s",
        String(batch.first),
        "e",
        JSON.stringify(batch.events),
      );
    }
    try {
      const results = (await pipeline.exec()) ?? [];
      for (const [index, [error]] of results.entries()) {
        if (error) throw error;
        void index;
      }
    } catch (error) {
      // Subscribers here keep reading from memory; those elsewhere are told to reload.
      for (const [generationId] of batches) {
        if (!brokenLogs.has(generationId)) {
          brokenLogs.add(generationId);
          log.warn({ err: error, generationId }, "could not copy a generation's events to Redis");
        }
      }
    }
  }

  /** Ends that could not reach Redis, told again with the next heartbeat. */
  const unfinishedEnds = new Map<string, GenerationInfo>();

  async function endInRedis(ended: GenerationInfo) {
    const { generationId } = ended;
    await redis
      .multi()
      .xadd(key.events(generationId), "*", "end", "1")
      .pexpire(key.events(generationId), ttlMs)
      .pexpire(key.info(generationId), ttlMs)
      .pexpire(key.message(ended.messageId), ttlMs)
      .del(key.writing(ended.messageId))
      .hdel(key.running(ended.ownerId), generationId)
      .srem(key.instance(instanceId), generationId)
      .publish(channel("running"), ended.ownerId)
      .exec();
  }

  function wake(log: RemoteLog) {
    const waiters = [...log.waiters];
    log.waiters.clear();
    for (const waiter of waiters) waiter();
  }

  /**
   * The one reader of this instance: a blocking XREAD over the streams of every generation
   * followed here from elsewhere, so each round trip brings whatever arrived on all of them.
   * A new stream to follow interrupts the wait (CLIENT UNBLOCK) to join at once.
   */
  const reading: { connection?: Redis; clientId?: number; running: boolean } = { running: false };

  async function readRemotes() {
    reading.running = true;
    const connection = options.connect("parley-bus-reader");
    reading.connection = connection;
    try {
      await whenReady(connection, 3_000);
      reading.clientId = Number(await connection.client("ID"));
      while (!closed && remotes.size > 0) {
        const followed = [...remotes.entries()];
        // Logs that are gone (or never were) have nothing to wait for.
        const unknown = followed.filter(([, remote]) => !remote.known);
        if (unknown.length > 0) {
          const exist = await Promise.all(unknown.map(([id]) => redis.exists(key.info(id))));
          for (const [index, [, remote]] of unknown.entries()) {
            remote.known = true;
            remote.seenAt = Date.now();
            if (!exist[index]) end(remote);
          }
        }
        const open = followed.filter(([, remote]) => !remote.ended);
        for (const [, remote] of open) remote.read = true;
        if (open.length === 0) {
          // Their followers leave; wait for them (or new ones) without spinning.
          await new Promise((resolve) => setTimeout(resolve, 10));
          continue;
        }
        const result = (await connection.xread(
          "COUNT",
          1_000,
          "BLOCK",
          READ_BLOCK_MS,
          "STREAMS",
          ...open.map(([id]) => key.events(id)),
          ...open.map(([, remote]) => remote.lastId),
        )) as [string, [string, string[]][]][] | null;
        if (!result) {
          // Quiet for a while: a quiet log may have expired meanwhile; look again. (A read
          // interrupted to add a stream also ends with nothing: logs seen since are not looked
          // at again.)
          const quietSince = Date.now() - READ_BLOCK_MS;
          for (const [, remote] of open) if (remote.seenAt <= quietSince) remote.known = false;
          continue;
        }
        const byKey = new Map(open.map(([id, remote]) => [key.events(id), remote]));
        for (const [streamKey, entries] of result) {
          const remote = byKey.get(streamKey);
          if (remote) take(remote, entries);
        }
      }
    } catch (error) {
      // Every follower here is told (its stream ends with "reload"); a new one starts again.
      for (const remote of remotes.values()) {
        if (closed) break;
        remote.failure = error;
        end(remote);
      }
      remotes.clear();
    } finally {
      connection.disconnect();
      reading.connection = undefined;
      reading.clientId = undefined;
      reading.running = false;
    }
    // Followed meanwhile, after the loop had decided to stop.
    if (!closed && remotes.size > 0) void readRemotes();
  }

  /** A stream's new entries into its log here. */
  function take(remote: RemoteLog, entries: [string, string[]][]) {
    remote.seenAt = Date.now();
    for (const [id, fields] of entries) {
      remote.lastId = id;
      const entry = fieldsOf(fields);
      if (entry.end !== undefined) {
        end(remote);
        continue;
      }
      const first = Number(entry.s);
      const events = JSON.parse(entry.e ?? "[]") as GenerationEvent[];
      for (const [offset, event] of events.entries()) {
        const seq = first + offset;
        // A batch appended twice (a retried write) adds nothing.
        if (seq === remote.events.length) remote.events.push({ seq, event });
      }
    }
    wake(remote);
  }

  function end(remote: RemoteLog) {
    remote.ended = true;
    wake(remote);
  }

  /** Reads a generation run elsewhere into memory, for as long as anyone here follows it. */
  function remoteLog(generationId: string): RemoteLog {
    const existing = remotes.get(generationId);
    if (existing) return existing;
    const remote: RemoteLog = {
      events: [],
      ended: false,
      followers: 0,
      waiters: new Set(),
      lastId: "0-0",
      known: false,
      seenAt: Number.NEGATIVE_INFINITY,
      read: false,
    };
    remotes.set(generationId, remote);
    if (!reading.running) void readRemotes();
    else void interruptReader(remote);
    return remote;
  }

  /**
   * Interrupts the reader's wait so that it reads `remote` too. The unblock travels on another
   * connection and may overtake the read it is meant for: then it is sent again, a little later.
   */
  async function interruptReader(remote: RemoteLog) {
    for (let attempt = 0; attempt < 20 && !remote.read && !closed; attempt++) {
      const clientId = reading.clientId;
      if (clientId !== undefined) {
        const unblocked = await redis.client("UNBLOCK", clientId).catch(() => 0);
        if (unblocked === 1) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  async function* followRemote(
    generationId: string,
    fromSeq: number,
    signal: AbortSignal,
  ): AsyncGenerator<LoggedEvent[]> {
    const remote = remoteLog(generationId);
    remote.followers += 1;
    let next = Math.max(0, fromSeq);
    try {
      while (!signal.aborted) {
        if (remote.failure) throw remote.failure;
        if (next < remote.events.length) {
          const batch = remote.events.slice(next);
          next = remote.events.length;
          yield batch;
          continue;
        }
        if (remote.ended) {
          if (remote.failure) throw remote.failure;
          return;
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            remote.waiters.delete(done);
            signal.removeEventListener("abort", done);
            resolve();
          };
          remote.waiters.add(done);
          signal.addEventListener("abort", done, { once: true });
        });
      }
    } finally {
      remote.followers -= 1;
      // The reader leaves it out from its next read on; the events go with it.
      if (remote.followers === 0 && remotes.get(generationId) === remote) {
        remotes.delete(generationId);
      }
    }
  }

  async function info(generationId: string): Promise<GenerationInfo | undefined> {
    const here = await local.info(generationId);
    if (here) return here;
    const text = await redis.get(key.info(generationId));
    return text ? fromWire(text) : undefined;
  }

  async function running(ownerId: string): Promise<GenerationInfo[]> {
    const all = await redis.hvals(key.running(ownerId));
    return all.map(fromWire).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  }

  /** Ends a generation whose instance died: its ending event, and out of every list. */
  async function endAbandoned(generationId: string) {
    const text = await redis.get(key.info(generationId));
    if (!text) return;
    const abandoned = fromWire(text);
    const entries = (await redis.xrevrange(key.events(generationId), "+", "-", "COUNT", 10)) as [
      string,
      string[],
    ][];
    if (entries.some(([, fields]) => fieldsOf(fields).end !== undefined)) return;
    let nextSeq = 0;
    for (const [, fields] of entries) {
      const entry = fieldsOf(fields);
      if (entry.s === undefined) continue;
      nextSeq = Math.max(
        nextSeq,
        Number(entry.s) + (JSON.parse(entry.e ?? "[]") as unknown[]).length,
      );
    }
    const ending = await options.abandoned(abandoned);
    await redis
      .multi()
      .xadd(key.events(generationId), "*", "s", String(nextSeq), "e", JSON.stringify([ending]))
      .xadd(key.events(generationId), "*", "end", "1")
      .pexpire(key.events(generationId), ttlMs)
      .pexpire(key.info(generationId), ttlMs)
      .pexpire(key.message(abandoned.messageId), ttlMs)
      .hdel(key.running(abandoned.ownerId), generationId)
      .del(key.writing(abandoned.messageId))
      .publish(channel("running"), abandoned.ownerId)
      .exec();
    log.warn({ generationId }, "ended a generation whose instance stopped answering");
  }

  async function reap() {
    const dead = await redis.zrangebyscore(key.instances, 0, Date.now() - deadAfterMs);
    for (const instance of dead) {
      if (instance === instanceId) continue;
      // One reaper per dead instance.
      const claimed = await redis.set(key.reap(instance), instanceId, "PX", 60_000, "NX");
      if (claimed !== "OK") continue;
      const generations = await redis.smembers(key.instance(instance));
      for (const generationId of generations) {
        await endAbandoned(generationId).catch((error: unknown) =>
          log.error({ err: error, generationId }, "could not end an abandoned generation"),
        );
      }
      await redis.multi().zrem(key.instances, instance).del(key.instance(instance)).exec();
    }
  }

  async function heartbeat() {
    await redis.zadd(key.instances, Date.now(), instanceId);
    for (const [generationId, ended] of unfinishedEnds) {
      await endInRedis(ended);
      unfinishedEnds.delete(generationId);
    }
  }
  await heartbeat();
  const timers = [
    setInterval(() => {
      heartbeat().catch((error: unknown) => log.warn({ err: error }, "heartbeat failed"));
    }, heartbeatMs),
    setInterval(
      () => {
        reap().catch((error: unknown) => log.warn({ err: error }, "reaping failed"));
      },
      // Staggered, so instances do not all look at once.
      heartbeatMs + Math.floor(Math.random() * heartbeatMs),
    ),
  ];
  for (const timer of timers) timer.unref();

  return {
    instanceId,

    async begin(info) {
      const wire = toWire(info);
      // Redis first: a generation Redis never heard of must not begin here either.
      await redis
        .multi()
        .set(key.info(info.generationId), wire, "PX", MAX_LOG_AGE_MS)
        .set(key.message(info.messageId), info.generationId, "PX", MAX_LOG_AGE_MS)
        .set(key.writing(info.messageId), info.generationId, "PX", MAX_LOG_AGE_MS)
        .hset(key.running(info.ownerId), info.generationId, wire)
        .sadd(key.instance(instanceId), info.generationId)
        .publish(channel("running"), info.ownerId)
        .publish(channel("begun"), info.messageId)
        .exec();
      await local.begin(info);
    },

    append(generationId, event) {
      const seq = local.append(generationId, event);
      const batch = outgoing.get(generationId);
      if (batch) batch.events.push(event);
      else outgoing.set(generationId, { first: seq, events: [event] });
      scheduleFlush();
      return seq;
    },

    async end(generationId) {
      const ended = await local.info(generationId);
      await local.end(generationId);
      if (!ended) return;
      // Everything appended goes before the end marker.
      if (outgoing.has(generationId)) flushing = flushing.then(flush);
      await flushing;
      brokenLogs.delete(generationId);
      try {
        await endInRedis(ended);
      } catch (error) {
        // Redis is away: the end is told once it is back (see heartbeat).
        unfinishedEnds.set(generationId, ended);
        throw error;
      }
    },

    info,

    async generationOf(messageId, signal) {
      for (;;) {
        // Registered before looking, so a begin between the two is not missed.
        let wake: () => void = () => {};
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
        });
        const waiters = messageWaiters.get(messageId) ?? new Set();
        messageWaiters.set(messageId, waiters);
        waiters.add(wake);
        try {
          const generationId = await redis.get(key.message(messageId));
          const found = generationId ? await info(generationId) : undefined;
          if (found || signal.aborted) return found;
          await new Promise<void>((resolve) => {
            void woken.then(resolve);
            signal.addEventListener("abort", () => resolve(), { once: true });
          });
          if (signal.aborted) {
            const late = await redis.get(key.message(messageId));
            return late ? info(late) : undefined;
          }
        } finally {
          waiters.delete(wake);
          if (waiters.size === 0) messageWaiters.delete(messageId);
        }
      }
    },

    async *follow(generationId, fromSeq, signal) {
      if (await local.info(generationId)) {
        yield* local.follow(generationId, fromSeq, signal);
        return;
      }
      yield* followRemote(generationId, fromSeq, signal);
    },

    running,

    changes(ownerId, signal) {
      return ownerWatchers.watch(ownerId, signal);
    },

    async writing(messageIds) {
      if (messageIds.length === 0) return undefined;
      const found = await redis.mget(messageIds.map((id) => key.writing(id)));
      const index = found.findIndex((value) => value !== null);
      return index < 0 ? undefined : messageIds[index];
    },

    async requestStop(generationId) {
      await redis.publish(channel("stop"), generationId);
    },

    onStopRequest(listener) {
      stopListeners.push(listener);
    },

    async publish(name, message) {
      await redis.publish(channel(name), message);
    },

    subscribe,

    reap,

    async close() {
      closed = true;
      for (const timer of timers) clearInterval(timer);
      await flushing;
      await redis
        .multi()
        .zrem(key.instances, instanceId)
        .del(key.instance(instanceId))
        .exec()
        .catch(() => {});
      for (const remote of remotes.values()) end(remote);
      remotes.clear();
      reading.connection?.disconnect();
      ownerWatchers.close();
      subscriber.disconnect();
      await local.close();
    },
  };
}

/** A stream entry's fields as an object. */
function fieldsOf(fields: string[]): Record<string, string> {
  const entry: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2)
    entry[fields[i] as string] = fields[i + 1] as string;
  return entry;
}
