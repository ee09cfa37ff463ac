// Resuming a stream: cut anywhere, resume with the last event id, lose and repeat nothing;
// many watchers see the same events; token events all have one size (acceptance 3, 7).

import { type GenerationEvent, wireTransformer } from "@parley/shared";
import { createTRPCClient, httpSubscriptionLink } from "@trpc/client";
import { EventSource, type EventSourceInit } from "eventsource";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../src/llm/mock/behaviour.ts";
import type { AppRouter } from "../src/trpc/router.ts";
import type { CookieJar } from "./helpers/server.ts";
import {
  API_MODELS,
  type ChatServer,
  type Client,
  expectRisingIds,
  readStream,
  type StreamedEvent,
  shownBy,
  startChatServer,
  textOf,
} from "./helpers/session.ts";

let server: ChatServer;
beforeAll(async () => {
  server = await startChatServer();
});
afterAll(() => server.close());

/** A whole stream: started first, final last, seqs rising, and the text of every token. */
function expectWholeLog(generationId: string, events: readonly StreamedEvent[]) {
  expectRisingIds(generationId, events);
  expect(events[0]?.event.type).toBe("started");
  const final = events.at(-1)?.event;
  expect(final?.type).toBe("final");
  expect(textOf(events)).toBe(final?.type === "final" ? final.text : undefined);
}

describe.each(API_MODELS)("resuming a generation over the $api API", ({ model }) => {
  let client: Client;
  let jar: CookieJar;
  beforeAll(() => {
    ({ client, jar } = server.newSession());
  });

  async function startLongAnswer(tokens: number, delay: number) {
    const { conversationId } = await client.conversations.create.mutate({ model });
    await client.conversations.update.mutate({ id: conversationId, title: "Resume" });
    return client.messages.send.mutate({
      conversationId,
      content: `[[mock tokens=${tokens} delay=${delay} reasoning=3]] A long answer`,
    });
  }

  it("resumes after 50 random cut points with nothing missing or repeated", async () => {
    const tokens = 150;
    const { generationId } = await startLongAnswer(tokens, 3);
    // seqs: started, 3 reasoning, the tokens, final.
    const lastSeq = 1 + 3 + tokens;
    // Seeded: the same cut points on every run.
    const random = seededRandom(model.length * 7919);
    const cuts = Array.from({ length: 50 }, () => Math.floor(random() * lastSeq));

    // All at once while the answer streams: early cuts resume live, late ones from the log.
    const runs = await Promise.all(
      cuts.map(async (cut) => {
        const first = await readStream(client, { generationId }, { untilSeq: cut });
        const lastEventId = first.events.at(-1)?.id;
        const rest = await readStream(client, {
          generationId,
          ...(lastEventId ? { lastEventId } : {}),
        });
        return { cut, first, rest };
      }),
    );

    const reference = await readStream(client, { generationId });
    expectWholeLog(generationId, reference.events);
    const final = reference.events.at(-1)?.event as Extract<GenerationEvent, { type: "final" }>;
    expect(final.text).toBe(textOf(reference.events));
    expect(reference.events.at(-1)?.id).toBe(`${generationId}:${lastSeq}`);
    for (const { cut, first, rest } of runs) {
      expect({ cut, end: first.end }).toEqual({ cut, end: "cut" });
      expect(rest.end).toBe("complete");
      const joined = [...first.events, ...rest.events];
      expectWholeLog(generationId, joined);
      expect({ cut, ...shownBy(joined) }).toEqual({ cut, ...shownBy(reference.events) });
    }
  });

  it("gives three concurrent watchers identical event sequences", async () => {
    const { generationId } = await startLongAnswer(60, 2);
    const watchers = await Promise.all([1, 2, 3].map(() => readStream(client, { generationId })));
    const [first, ...others] = watchers.map(({ events }) => events);
    expectWholeLog(generationId, first ?? []);
    for (const events of others) {
      expectWholeLog(generationId, events);
      expect(shownBy(events)).toEqual(shownBy(first ?? []));
    }
  });

  it("pads streamed text to whole 64-byte frames, one size for every usual token", async () => {
    const { generationId } = await startLongAnswer(80, 1);
    await readStream(client, { generationId });
    const input = encodeURIComponent(JSON.stringify(superjson.serialize({ generationId })));
    const response = await fetch(`${server.url}/trpc/generations.stream?input=${input}`, {
      headers: { cookie: jar.header() },
    });
    // Replayed from the log, the whole answer comes as one event of each kind; a live reader
    // gets one per token (below), and every frame is padded alike.
    const frames = (await response.text())
      .split("\n\n")
      .filter((frame) => frame.includes('"pad":'));
    expect(frames.length).toBeGreaterThan(0);
    for (const frame of frames) expect(Buffer.byteLength(`${frame}\n\n`) % 64).toBe(0);

    const live = await startLongAnswer(40, 5);
    const liveInput = encodeURIComponent(
      JSON.stringify(superjson.serialize({ generationId: live.generationId })),
    );
    const liveResponse = await fetch(`${server.url}/trpc/generations.stream?input=${liveInput}`, {
      headers: { cookie: jar.header() },
    });
    const sizes = new Set<number>();
    let short = 0;
    for (const frame of (await liveResponse.text()).split("\n\n")) {
      const data = frame.split("\n").find((line) => line.startsWith("data: "));
      if (!data?.includes('"pad":')) continue;
      const event = JSON.parse(data.slice("data: ".length)) as { type: string; text: string };
      expect(Buffer.byteLength(`${frame}\n\n`) % 64).toBe(0);
      if (event.type !== "token" || Buffer.byteLength(event.text) > 12) continue;
      short += 1;
      sizes.add(Buffer.byteLength(`${frame}\n\n`));
    }
    // Most of the 40 tokens came one per frame, all of one size.
    expect(short).toBeGreaterThan(20);
    expect([...sizes]).toHaveLength(1);
  });
});

describe("a client whose connection drops", () => {
  it("reconnects with its last event id and misses nothing", async () => {
    const { client, jar } = server.newSession();
    const { conversationId } = await client.conversations.create.mutate({ model: "parley-demo" });
    await client.conversations.update.mutate({ id: conversationId, title: "Drop" });
    const { generationId } = await client.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=60 delay=3]] Drop me",
    });

    const requests: (string | null)[] = [];
    const dropping = droppingClient(server.url, jar, 10, requests);
    const events = await new Promise<StreamedEvent[]>((resolve, reject) => {
      const received: StreamedEvent[] = [];
      const subscription = dropping.generations.stream.subscribe(
        { generationId },
        {
          onData: ({ id, data }) => received.push({ id, event: data }),
          onComplete: () => resolve(received),
          onError: (error) => {
            subscription.unsubscribe();
            reject(error);
          },
        },
      );
    });

    // The first connection ended after 10 events; the second resumed after the 10th.
    expect(requests).toEqual([null, events[9]?.id]);
    expectWholeLog(generationId, events);
    const reference = await readStream(client, { generationId });
    expect(shownBy(events)).toEqual(shownBy(reference.events));
  });
});

/**
 * A client whose first SSE connection breaks after `dropAfter` events, as a flaky network
 * would, and which asks the EventSource to reconnect after 10 ms instead of 3 s. `requests`
 * gets the Last-Event-ID header of each connection.
 */
function droppingClient(
  url: string,
  jar: CookieJar,
  dropAfter: number,
  requests: (string | null)[],
) {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const sseFetch = async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    headers.set("cookie", jar.header());
    requests.push(headers.get("last-event-id"));
    const response = await fetch(input, { ...init, headers });
    if (requests.length > 1 || !response.body) return response;

    const reader = response.body.getReader();
    let buffer = "";
    let passed = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode("retry: 10\n\n"));
      },
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) return controller.close();
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end + 2);
          buffer = buffer.slice(end + 2);
          controller.enqueue(encoder.encode(block));
          if (/^id: ./m.test(block)) passed += 1;
          if (passed === dropAfter) {
            await reader.cancel();
            return controller.close();
          }
          end = buffer.indexOf("\n\n");
        }
      },
      cancel: () => reader.cancel(),
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  class DroppingEventSource extends EventSource {
    constructor(url: string | URL, init?: EventSourceInit) {
      super(url, { ...init, fetch: sseFetch });
    }
  }
  return createTRPCClient<AppRouter>({
    links: [
      httpSubscriptionLink({
        url: `${url}/trpc`,
        transformer: wireTransformer,
        EventSource: DroppingEventSource,
      }),
    ],
  });
}
