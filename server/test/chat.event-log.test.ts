// The event log contract, run against every implementation (memory now; Redis to come).

import type { GenerationEvent } from "@parley/shared";
import { afterEach, describe, expect, it } from "vitest";
import type { EventLog, LoggedEvent } from "../src/chat/event-log/index.ts";
import { createMemoryEventLog } from "../src/chat/event-log/memory.ts";

const implementations: [string, (options: { ttlMs: number }) => EventLog][] = [
  ["memory", (options) => createMemoryEventLog(options)],
];

const meta = { ownerId: "owner", conversationId: "conversation", messageId: "message" };
const token = (text: string): GenerationEvent => ({ type: "token", text, pad: "" });

async function collect(iterable: AsyncIterable<LoggedEvent>): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  for await (const event of iterable) events.push(event);
  return events;
}

describe.each(implementations)("the %s event log", (_name, create) => {
  let log: EventLog;
  afterEach(() => log.close());

  it("numbers events from 0 and reads from any seq", async () => {
    log = create({ ttlMs: 60_000 });
    await log.open("g", meta);
    expect(await log.meta("g")).toEqual(meta);
    expect(await log.append("g", token("a"))).toBe(0);
    expect(await log.append("g", token("b"))).toBe(1);
    expect(await log.append("g", token("c"))).toBe(2);
    expect(await log.read("g", 1)).toEqual({
      events: [
        { seq: 1, event: token("b") },
        { seq: 2, event: token("c") },
      ],
      ended: false,
    });
    await log.end("g");
    expect((await log.read("g", 3))?.ended).toBe(true);
    await expect(log.append("g", token("d"))).rejects.toThrow();
  });

  it("follows: the past, then each new event, until the end", async () => {
    log = create({ ttlMs: 60_000 });
    await log.open("g", meta);
    await log.append("g", token("a"));
    const following = collect(log.follow("g", 0, new AbortController().signal));
    const late = collect(log.follow("g", 1, new AbortController().signal));
    await log.append("g", token("b"));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await log.append("g", token("c"));
    await log.end("g");
    const all = [0, 1, 2].map((seq) => ({ seq, event: token("abc"[seq] ?? "") }));
    expect(await following).toEqual(all);
    expect(await late).toEqual(all.slice(1));
    // A finished log replays and ends.
    expect(await collect(log.follow("g", 2, new AbortController().signal))).toEqual(all.slice(2));
  });

  it("stops following when the signal aborts", async () => {
    log = create({ ttlMs: 60_000 });
    await log.open("g", meta);
    const controller = new AbortController();
    const following = collect(log.follow("g", 0, controller.signal));
    await log.append("g", token("a"));
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    expect(await following).toEqual([{ seq: 0, event: token("a") }]);
  });

  it("forgets a finished log after its time to live, not before", async () => {
    log = create({ ttlMs: 50 });
    await log.open("g", meta);
    await log.append("g", token("a"));
    await new Promise((resolve) => setTimeout(resolve, 80));
    // Still running: kept.
    expect(await log.meta("g")).toEqual(meta);
    await log.end("g");
    expect(await log.meta("g")).toEqual(meta);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await log.meta("g")).toBeUndefined();
    expect(await log.read("g", 0)).toBeUndefined();
    expect(await collect(log.follow("g", 0, new AbortController().signal))).toEqual([]);
  });

  it("knows nothing of logs it never opened", async () => {
    log = create({ ttlMs: 60_000 });
    expect(await log.meta("nope")).toBeUndefined();
    expect(await log.read("nope", 0)).toBeUndefined();
    expect(await collect(log.follow("nope", 0, new AbortController().signal))).toEqual([]);
    await expect(log.append("nope", token("a"))).rejects.toThrow();
  });
});
