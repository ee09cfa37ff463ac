// The generation bus contract, run against every implementation: in memory, and (with
// TEST_REDIS_URL) Redis, where a second bus plays another instance.

import type { GenerationEvent } from "@parley/shared";
import type { Redis } from "ioredis";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { GenerationBus, GenerationInfo, LoggedEvent } from "../src/chat/bus/index.ts";
import { createMemoryBus } from "../src/chat/bus/memory.ts";
import { createRedisBus, type RedisBus } from "../src/chat/bus/redis.ts";
import { silentLogger } from "../src/log.ts";
import { connectRedis, redisConnector } from "../src/redis.ts";
import { testRedisUrl, uniqueKeyPrefix } from "./helpers/redis.ts";

const redisUrl = testRedisUrl();

/** The ending every abandoned generation gets in these tests. */
const ABANDONED: GenerationEvent = {
  type: "final",
  text: "saved",
  interrupted: true,
  truncated: false,
  usage: null,
};

/** A Redis bus whose connections a test can cut, as a dying instance's would be. */
async function redisBus(
  url: string,
  prefix: string,
  options: { ttlMs?: number; heartbeatMs?: number; deadAfterMs?: number } = {},
) {
  const connections: Redis[] = [];
  const connector = redisConnector(url, silentLogger);
  const connect: typeof connector = (name, extra) => {
    const connection = connector(name, extra);
    connections.push(connection);
    return connection;
  };
  const redis = await connectRedis(url, connect);
  const bus = await createRedisBus({
    redis,
    connect,
    prefix,
    log: silentLogger,
    abandoned: async () => ABANDONED,
    ...options,
  });
  return {
    bus,
    /** Its command connection. */
    redis,
    /** As if the process were killed: no goodbye, connections gone. */
    kill() {
      for (const connection of connections) connection.disconnect();
    },
    async close() {
      await bus.close();
      redis.disconnect();
    },
  };
}

interface Buses {
  /** The instance that runs the generations. */
  here: GenerationBus;
  /** Another instance's view (the same bus when there is only one instance). */
  there: GenerationBus;
  close(): Promise<void>;
}

type Implementation = [string, (options: { ttlMs: number }) => Promise<Buses>];
const implementations: Implementation[] = [
  [
    "memory",
    async (options) => {
      const bus = createMemoryBus(options);
      return { here: bus, there: bus, close: () => bus.close() };
    },
  ],
  ...(redisUrl
    ? ([
        [
          "Redis",
          async (options: { ttlMs: number }) => {
            const prefix = uniqueKeyPrefix();
            const here = await redisBus(redisUrl, prefix, options);
            const there = await redisBus(redisUrl, prefix, options);
            return {
              here: here.bus,
              there: there.bus,
              close: async () => {
                await here.close();
                await there.close();
              },
            };
          },
        ],
      ] satisfies Implementation[])
    : []),
];

let sequence = 0;
function newInfo(overrides: Partial<GenerationInfo> = {}): GenerationInfo {
  sequence += 1;
  return {
    generationId: `g${sequence}-${Math.random().toString(36).slice(2)}`,
    ownerId: "owner",
    conversationId: "conversation",
    messageId: `m${sequence}-${Math.random().toString(36).slice(2)}`,
    model: "model",
    startedAt: new Date(1_700_000_000_000 + sequence),
    ...overrides,
  };
}
const token = (text: string): GenerationEvent => ({ type: "token", text, pad: "" });
const never = () => new AbortController().signal;

async function collect(iterable: AsyncIterable<LoggedEvent[]>): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  for await (const batch of iterable) events.push(...batch);
  return events;
}

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(implementations)("the %s generation bus", (_name, create) => {
  let buses: Buses;
  afterEach(() => buses.close());

  it("numbers events from 0 and replays from any seq, here and there", async () => {
    buses = await create({ ttlMs: 60_000 });
    const info = newInfo();
    await buses.here.begin(info);
    expect(buses.here.append(info.generationId, token("a"))).toBe(0);
    expect(buses.here.append(info.generationId, token("b"))).toBe(1);
    expect(buses.here.append(info.generationId, token("c"))).toBe(2);
    await buses.here.end(info.generationId);
    for (const bus of [buses.here, buses.there]) {
      expect(await bus.info(info.generationId)).toEqual(info);
      expect(await collect(bus.follow(info.generationId, 1, never()))).toEqual([
        { seq: 1, event: token("b") },
        { seq: 2, event: token("c") },
      ]);
    }
    expect(() => buses.here.append(info.generationId, token("d"))).toThrow();
  });

  it("follows the past, then each new event, until the end; a busy reader gets batches", async () => {
    buses = await create({ ttlMs: 60_000 });
    const info = newInfo();
    await buses.here.begin(info);
    buses.here.append(info.generationId, token("a"));
    const following = collect(buses.there.follow(info.generationId, 0, never()));
    const late = collect(buses.there.follow(info.generationId, 1, never()));
    await tick();
    buses.here.append(info.generationId, token("b"));
    await tick();
    buses.here.append(info.generationId, token("c"));
    await buses.here.end(info.generationId);
    const all = [0, 1, 2].map((seq) => ({ seq, event: token("abc"[seq] ?? "") }));
    expect(await following).toEqual(all);
    expect(await late).toEqual(all.slice(1));

    // Appended while nobody asked: one batch.
    const batches: LoggedEvent[][] = [];
    for await (const batch of buses.there.follow(info.generationId, 0, never())) {
      batches.push(batch);
    }
    expect(batches).toEqual([all]);
  });

  it("stops following when the signal aborts", async () => {
    buses = await create({ ttlMs: 60_000 });
    const info = newInfo();
    await buses.here.begin(info);
    const controller = new AbortController();
    const following = collect(buses.there.follow(info.generationId, 0, controller.signal));
    buses.here.append(info.generationId, token("a"));
    await tick(30);
    controller.abort();
    expect(await following).toEqual([{ seq: 0, event: token("a") }]);
  });

  it("forgets an ended log after its time to live, not before", async () => {
    buses = await create({ ttlMs: 1_000 });
    const info = newInfo();
    await buses.here.begin(info);
    buses.here.append(info.generationId, token("a"));
    await tick(1_200);
    // Still running: kept.
    expect(await buses.there.info(info.generationId)).toEqual(info);
    await buses.here.end(info.generationId);
    expect(await buses.there.info(info.generationId)).toEqual(info);
    await tick(1_300);
    expect(await buses.there.info(info.generationId)).toBeUndefined();
    expect(await collect(buses.there.follow(info.generationId, 0, never()))).toEqual([]);
  });

  it("knows nothing of generations that never began", async () => {
    buses = await create({ ttlMs: 60_000 });
    expect(await buses.there.info("nope")).toBeUndefined();
    expect(await collect(buses.there.follow("nope", 0, never()))).toEqual([]);
    expect(() => buses.here.append("nope", token("a"))).toThrow();
  });

  it("lists an owner's running generations, and tells watchers of each change", async () => {
    buses = await create({ ttlMs: 60_000 });
    const controller = new AbortController();
    const changes = buses.there.changes("owner-r", controller.signal);
    const first = newInfo({ ownerId: "owner-r" });
    const second = newInfo({ ownerId: "owner-r" });
    const someoneElse = newInfo({ ownerId: "owner-s" });
    const changed = changes.next();
    await buses.here.begin(first);
    await changed;
    await buses.here.begin(second);
    await buses.here.begin(someoneElse);
    await buses.here.end(first.generationId);
    await changes.next();
    expect(await buses.there.running("owner-r")).toEqual([second]);
    expect(await buses.there.running("owner-s")).toEqual([someoneElse]);
    controller.abort();
  });

  it("tells of a change made between asking for changes and the first read", async () => {
    buses = await create({ ttlMs: 60_000 });
    const controller = new AbortController();
    // As generations.active does: ask for changes, read the list, and only then wait.
    const changes = buses.there.changes("owner-w", controller.signal);
    expect(await buses.there.running("owner-w")).toEqual([]);
    const info = newInfo({ ownerId: "owner-w" });
    await buses.here.begin(info);
    await tick(50);
    const next = await Promise.race([changes.next(), tick(2_000).then(() => "missed")]);
    expect(next).toEqual({ done: false, value: undefined });
    controller.abort();
    expect(await changes.next()).toEqual({ done: true, value: undefined });
  });

  it("says which messages are being written, and stops saying it at the end", async () => {
    buses = await create({ ttlMs: 60_000 });
    const info = newInfo();
    await buses.here.begin(info);
    expect(await buses.there.writing(["other", info.messageId])).toBe(info.messageId);
    await buses.here.end(info.generationId);
    expect(await buses.there.writing(["other", info.messageId])).toBeUndefined();
  });

  it("finds a message's generation, waiting for it to begin", async () => {
    buses = await create({ ttlMs: 60_000 });
    const info = newInfo();
    const waiting = buses.there.generationOf(info.messageId, AbortSignal.timeout(5_000));
    await tick(20);
    await buses.here.begin(info);
    expect(await waiting).toEqual(info);
    // Once begun (and after it ends, within the time to live): at once.
    await buses.here.end(info.generationId);
    expect(await buses.there.generationOf(info.messageId, never())).toEqual(info);
    // Nothing ever begins: undefined when the wait is over.
    expect(await buses.there.generationOf("nope", AbortSignal.timeout(50))).toBeUndefined();
  });

  it("carries a stop request to every instance", async () => {
    buses = await create({ ttlMs: 60_000 });
    const heard: string[] = [];
    buses.here.onStopRequest((generationId) => heard.push(generationId));
    await buses.there.requestStop("g-stop");
    for (let i = 0; i < 100 && heard.length === 0; i++) await tick();
    expect(heard).toEqual(["g-stop"]);
  });
});

describe.runIf(redisUrl)("instances that die", () => {
  it("ends a dead instance's generations for every subscriber, and lists them no more", async () => {
    const url = redisUrl as string;
    const prefix = uniqueKeyPrefix();
    const timing = { heartbeatMs: 100, deadAfterMs: 500 };
    const dying = await redisBus(url, prefix, timing);
    const survivor = await redisBus(url, prefix, timing);
    try {
      const info = newInfo({ ownerId: "owner-dead" });
      await dying.bus.begin(info);
      dying.bus.append(info.generationId, token("a"));
      dying.bus.append(info.generationId, token("b"));
      await tick(50);
      const following = collect(survivor.bus.follow(info.generationId, 0, never()));
      dying.kill();
      await tick(timing.deadAfterMs + 200);
      await (survivor.bus as RedisBus).reap();
      expect(await following).toEqual([
        { seq: 0, event: token("a") },
        { seq: 1, event: token("b") },
        { seq: 2, event: ABANDONED },
      ]);
      expect(await survivor.bus.running("owner-dead")).toEqual([]);
      expect(await survivor.bus.writing([info.messageId])).toBeUndefined();
    } finally {
      await survivor.close();
      await dying.bus.close().catch(() => {});
    }
  });
});

describe.runIf(redisUrl)("following generations run elsewhere", () => {
  it("looks each one up once, however often its reader is interrupted to follow one more", async () => {
    const url = redisUrl as string;
    const prefix = uniqueKeyPrefix();
    const runner = await redisBus(url, prefix);
    const reader = await redisBus(url, prefix);
    const lookups = vi.spyOn(reader.redis, "exists");
    const stop = new AbortController();
    try {
      const count = 20;
      for (let i = 0; i < count; i++) {
        const info = newInfo();
        await runner.bus.begin(info);
        runner.bus.append(info.generationId, token(`t${i}`));
        // Followed while the reader waits on the others: it is interrupted to add this one.
        const events = reader.bus.follow(info.generationId, 0, stop.signal)[Symbol.asyncIterator]();
        expect((await events.next()).value).toEqual([{ seq: 0, event: token(`t${i}`) }]);
      }
      // One lookup per new generation (each interruption used to look them all up again:
      // about count × (count + 1) / 2).
      expect(lookups.mock.calls.length).toBeLessThanOrEqual(count + 5);
    } finally {
      stop.abort();
      await runner.close();
      await reader.close();
    }
  });
});
