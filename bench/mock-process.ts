// Child process: the mock OpenAI upstream over real HTTP, instrumented to note when each
// benchmark request arrived and when each of its answer tokens left, on the shared clock.

import {
  createMockUpstream,
  listenMockUpstream,
  type MockUpstream,
} from "../server/src/llm/mock/index.ts";
import { now } from "./clock.ts";
import { serveParent } from "./ipc.ts";
import { tagIn } from "./models.ts";
import { createProbe } from "./probe.ts";

export interface UpstreamRecord {
  /** When the request reached the mock (its body read). */
  received: number;
  /** When each answer token was handed to the HTTP response. */
  emitted: number[];
}

export interface MockHello {
  baseURL: string;
}

// Answer-token events: a Chat Completions chunk with non-empty `delta.content`, or a Responses
// `response.output_text.delta` event. Each counts once, whatever else rides in the same chunk.
const TOKEN_EVENT = /"delta":\{"content":"(?!")|event: response\.output_text\.delta\n/g;

function countTokenEvents(text: string): number {
  return text.match(TOKEN_EVENT)?.length ?? 0;
}

function instrument(mock: MockUpstream, records: Map<string, UpstreamRecord>): MockUpstream {
  return {
    ...mock,
    async fetch(input, init) {
      const received = now();
      const tag = typeof init?.body === "string" ? tagIn(init.body) : undefined;
      const response = await mock.fetch(input, init);
      const streamed = response.headers.get("content-type")?.startsWith("text/event-stream");
      if (!tag || !streamed || !response.body) return response;
      const record: UpstreamRecord = { received, emitted: [] };
      records.set(tag, record);
      const decoder = new TextDecoder();
      const body = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            const at = now();
            const count = countTokenEvents(decoder.decode(chunk, { stream: true }));
            for (let i = 0; i < count; i++) record.emitted.push(at);
            controller.enqueue(chunk);
          },
        }),
      );
      return new Response(body, { status: response.status, headers: response.headers });
    },
  };
}

await serveParent(async () => {
  const tokens = Number(process.env.BENCH_TOKENS ?? 40);
  const delayMs = Number(process.env.BENCH_DELAY_MS ?? 5);
  const records = new Map<string, UpstreamRecord>();
  const mock = createMockUpstream({ defaultTokens: tokens, defaultTokenDelayMs: delayMs });
  const server = await listenMockUpstream(instrument(mock, records));
  const probe = createProbe();
  return {
    hello: { baseURL: server.baseURL } satisfies MockHello,
    handlers: {
      "stats-start": () => probe.start(),
      "stats-read": () => probe.read(),
      /** The records of these tags (forgotten afterwards), and the mock's own log emptied. */
      collect(payload) {
        const tags = payload as string[];
        const found: Record<string, UpstreamRecord> = {};
        for (const tag of tags) {
          const record = records.get(tag);
          if (record) found[tag] = record;
          records.delete(tag);
        }
        mock.clear();
        return found;
      },
    },
    close: () => server.close(),
  };
});
