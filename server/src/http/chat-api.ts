// POST /api/chat-openai, /api/chat-<provider> and /api/chat: one stateless request for a
// signed-in account (session cookie or API token), counted against the same rate limits as the
// app, answered as server-sent events. The provider routes pass the SDK's own stream through;
// /api/chat sends the token / reasoning / final / error events of generations.stream.

import {
  CHAT_API_LIMITS,
  type ChatApiError,
  type ChatApiEvent,
  type ChatApiRequest,
  chatApiRequest,
  ModelParameters,
  type TokenUsage,
} from "@parley/shared";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
} from "openai/resources/chat/completions";
import type {
  ResponseCreateParamsStreaming,
  ResponseStreamEvent,
} from "openai/resources/responses/responses";
import type { CallerUser, IdentityService } from "../auth/identity.ts";
import { paddedTextFrame } from "../chat/generations/padding.ts";
import type { Config } from "../config.ts";
import { DomainError, RateLimited } from "../errors.ts";
import type { RateLimits } from "../limits/index.ts";
import type { ModelRegistry, ModelRoute } from "../llm/registry.ts";
import {
  buildRequest,
  fromChatUsage,
  fromResponseUsage,
  type StreamPart,
  streamCompletion,
  toUpstreamFailure,
  type UpstreamRequest,
} from "../llm/stream.ts";
import type { UpstreamFailure } from "../llm/upstream-failure.ts";
import type { GenerationObserver, GenerationReport } from "../metrics/index.ts";
import { identifyCaller } from "./caller.ts";
import { setRateLimitHeaders } from "./rate-limit.ts";

/** Exactly these, on every stream; never compressed (no compression is registered). */
const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
};

const UNAUTHORIZED: ChatApiError = { code: "unauthorized", message: "Sign in required." };

export interface ChatApiDeps {
  config: Pick<Config, "chatApi">;
  identity: Pick<IdentityService, "authenticate">;
  limits: Pick<RateLimits, "checkMessageLimits">;
  models: ModelRegistry;
  /** Metrics and provider health, told how each request's upstream call went. */
  observer: Pick<GenerationObserver, "started" | "ended">;
}

/** What a request asks for, once it is known to be allowed. */
interface Prepared {
  user: CallerUser;
  route: ModelRoute;
  upstream: UpstreamRequest;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  startedAt: number;
}

export async function registerChatApi(app: FastifyInstance, deps: ChatApiDeps) {
  const { identity, limits, models, observer } = deps;
  const schema = chatApiRequest(deps.config.chatApi.maxOutputTokens);

  await app.register(async (scope) => {
    // The body is read as text whatever its type (curl's -d says form-urlencoded), then
    // parsed here, so malformed JSON gets this API's error shape.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      "*",
      { parseAs: "string", bodyLimit: CHAT_API_LIMITS.bodyBytes },
      (_request, body, done) => done(null, body),
    );
    scope.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      const status = error.statusCode ?? 500;
      if (status === 413) {
        return fail(reply, 413, { code: "payload_too_large", message: "The body is over 1 MB." });
      }
      if (status >= 400 && status < 500) {
        return fail(reply, 400, { code: "bad_request", message: error.message, issues: [] });
      }
      request.log.error({ err: error }, "chat API request failed");
      return fail(reply, 500, {
        code: "internal",
        message: `Parley failed; the request id is ${request.id}.`,
      });
    });

    const providers = new Set(["openai", ...models.providerNames]);
    for (const provider of providers) {
      scope.post(`/api/chat-${provider}`, async (request, reply) => {
        const prepared = await prepare(request, reply, provider);
        if (prepared) await streamRaw(request, reply, prepared);
      });
    }
    scope.post("/api/chat", async (request, reply) => {
      const prepared = await prepare(request, reply, undefined);
      if (prepared) await streamNormalized(request, reply, prepared);
    });
  });

  /**
   * Checks who asks, what for and whether they may, in that order, so a refused or invalid
   * request costs no message; answers the refusal itself and resolves with undefined.
   */
  async function prepare(
    request: FastifyRequest,
    reply: FastifyReply,
    provider: string | undefined,
  ): Promise<Prepared | undefined> {
    const user = await signedIn(request, reply);
    if (!user) return void fail(reply, 401, UNAUTHORIZED);

    let body: unknown;
    try {
      body = JSON.parse(typeof request.body === "string" ? request.body : "");
    } catch (error) {
      const message = `The body must be JSON: ${(error as Error).message}`;
      return void fail(reply, 400, { code: "bad_request", message, issues: [] });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first?.path.length ? `${first.path.join(".")}: ` : "";
      return void fail(reply, 400, {
        code: "bad_request",
        message: `Invalid request: ${where}${first?.message ?? "unknown problem"}`,
        issues: parsed.error.issues.map((issue) => ({
          ...issue,
          path: issue.path.map((key) => (typeof key === "symbol" ? String(key) : key)),
        })),
      });
    }
    const input = parsed.data;

    const modelId = input.model ?? defaultModel(provider);
    if (modelId === undefined) {
      return void fail(reply, 503, {
        code: "model_unavailable",
        message: `No model is available right now. ${models
          .providers()
          .flatMap((status) => status.reason ?? [])
          .join(" ")}`.trim(),
      });
    }
    const route = models.route(modelId);
    if (!route || (provider !== undefined && route.provider !== provider)) {
      const message = route
        ? `The model "${modelId}" is served at /api/chat-${route.provider}, not here.`
        : `Unknown model "${modelId}": see models.list for this server's models.`;
      return void fail(reply, 400, {
        code: "bad_request",
        message,
        issues: [{ code: "custom", path: ["model"], message }],
      });
    }
    const down = models.unavailable(modelId);
    if (down) {
      return void fail(reply, 503, {
        code: "model_unavailable",
        message: `The model "${modelId}" is unavailable: ${down}`,
      });
    }

    try {
      const allowance = await limits.checkMessageLimits({
        ownerId: user.id,
        email: user.email,
        ip: request.ip,
      });
      setRateLimitHeaders(reply, allowance);
    } catch (error) {
      if (!(error instanceof RateLimited)) throw error;
      setRateLimitHeaders(reply, error.result);
      return void fail(reply, 429, { code: "rate_limited", message: error.message });
    }

    const controller = new AbortController();
    // The socket closing before the answer is complete is the client going away (perhaps
    // already, while this request was being checked).
    reply.raw.on("close", () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    if (request.raw.socket.destroyed) controller.abort();
    observer.started(route.info.id);
    return {
      user,
      route,
      upstream: upstreamRequest(route, input, deps.config.chatApi.maxOutputTokens),
      signal: controller.signal,
      startedAt: performance.now(),
    };
  }

  /** A signed-in account (not a guest), by session cookie or API token; else undefined. */
  async function signedIn(request: FastifyRequest, reply: FastifyReply) {
    try {
      const { user } = await identifyCaller(identity, request, reply);
      return user && !user.guest ? user : undefined;
    } catch (error) {
      // A revoked or unknown token.
      if (error instanceof DomainError && error.kind === "unauthorized") return undefined;
      throw error;
    }
  }

  /** The server's default model, or for a provider's route its first model unless that is it. */
  function defaultModel(provider: string | undefined): string | undefined {
    const { models: all, defaultModel } = models.list();
    if (provider === undefined || models.route(defaultModel)?.provider === provider) {
      return defaultModel || undefined;
    }
    return all.find((model) => models.route(model.id)?.provider === provider)?.id;
  }

  /** The upstream's own stream, event for event. */
  async function streamRaw(request: FastifyRequest, reply: FastifyReply, prepared: Prepared) {
    const { route, upstream, signal } = prepared;
    let stream: AsyncIterable<ResponseStreamEvent> | AsyncIterable<ChatCompletionChunk>;
    try {
      const options = { signal, maxRetries: 0 };
      stream =
        upstream.api === "responses"
          ? await route.client.responses.create(
              upstream.request as unknown as ResponseCreateParamsStreaming,
              options,
            )
          : await route.client.chat.completions.create(
              upstream.request as unknown as ChatCompletionCreateParamsStreaming,
              options,
            );
    } catch (error) {
      return refuseUpstream(request, reply, prepared, error);
    }

    const out = openStream(reply);
    let usage: TokenUsage | undefined;
    try {
      if (upstream.api === "responses") {
        for await (const event of stream as AsyncIterable<ResponseStreamEvent>) {
          if (!out.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)) {
            await drained(reply, signal);
          }
          if (
            (event.type === "response.completed" || event.type === "response.incomplete") &&
            event.response.usage
          ) {
            usage = fromResponseUsage(event.response.usage);
          }
        }
      } else {
        for await (const chunk of stream as AsyncIterable<ChatCompletionChunk>) {
          if (!out.write(`data: ${JSON.stringify(chunk)}\n\n`)) await drained(reply, signal);
          if (chunk.usage) usage = fromChatUsage(chunk.usage);
        }
        if (!signal.aborted) out.write("data: [DONE]\n\n");
      }
    } catch (error) {
      if (!signal.aborted) return failMidStream(request, reply, prepared, error);
    }
    finish(request, reply, prepared, usage);
  }

  /** The same events as generations.stream (token, reasoning, final, error), for any provider. */
  async function streamNormalized(
    request: FastifyRequest,
    reply: FastifyReply,
    prepared: Prepared,
  ) {
    const { route, upstream, signal } = prepared;
    const parts = streamCompletion(route, upstream, signal);
    // The first part comes before the headers, so a refusal still gets its status.
    let next: IteratorResult<StreamPart, void>;
    try {
      next = await parts.next();
    } catch (error) {
      return refuseUpstream(request, reply, prepared, error);
    }

    const out = openStream(reply);
    const send = async (event: ChatApiEvent) => {
      const frame =
        event.type === "token" || event.type === "reasoning"
          ? paddedTextFrame(event.type, event.text, { head: `event: ${event.type}\n` })
          : `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
      if (!out.write(frame)) await drained(reply, signal);
    };
    let text = "";
    let usage: TokenUsage | undefined;
    let truncated = false;
    try {
      for (; !next.done; next = await parts.next()) {
        const part = next.value;
        if (part.type === "finish") truncated = part.reason === "length";
        if (part.type === "text") {
          text += part.delta;
          await send({ type: "token", text: part.delta, pad: "" });
        } else if (part.type === "reasoning") {
          await send({ type: "reasoning", text: part.delta, pad: "" });
        } else if (part.type === "usage") {
          usage = part.usage;
        }
      }
    } catch (error) {
      if (signal.aborted) return finish(request, reply, prepared, usage);
      const failure = toUpstreamFailure(error);
      await send({ type: "error", code: "upstream", message: scrub(failure.message, route) });
      return finish(request, reply, prepared, usage, failure);
    }
    if (!signal.aborted) {
      await send(
        text === ""
          ? { type: "error", code: "empty", message: "the model returned no output" }
          : { type: "final", text, interrupted: false, truncated, usage: usage ?? null },
      );
    }
    finish(request, reply, prepared, usage);
  }

  /** The upstream refused before streaming: its status in this API's shape. */
  function refuseUpstream(
    request: FastifyRequest,
    reply: FastifyReply,
    prepared: Prepared,
    error: unknown,
  ) {
    if (prepared.signal.aborted) {
      report(request, prepared, { outcome: "stopped" });
      return void reply.raw.destroy();
    }
    const failure = toUpstreamFailure(error);
    report(request, prepared, { outcome: "failed", errorCode: "upstream", error: failure });
    const rateLimited = failure.status === 429;
    if (rateLimited && failure.details.retryAfter) {
      reply.header("retry-after", failure.details.retryAfter);
    }
    return void fail(reply, rateLimited ? 429 : 502, {
      code: "upstream_error",
      message: scrub(failure.message, prepared.route),
      status: failure.status ?? null,
    });
  }

  /** A failure after the stream began: the connection is closed, the log says why. */
  function failMidStream(
    request: FastifyRequest,
    reply: FastifyReply,
    prepared: Prepared,
    error: unknown,
  ) {
    const failure = toUpstreamFailure(error);
    report(request, prepared, { outcome: "failed", errorCode: "upstream", error: failure });
    // Closed after what was written goes out, without the end of the chunked body: the client
    // sees the stream cut short.
    reply.raw.socket?.end();
  }

  function finish(
    request: FastifyRequest,
    reply: FastifyReply,
    prepared: Prepared,
    usage: TokenUsage | undefined,
    failure?: UpstreamFailure,
  ) {
    if (failure) {
      report(
        request,
        prepared,
        { outcome: "failed", errorCode: "upstream", error: failure },
        usage,
      );
    } else {
      report(
        request,
        prepared,
        { outcome: prepared.signal.aborted ? "stopped" : "finished" },
        usage,
      );
    }
    if (prepared.signal.aborted) reply.raw.destroy();
    else reply.raw.end();
  }

  /** Metrics, provider health and the request's log line: never prompt or answer text. */
  function report(
    request: FastifyRequest,
    prepared: Prepared,
    result: Pick<GenerationReport, "outcome" | "errorCode" | "error">,
    usage?: TokenUsage,
  ) {
    const durationMs = Math.round(performance.now() - prepared.startedAt);
    const model = prepared.route.info.id;
    observer.ended({ model, durationMs, outputTokens: usage?.outputTokens, ...result });
    const line = {
      userId: prepared.user.id,
      model,
      api: prepared.upstream.api,
      outcome: result.outcome,
      durationMs,
      usage: usage ?? null,
    };
    if (result.error === undefined) request.log.info(line, "chat API request ended");
    else request.log.warn({ ...line, err: result.error }, "chat API request failed upstream");
  }
}

/** The body sent upstream: the prompt, the sampling parameters and the response format. */
function upstreamRequest(route: ModelRoute, input: ChatApiRequest, cap: number): UpstreamRequest {
  const configured = route.info.parameters;
  const parameters = ModelParameters.parse({
    ...configured,
    ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
    // Never more than the cap, whatever the model's own setting.
    maxOutputTokens: Math.min(input.maxOutputTokens ?? configured.maxOutputTokens ?? cap, cap),
  });
  const built = buildRequest(route, {
    system: input.system ?? "",
    messages: input.messages,
    parameters,
  });
  const format = input.responseFormat;
  if (format === undefined || format === "text") return built;
  const schema = { name: "response", schema: format.schema, strict: format.strict ?? false };
  return {
    ...built,
    request:
      built.api === "responses"
        ? { ...built.request, text: { format: { type: "json_schema", ...schema } } }
        : { ...built.request, response_format: { type: "json_schema", json_schema: schema } },
  };
}

/** Writes the status line and headers (with those set so far: request id, rate limits). */
function openStream(reply: FastifyReply) {
  reply.hijack();
  const headers = { ...reply.getHeaders(), ...SSE_HEADERS };
  reply.raw.writeHead(200, headers as Record<string, string>);
  return reply.raw;
}

/** Resolves once the socket takes more, or the client is gone. */
function drained(reply: FastifyReply, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      reply.raw.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    reply.raw.once("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

function fail(reply: FastifyReply, status: number, body: ChatApiError) {
  return reply.code(status).header("cache-control", "no-store").send(body);
}

/** A provider's error text, without the key it was called with (some echo it). */
function scrub(message: string, route: ModelRoute): string {
  const key = route.client.apiKey;
  return key && key.length >= 8 ? message.replaceAll(key, "[key]") : message;
}
