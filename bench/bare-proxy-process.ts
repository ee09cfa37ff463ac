// Child process: the baseline Parley is measured against, a bare proxy. Fastify and the `openai`
// SDK, one POST route per upstream API that calls the upstream and pipes the SDK's stream to the
// client as Server-Sent Events (Chat Completions: `data: <chunk>` … `data: [DONE]`; Responses:
// `event: <type>` + `data: <event>`), the design of `POST /api/chat-openai`. No auth, no
// database, nothing stored: what any server that relays a stream pays at least.

import Fastify from "fastify";
import OpenAI from "openai";
import type { ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import type { ResponseCreateParamsStreaming } from "openai/resources/responses/responses";
import { serveParent } from "./ipc.ts";
import { createProbe } from "./probe.ts";
import { createProfiler } from "./profiler.ts";

export interface ProxyHello {
  url: string;
}

type Body = Record<string, unknown>;

await serveParent(async () => {
  const baseURL = process.env.BENCH_UPSTREAM_URL;
  if (!baseURL) throw new Error("BENCH_UPSTREAM_URL is not set");
  const openai = new OpenAI({ baseURL, apiKey: "bench", maxRetries: 0 });
  const app = Fastify({ logger: false, forceCloseConnections: true });

  const relay = (api: "chat" | "responses") =>
    app.post<{ Body: Body }>(
      api === "chat" ? "/v1/chat/completions" : "/v1/responses",
      async (request, reply) => {
        const abort = new AbortController();
        reply.raw.on("close", () => {
          if (!reply.raw.writableFinished) abort.abort();
        });
        const options = { signal: abort.signal };
        const body = { ...request.body, stream: true as const };
        let events: AsyncIterable<unknown>;
        try {
          events =
            api === "chat"
              ? await openai.chat.completions.create(
                  body as ChatCompletionCreateParamsStreaming,
                  options,
                )
              : await openai.responses.create(body as ResponseCreateParamsStreaming, options);
        } catch (error) {
          return reply.code(502).send({ code: "upstream_error", message: String(error) });
        }
        reply.hijack();
        reply.raw.writeHead(200, {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-store, no-transform",
          connection: "keep-alive",
          "x-accel-buffering": "no",
        });
        try {
          for await (const event of events) {
            const type = api === "responses" ? (event as { type: string }).type : undefined;
            reply.raw.write(`${type ? `event: ${type}\n` : ""}data: ${JSON.stringify(event)}\n\n`);
          }
          reply.raw.end(api === "chat" ? "data: [DONE]\n\n" : undefined);
        } catch {
          reply.raw.destroy();
        }
      },
    );
  relay("chat");
  relay("responses");
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("the proxy has no TCP address");
  const probe = createProbe();
  const profiler = createProfiler();
  return {
    hello: { url: `http://127.0.0.1:${address.port}` } satisfies ProxyHello,
    handlers: {
      "stats-start": () => probe.start(),
      "stats-read": () => probe.read(),
      ...profiler.handlers,
    },
    close: async () => {
      profiler.close();
      await app.close();
    },
  };
});
