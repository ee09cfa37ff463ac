// Child process: the benchmark's OpenAI-compatible upstream over HTTP. A streamed request gets
// BENCH_TOKENS answer tokens, one every BENCH_DELAY_MS, each carrying the wall-clock time it was
// written (stamps.ts), in the Chat Completions or the Responses wire format; a request that is
// not streamed (Parley's title request) gets a short answer at once. It stores nothing.

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { now } from "./clock.ts";
import { serveParent } from "./ipc.ts";
import { createProbe } from "./probe.ts";
import { stampToken } from "./stamps.ts";

export interface UpstreamHello {
  /** e.g. `http://127.0.0.1:41234/v1`, for `new OpenAI({ baseURL })`. */
  baseURL: string;
}

/** What the upstream saw since the last `counts` call. */
export interface UpstreamCounts {
  streams: number;
  /** Streams whose client went away before the last token. */
  abandoned: number;
  /** Requests that were not streamed (titles). */
  whole: number;
}

type Api = "chat" | "responses";
type Body = Record<string, unknown>;

const TITLE = "Benchmark";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function readBody(request: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body: unknown = JSON.parse(Buffer.concat(chunks).toString() || "{}");
  return typeof body === "object" && body !== null ? (body as Body) : {};
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

const usage = (tokens: number) => ({
  chat: { prompt_tokens: 20, completion_tokens: tokens, total_tokens: 20 + tokens },
  responses: {
    input_tokens: 20,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 20 + tokens,
  },
});

/** The Responses API's `response` object at one stage. */
function responseObject(id: string, model: string, status: string, output: unknown[], n: number) {
  return {
    id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status,
    error: null,
    incomplete_details: null,
    model,
    output,
    parallel_tool_calls: true,
    store: false,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    usage: status === "completed" ? usage(n).responses : null,
  };
}

function messageItem(id: string, text: string, status: string) {
  return {
    id,
    type: "message",
    role: "assistant",
    status,
    content: text === "" ? [] : [{ type: "output_text", text, annotations: [], logprobs: [] }],
  };
}

/** A request that is not streamed: a short answer at once (Parley asks for titles this way). */
function answerWhole(api: Api, model: string, response: ServerResponse) {
  if (api === "chat") {
    return sendJson(response, 200, {
      id: `chatcmpl-${randomUUID()}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: TITLE, refusal: null },
          finish_reason: "stop",
          logprobs: null,
        },
      ],
      usage: usage(1).chat,
    });
  }
  const id = `resp_${randomUUID()}`;
  const item = messageItem(`msg_${randomUUID()}`, TITLE, "completed");
  sendJson(response, 200, responseObject(id, model, "completed", [item], 1));
}

/** The SSE frames of one streamed answer: what goes before, each token, and what ends it. */
function framing(api: Api, model: string, tokens: number) {
  const sse = (data: unknown, event?: string) =>
    `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`;
  if (api === "chat") {
    const ids = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model };
    const chunk = (delta: Body, finish: string | null = null) =>
      sse({
        ...ids,
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      });
    return {
      head: chunk({ role: "assistant", content: "" }),
      token: (text: string) => chunk({ content: text }),
      tail: (_text: string) =>
        chunk({}, "stop") +
        sse({ ...ids, object: "chat.completion.chunk", choices: [], usage: usage(tokens).chat }) +
        "data: [DONE]\n\n",
    };
  }
  const id = `resp_${randomUUID()}`;
  const itemId = `msg_${randomUUID()}`;
  let sequence = 0;
  const event = (type: string, fields: Body) =>
    sse({ type, sequence_number: sequence++, ...fields }, type);
  const where = { item_id: itemId, output_index: 0, content_index: 0 };
  return {
    head:
      event("response.created", {
        response: responseObject(id, model, "in_progress", [], tokens),
      }) +
      event("response.output_item.added", {
        output_index: 0,
        item: messageItem(itemId, "", "in_progress"),
      }) +
      event("response.content_part.added", {
        ...where,
        part: { type: "output_text", text: "", annotations: [], logprobs: [] },
      }),
    token: (delta: string) =>
      event("response.output_text.delta", { ...where, delta, logprobs: [] }),
    tail: (text: string) => {
      const item = messageItem(itemId, text, "completed");
      return (
        event("response.output_text.done", { ...where, text, logprobs: [] }) +
        event("response.content_part.done", { ...where, part: item.content[0] }) +
        event("response.output_item.done", { output_index: 0, item }) +
        event("response.completed", {
          response: responseObject(id, model, "completed", [item], tokens),
        })
      );
    },
  };
}

await serveParent(async () => {
  const tokens = Number(process.env.BENCH_TOKENS ?? 200);
  const delayMs = Number(process.env.BENCH_DELAY_MS ?? 5);
  const counts: UpstreamCounts = { streams: 0, abandoned: 0, whole: 0 };

  async function stream(api: Api, model: string, response: ServerResponse) {
    counts.streams += 1;
    let gone = false;
    response.on("close", () => {
      gone = !response.writableFinished;
    });
    const frames = framing(api, model, tokens);
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    });
    response.write(frames.head);
    let text = "";
    for (let index = 0; index < tokens; index++) {
      await sleep(delayMs);
      if (gone) break;
      const token = stampToken(index, now());
      text += token;
      response.write(frames.token(token));
    }
    if (gone) counts.abandoned += 1;
    else response.end(frames.tail(text));
  }

  const server = createServer(async (request, response) => {
    try {
      const route = `${request.method} ${request.url}`;
      const api: Api | undefined =
        route === "POST /v1/chat/completions"
          ? "chat"
          : route === "POST /v1/responses"
            ? "responses"
            : undefined;
      if (!api) return sendJson(response, 404, { error: { message: `no route ${route}` } });
      const body = await readBody(request);
      const model = String(body.model ?? "bench");
      if (body.stream === true) return await stream(api, model, response);
      counts.whole += 1;
      answerWhole(api, model, response);
    } catch (error) {
      if (!response.headersSent) sendJson(response, 500, { error: { message: String(error) } });
      else response.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const probe = createProbe();
  return {
    hello: { baseURL: `http://127.0.0.1:${port}/v1` } satisfies UpstreamHello,
    handlers: {
      "stats-start": () => probe.start(),
      "stats-read": () => probe.read(),
      /** What was served since the last call. */
      counts: () => {
        const read = { ...counts };
        Object.assign(counts, { streams: 0, abandoned: 0, whole: 0 });
        return read;
      },
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
});
