// How the benchmark's client reads one answer from each kind of target, all with plain `fetch`
// and the same SSE reader (sse.ts), taking times on the shared clock:
//   direct  the upstream itself: the request built and sent by the `openai` SDK, the raw stream
//           read by sse.ts (the SDK's own parsing would be client cost the others do not pay);
//   proxy   the bare proxy (bare-proxy-process.ts), the same request body;
//   parley  a new guest and a new conversation: messages.send that starts the conversation
//           (or conversations.create, then messages.send), then the generations.stream
//           subscription until `final`;
//   chat-api  Parley's raw route POST /api/chat-openai with an API token: the provider's own
//           stream with Parley's auth and limits in front, nothing stored.
// Every answer token carries its index and the time the upstream sent it (stamps.ts), so tokens
// are counted from the text received, however the target frames them.

import { randomUUID } from "node:crypto";
import OpenAI from "openai";
import type { ChatApiRequest } from "../shared/src/index.ts";
import { now } from "./clock.ts";
import { type BenchApi, modelFor } from "./models.ts";
import { eventSize, readSse, type SseEvent } from "./sse.ts";
import { readStamps } from "./stamps.ts";

export type TargetKind = "direct" | "proxy" | "parley" | "chat-api";

/** What one stream looked like from the client. Times in ms on the shared clock. */
export interface StreamSample {
  /** The client starts: the upstream or proxy request, or Parley's conversations.create. */
  start: number;
  /** Parley: conversations.create returned; messages.send starts. */
  created?: number;
  /** Parley: messages.send returned. */
  sent?: number;
  /** Parley: the subscription's first event (`started`). */
  firstEvent?: number;
  /** Per answer token received: its index, when the upstream sent it, when the client got it. */
  index: number[];
  sentAt: number[];
  at: number[];
  /** The stream ended as it should (`[DONE]`, `response.completed`, or a `final` event). */
  ended: boolean;
  error?: string;
  /** Bytes of the streamed response body. */
  bytes: number;
  /** The events that carried answer tokens, and their bytes (ASCII, so characters). */
  tokenEvents: number;
  tokenEventBytes: number;
}

export interface StreamRequest {
  api: BenchApi;
  /** The user's message. */
  content: string;
  timeoutMs: number;
}

function newSample(): StreamSample {
  return {
    start: now(),
    index: [],
    sentAt: [],
    at: [],
    ended: false,
    bytes: 0,
    tokenEvents: 0,
    tokenEventBytes: 0,
  };
}

/** Records the tokens stamped in `text`, which arrived at `at` in `event`. */
function addTokens(sample: StreamSample, text: string, event: SseEvent, at: number) {
  const stamps = readStamps(text);
  if (stamps.length > 0) {
    sample.tokenEvents += 1;
    sample.tokenEventBytes += eventSize(event);
  }
  for (const stamp of stamps) {
    sample.index.push(stamp.index);
    sample.sentAt.push(stamp.sentAt);
    sample.at.push(at);
  }
}

/** The upstream request bodies, as Parley sends them for a one-message conversation. */
function chatBody(request: StreamRequest) {
  return {
    model: modelFor(request.api),
    messages: [{ role: "user" as const, content: request.content }],
    stream: true as const,
    stream_options: { include_usage: true },
  };
}

function responsesBody(request: StreamRequest) {
  return {
    model: modelFor(request.api),
    input: [{ role: "user" as const, content: request.content }],
    store: false,
    stream: true as const,
  };
}

const upstreamBody = (request: StreamRequest) =>
  request.api === "chat" ? chatBody(request) : responsesBody(request);

/**
 * Reads an OpenAI stream (Chat Completions chunks, or Responses events) into `sample`. The
 * direct client and the proxy client differ only in who answers.
 */
function readOpenAIEvent(api: BenchApi, sample: StreamSample) {
  return (event: SseEvent, at: number): boolean => {
    if (api === "chat") {
      if (event.data === "[DONE]") {
        sample.ended = true;
        return true;
      }
      const chunk = JSON.parse(event.data) as { choices?: { delta?: { content?: string } }[] };
      const text = chunk.choices?.[0]?.delta?.content;
      if (text) addTokens(sample, text, event, at);
      return false;
    }
    if (event.event === "response.output_text.delta") {
      addTokens(sample, (JSON.parse(event.data) as { delta: string }).delta, event, at);
    } else if (event.event === "response.completed") {
      sample.ended = true;
      return true;
    } else if (event.event === "error" || event.event === "response.failed") {
      sample.error = `upstream: ${event.data.slice(0, 200)}`;
      return true;
    }
    return false;
  };
}

/** Runs `read` with a deadline; a failure or a timeout becomes the sample's error. */
async function within(
  sample: StreamSample,
  timeoutMs: number,
  read: (signal: AbortSignal) => Promise<void>,
): Promise<StreamSample> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    await read(controller.signal);
    if (!sample.ended && sample.error === undefined) sample.error = "the stream ended early";
  } catch (error) {
    sample.error ??= controller.signal.aborted
      ? `timed out after ${timeoutMs} ms`
      : error instanceof Error
        ? error.message
        : String(error);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return sample;
}

/** The upstream, requested with the `openai` SDK (one client per upstream URL). */
export function directReader(baseURL: string) {
  const openai = new OpenAI({ baseURL, apiKey: "bench", maxRetries: 0 });
  return (request: StreamRequest): Promise<StreamSample> => {
    const sample = newSample();
    return within(sample, request.timeoutMs, async (signal) => {
      const response =
        request.api === "chat"
          ? await openai.chat.completions.create(chatBody(request), { signal }).asResponse()
          : await openai.responses.create(responsesBody(request), { signal }).asResponse();
      if (!response.body) throw new Error(`upstream answered ${response.status} without a body`);
      await readSse(response, readOpenAIEvent(request.api, sample), (bytes) => {
        sample.bytes += bytes;
      });
    });
  };
}

/** The bare proxy: the same body, POSTed with fetch. */
export function proxyReader(url: string) {
  return (request: StreamRequest): Promise<StreamSample> => {
    const sample = newSample();
    return within(sample, request.timeoutMs, async (signal) => {
      const path = request.api === "chat" ? "/v1/chat/completions" : "/v1/responses";
      const response = await fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(upstreamBody(request)),
        signal,
      });
      if (!response.ok || !response.body) {
        throw new Error(
          `proxy answered ${response.status}: ${(await response.text()).slice(0, 200)}`,
        );
      }
      await readSse(response, readOpenAIEvent(request.api, sample), (bytes) => {
        sample.bytes += bytes;
      });
    });
  };
}

/** Parley's `/api/chat-openai` with a Bearer token: the SDK's stream passed through as is. */
export function chatApiReader(url: string, token: string) {
  return (request: StreamRequest): Promise<StreamSample> => {
    const sample = newSample();
    return within(sample, request.timeoutMs, async (signal) => {
      const response = await fetch(`${url}/api/chat-openai`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({
          model: modelFor(request.api),
          messages: [{ role: "user", content: request.content }],
        } satisfies ChatApiRequest),
        signal,
      });
      if (!response.ok || !response.body) {
        throw new Error(
          `/api/chat-openai answered ${response.status}: ${(await response.text()).slice(0, 200)}`,
        );
      }
      await readSse(response, readOpenAIEvent(request.api, sample), (bytes) => {
        sample.bytes += bytes;
      });
    });
  };
}

/** One browser's worth of Parley: its URL, and the guest session cookie once it has one. */
interface ParleySession {
  url: string;
  cookie?: string;
}

/** A tRPC mutation over plain HTTP: `{ json }` in (superjson), `result.data.json` out. */
async function mutation<T>(
  session: ParleySession,
  path: string,
  input: unknown,
  signal: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (session.cookie) {
    headers.cookie = session.cookie;
    headers.origin = session.url;
  }
  const response = await fetch(`${session.url}/trpc/${path}`, {
    method: "POST",
    headers,
    body: JSON.stringify({ json: input }),
    signal,
  });
  const cookie = response.headers
    .getSetCookie()
    .map((line) => line.split(";", 1)[0] ?? "")
    .find((pair) => pair.startsWith("parley_session="));
  if (cookie) session.cookie = cookie;
  const reply = (await response.json()) as {
    result?: { data?: { json?: T } };
    error?: { json?: { message?: string } };
  };
  if (!response.ok || reply.result?.data?.json === undefined) {
    const message = (reply.error?.json?.message ?? "no result").replace(/\s+/g, " ");
    throw new Error(`${path}: ${response.status} ${message}`);
  }
  return reply.result.data.json;
}

/** Opens a tRPC subscription (GET, superjson input in the query string) as a raw SSE response. */
export async function subscribe(
  session: ParleySession,
  path: string,
  input: unknown,
  signal: AbortSignal,
): Promise<Response> {
  const query =
    input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const response = await fetch(`${session.url}/trpc/${path}${query}`, {
    headers: session.cookie ? { cookie: session.cookie } : {},
    signal,
  });
  if (!response.ok || !response.body) {
    throw new Error(`${path}: ${response.status} ${(await response.text()).slice(0, 200)}`);
  }
  return response;
}

/**
 * How a new visitor gets to its answer's events. `first-send` (the web app's way): one send
 * starts the conversation (`newConversation`) and makes the guest, then the stream opens by the
 * generation id it returns (a visitor with no session yet has none to open it with before).
 * The others create the conversation first; see startAndSubscribe.
 */
export type SubscribeWhen = "first-send" | "after-send" | "with-send";

/**
 * Starts a new visitor's conversation, sends its message and opens the answer's stream, as
 * `when` says: `first-send` (the web app's way for a new visitor): one send that starts the
 * conversation, then the stream by the generation id it returns; else conversations.create,
 * then `with-send` (the scripts' way): the client chooses the answer's message id, subscribes
 * by it and sends at the same time (`messages.send` input `assistantMessageId`,
 * `generations.stream` input `{ messageId }`), or `after-send`: send, then subscribe.
 */
async function startAndSubscribe(
  session: ParleySession,
  input: { model: string; content: string },
  when: SubscribeWhen,
  signal: AbortSignal,
): Promise<{ created: number; sent: number; events: Response }> {
  const byGeneration = async (send: Record<string, unknown>) => {
    const { generationId } = await mutation<{ generationId: string }>(
      session,
      "messages.send",
      send,
      signal,
    );
    return { sent: now(), generationId };
  };
  const streamOf = (generationId: string) =>
    subscribe(session, "generations.stream", { generationId }, signal);
  if (when === "first-send") {
    const { sent, generationId } = await byGeneration({
      conversationId: randomUUID(),
      newConversation: { model: input.model },
      content: input.content,
    });
    return { created: sent, sent, events: await streamOf(generationId) };
  }
  const { conversationId } = await mutation<{ conversationId: string }>(
    session,
    "conversations.create",
    { model: input.model },
    signal,
  );
  const created = now();
  const send = { conversationId, content: input.content, mode: "new" };
  if (when === "with-send") {
    const messageId = randomUUID();
    const open = () => subscribe(session, "generations.stream", { messageId }, signal);
    const post = () =>
      mutation(session, "messages.send", { ...send, assistantMessageId: messageId }, signal).then(
        () => now(),
      );
    // In either order, at random: always the same order would have a round-robin load balancer
    // send every stream's send to one instance and its subscription to the other, which no
    // crowd of independent users does.
    const openedFirst = Math.random() < 0.5 ? open() : undefined;
    const posted = post();
    const [sent, events] = await Promise.all([posted, openedFirst ?? open()]);
    return { created, sent, events };
  }
  const { sent, generationId } = await byGeneration(send);
  return { created, sent, events: await streamOf(generationId) };
}

/**
 * A tRPC SSE data line: superjson's `{ json, meta? }` today; token events will be plain JSON
 * (issue 11, item 3), so both shapes are read.
 */
export function unwrapData(data: string): Record<string, unknown> {
  const parsed = JSON.parse(data) as Record<string, unknown>;
  if (!("type" in parsed) && typeof parsed.json === "object" && parsed.json !== null) {
    return parsed.json as Record<string, unknown>;
  }
  return parsed;
}

/** Parley, as a new visitor: a new guest, a new conversation, one message, its answer. */
export function parleyReader(url: string, when: SubscribeWhen) {
  return (request: StreamRequest): Promise<StreamSample> => {
    const sample = newSample();
    const session: ParleySession = { url };
    return within(sample, request.timeoutMs, async (signal) => {
      const { created, sent, events } = await startAndSubscribe(
        session,
        { model: modelFor(request.api), content: request.content },
        when,
        signal,
      );
      sample.created = created;
      sample.sent = sent;
      /** The kinds of the last few events, to say what a stream that ended early had seen. */
      const seen: string[] = [];
      await readSse(
        events,
        (event, at) => {
          if (event.event === "serialized-error") {
            sample.error = `subscription error: ${event.data.slice(0, 200)}`;
            return true;
          }
          if (event.event === "return") {
            if (!sample.ended) sample.error = `the stream ended early, after: ${seen.join(" ")}`;
            return true;
          }
          if (event.event !== "message" || event.data === "") return false;
          sample.firstEvent ??= at;
          const data = unwrapData(event.data);
          seen.push(`${String(data.type)}@${event.id ?? "?"}`);
          if (seen.length > 4) seen.shift();
          switch (data.type) {
            case "final":
              if (data.interrupted) sample.error = "the final event says interrupted";
              sample.ended = true;
              return true;
            case "error":
              sample.error = `error event: ${String(data.code)}: ${String(data.message)}`;
              return true;
            case "started":
            case "title":
              return false;
            default:
              // Token events, one or (soon) several merged: the stamps say which.
              if (typeof data.text === "string") addTokens(sample, data.text, event, at);
              return false;
          }
        },
        (bytes) => {
          sample.bytes += bytes;
        },
      );
      if (!sample.ended && sample.error === undefined) {
        sample.error = `the body ended after ${sample.bytes} bytes, ${sample.index.length} tokens: ${seen.join(" ")}`;
      }
    });
  };
}
