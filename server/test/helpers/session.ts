// Chat tests: a server with short chat timeouts, one client (cookie jar) per owner, and
// helpers that read a generation's stream the way the web app does.

import type { GenerationEvent } from "@parley/shared";
import { expect } from "vitest";
import type { ChatOptions } from "../../src/chat/service.ts";
import { TITLE_INSTRUCTIONS } from "../../src/chat/titles.ts";
import type { MockRequestRecord, MockUpstream } from "../../src/llm/mock/index.ts";
import {
  CookieJar,
  createClient,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from "./server.ts";

export type Client = TestServer["client"];
export type SendInput = Parameters<Client["messages"]["send"]["mutate"]>[0];

/** The two upstream APIs, each through a demo model that speaks it. */
export const API_MODELS = [
  { api: "responses", model: "parley-demo-responses" },
  { api: "chat", model: "parley-demo" },
] as const;

/** Chat settings for tests: timeouts short enough to wait for. */
export const TEST_CHAT_OPTIONS: Partial<ChatOptions> = {
  // Long enough for a busy machine's stalls (the upstream starts with the send, and its first
  // event may wait behind other tests' work), short enough to wait for.
  idleTimeoutMs: 1_000,
  titleTimeoutMs: 2_000,
};

export interface ChatServer extends TestServer {
  /** A client with its own cookie jar: a new guest, so a different owner. */
  newOwner(): Client;
  /** The same, with the jar, for tests that make other clients of the same owner. */
  newSession(): { client: Client; jar: CookieJar };
}

/**
 * Like startTestServer, plus chat options, a fast mock upstream (1 ms per token, 12 tokens by
 * default), and no rate or guest limits (tests send far more than people do).
 */
export async function startChatServer(
  options: Omit<TestServerOptions, "mock"> = {},
): Promise<ChatServer> {
  const server = await startTestServer({
    ...options,
    env: {
      RATE_LIMIT_MESSAGES_PER_MINUTE: "0",
      RATE_LIMIT_IP_MESSAGES_PER_MINUTE: "0",
      GUEST_MESSAGE_LIMIT: "0",
      ...options.env,
    },
    mock: { defaultTokenDelayMs: 1, defaultTokens: 12 },
    chat: { ...TEST_CHAT_OPTIONS, ...options.chat },
  });
  const newSession = () => {
    const jar = new CookieJar();
    return { client: createClient(server.url, { jar }), jar };
  };
  return { ...server, newOwner: () => newSession().client, newSession };
}

export interface StreamedEvent {
  id: string;
  event: GenerationEvent;
}

export interface StreamResult {
  events: StreamedEvent[];
  /** complete: the server ended the stream; cut: we left after `take` events; error: refused. */
  end: "complete" | "cut" | "error";
  error?: unknown;
}

/**
 * Subscribes to generations.stream and collects events until the server ends the stream, or
 * until `take` events arrived (then unsubscribes, as a closing tab does).
 */
export function readStream(
  client: Client,
  input:
    | { generationId: string; lastEventId?: string }
    | { messageId: string; lastEventId?: string },
  options: {
    take?: number;
    /** Leave once an event numbered this or later has arrived. */
    untilSeq?: number;
    onEvent?: (event: StreamedEvent) => void;
  } = {},
): Promise<StreamResult> {
  return new Promise((resolve) => {
    const events: StreamedEvent[] = [];
    let done = false;
    const finish = (result: Omit<StreamResult, "events">) => {
      if (done) return;
      done = true;
      subscription.unsubscribe();
      resolve({ events, ...result });
    };
    const subscription = client.generations.stream.subscribe(input, {
      onData(envelope) {
        if (done) return;
        const streamed = { id: envelope.id, event: envelope.data };
        events.push(streamed);
        options.onEvent?.(streamed);
        if (options.take !== undefined && events.length >= options.take) finish({ end: "cut" });
        const seq = Number(streamed.id.slice(streamed.id.lastIndexOf(":") + 1));
        if (options.untilSeq !== undefined && seq >= options.untilSeq) finish({ end: "cut" });
      },
      onError(error) {
        finish({ end: "error", error });
      },
      onComplete() {
        finish({ end: "complete" });
      },
    });
  });
}

/** Sends and waits until the answer is written (its stream ends with "final"). */
export async function sendAndWait(client: Client, input: SendInput) {
  const sent = await client.messages.send.mutate(input);
  const { events } = await readStream(client, { generationId: sent.generationId });
  expect(events.at(-1)?.event.type).toBe("final");
  return { ...sent, events };
}

/** Sends, waits for the whole answer, and returns it with the request the mock received for it. */
export async function sendAndAnswer(server: ChatServer, client: Client, input: SendInput) {
  server.mock.clear();
  const sent = await sendAndWait(client, input);
  const [request] = answerRequests(server.mock);
  if (!request) throw new Error("no upstream request");
  return { ...sent, request };
}

/** The answer a client shows: the started text plus every token. */
export function textOf(events: readonly StreamedEvent[]): string {
  let text = "";
  for (const { event } of events) {
    if (event.type === "started") text = event.text;
    if (event.type === "token") text += event.text;
  }
  return text;
}

/**
 * The events' ids are `<generationId>:<seq>` with seqs rising from 0. Streamed text that piled
 * up while a reader was busy arrives merged into one event (numbered as the last it holds), so
 * seqs may skip; none repeats or goes back.
 */
export function expectRisingIds(generationId: string, events: readonly StreamedEvent[]) {
  const seqs = events.map(({ id }) => {
    expect(id.startsWith(`${generationId}:`)).toBe(true);
    return Number(id.slice(generationId.length + 1));
  });
  expect(seqs[0]).toBe(0);
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] ?? 0);
}

/**
 * What a stream shows, whichever of its streamed-text events were merged on the way: the events
 * other than streamed text, the text and the reasoning.
 */
export function shownBy(events: readonly StreamedEvent[]) {
  return {
    others: events.filter(({ event }) => event.type !== "token" && event.type !== "reasoning"),
    text: textOf(events),
    reasoning: reasoningOf(events),
  };
}

/** The reasoning a client shows: every reasoning event's text. */
export function reasoningOf(events: readonly StreamedEvent[]): string {
  return events.map(({ event }) => (event.type === "reasoning" ? event.text : "")).join("");
}

export function lastEvent(events: readonly StreamedEvent[]): GenerationEvent | undefined {
  return events.at(-1)?.event;
}

export function isTitleRequest(record: MockRequestRecord): boolean {
  const body = record.body as { instructions?: unknown; messages?: { content?: unknown }[] };
  return (
    body?.instructions === TITLE_INSTRUCTIONS || body?.messages?.[0]?.content === TITLE_INSTRUCTIONS
  );
}

/** Answer requests the mock received (title requests left out), oldest first. */
export function answerRequests(mock: MockUpstream): MockRequestRecord[] {
  return mock.requests.filter((record) => record.api !== "models" && !isTitleRequest(record));
}

/** What the mock received as the prompt of a request, in one shape for both APIs. */
export function promptOf(record: MockRequestRecord): { role: string; content: string }[] {
  const body = record.body as {
    instructions?: string;
    input?: { role: string; content: string }[];
    messages?: { role: string; content: string }[];
  };
  if (record.api === "responses") {
    return [
      ...(body.instructions ? [{ role: "system", content: body.instructions }] : []),
      ...(body.input ?? []),
    ];
  }
  return body.messages ?? [];
}

/** Polls until `check` passes (or throws its last failure after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
