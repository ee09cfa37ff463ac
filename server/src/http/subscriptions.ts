// The SSE responses of the busiest subscriptions (`generations.stream`, `generations.active`),
// written directly instead of through tRPC's SSE pipeline: per event, that pipeline runs
// several async generators, streams and encoders (about 50 µs of CPU), which at a hundred
// answers of 200 tokens a second is a core. The procedure is still tRPC's, called through a
// server-side caller (so input parsing, the middlewares and the resolver are the same code),
// and the wire format is tRPC's own (`connected`, data with `id`, `ping`, `return`,
// `serialized-error`), so httpSubscriptionLink clients see no difference. Only the framing is
// ours: one string and one write per event, streamed text padded per frame, and backpressure
// from the socket.

import { wireTransformer } from "@parley/shared";
import { type AnyTRPCRouter, getTRPCErrorShape, isTrackedEnvelope, TRPCError } from "@trpc/server";
import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { paddedTextFrame } from "../chat/generations/padding.ts";
import { toTRPCError } from "../trpc/errors.ts";

/** tRPC's SSE response headers (nginx and other proxies must not buffer the stream). */
const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
  connection: "keep-alive",
} as const;

export interface SubscriptionOptions<TContext> {
  /** The paths under `prefix` served here, e.g. `generations.stream`. */
  paths: readonly string[];
  prefix: string;
  router: AnyTRPCRouter;
  createContext(options: CreateFastifyContextOptions): Promise<TContext>;
  createCaller(context: TContext, options: { signal: AbortSignal }): unknown;
  /** Idle time after which a ping keeps proxies from closing the stream. */
  pingIntervalMs: number;
  /** Sent to the client on connect: it reconnects after this long without any event. */
  reconnectAfterInactivityMs: number;
  /** Told about failures that are Parley's, not the caller's. */
  onInternalError(error: TRPCError, path: string, request: FastifyRequest): void;
}

export function registerSubscriptionStreams<TContext>(
  app: FastifyInstance,
  options: SubscriptionOptions<TContext>,
) {
  const connected = frame(
    "connected",
    JSON.stringify({ reconnectAfterInactivityMs: options.reconnectAfterInactivityMs }),
  );
  for (const path of options.paths) {
    app.get(`${options.prefix}/${path}`, (request, reply) => {
      reply.hijack();
      void serve(request, reply, path);
    });
  }

  async function serve(request: FastifyRequest, reply: FastifyReply, path: string) {
    const res = reply.raw;
    const controller = new AbortController();
    res.on("close", () => controller.abort());
    const { signal } = controller;
    let input: unknown;
    let context: TContext | undefined;
    let writer: FrameWriter | undefined;
    const start = () => open(request, reply, connected, options.pingIntervalMs);
    try {
      input = readInput(request);
      context = await options.createContext({
        req: request,
        res: reply,
        // The context factory reads the request only.
        info: { type: "subscription", isBatchCall: false, calls: [], signal },
      } as unknown as CreateFastifyContextOptions);
      const procedure = procedureAt(options.createCaller(context, { signal }), path);
      const events = (await procedure(input)) as AsyncIterable<unknown>;
      writer = start();
      for await (const value of events) {
        if (signal.aborted) break;
        await writer.write(dataFrame(value));
      }
      if (!signal.aborted) await writer.write(frame("return", ""));
    } catch (cause) {
      if (signal.aborted) return;
      // A failure before the procedure (the context) or while iterating is converted here.
      const error = toTRPCError(cause);
      if (error.code === "INTERNAL_SERVER_ERROR") options.onInternalError(error, path, request);
      const shape = getTRPCErrorShape({
        config: options.router._def._config,
        error,
        type: "subscription",
        path,
        input,
        ctx: context,
      });
      writer ??= start();
      await writer.write(
        frame("serialized-error", JSON.stringify(wireTransformer.serialize(shape))),
      );
    } finally {
      writer?.close();
      res.end();
    }
  }
}

/** The subscription's input as tRPC reads it: `?input=` (transformed), plus the last event id. */
function readInput(request: FastifyRequest): unknown {
  const query = request.query as Record<string, string | undefined>;
  let input: unknown;
  if (query.input !== undefined) {
    try {
      input = wireTransformer.deserialize(JSON.parse(query.input));
    } catch (cause) {
      throw new TRPCError({ code: "PARSE_ERROR", message: "The input is not valid JSON", cause });
    }
  }
  const lastEventId =
    request.headers["last-event-id"] ?? query.lastEventId ?? query["Last-Event-Id"];
  if (typeof lastEventId !== "string" || lastEventId === "") return input;
  if (input === undefined || input === null) return { lastEventId };
  return typeof input === "object" && !Array.isArray(input) ? { ...input, lastEventId } : input;
}

/** The caller's procedure at a dotted path. */
function procedureAt(caller: unknown, path: string): (input: unknown) => Promise<unknown> {
  let target = caller as Record<string, unknown>;
  for (const key of path.split(".")) target = target[key] as Record<string, unknown>;
  return target as unknown as (input: unknown) => Promise<unknown>;
}

/** One SSE frame; an event name when it is not plain data. */
function frame(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

/** A value's frame; streamed text padded to whole blocks (see padding.ts). */
function dataFrame(value: unknown): string {
  if (!isTrackedEnvelope(value))
    return `data: ${JSON.stringify(wireTransformer.serialize(value))}\n\n`;
  const [id, data] = value;
  if (isStreamText(data)) return paddedTextFrame(data.type, data.text, { tail: `id: ${id}\n` });
  return `data: ${JSON.stringify(wireTransformer.serialize(data))}\nid: ${id}\n\n`;
}

function isStreamText(data: unknown): data is { type: "token" | "reasoning"; text: string } {
  if (typeof data !== "object" || data === null) return false;
  const { type, text } = data as { type?: unknown; text?: unknown };
  return (type === "token" || type === "reasoning") && typeof text === "string";
}

interface FrameWriter {
  /** Writes a frame; resolves at once, or when the socket has drained if it is full. */
  write(frame: string): Promise<void> | void;
  close(): void;
}

/**
 * Starts the response with its first frame and returns its writer, which pings when nothing
 * else was written for a while.
 */
function open(
  request: FastifyRequest,
  reply: FastifyReply,
  first: string,
  pingIntervalMs: number,
): FrameWriter {
  const res = reply.raw;
  res.writeHead(200, { ...reply.getHeaders(), ...SSE_HEADERS } as Record<string, string>);
  res.write(first);
  let wroteSincePing = true;
  const ping = setInterval(() => {
    if (!wroteSincePing) res.write(frame("ping", ""));
    wroteSincePing = false;
  }, pingIntervalMs);
  request.log.debug("subscription opened");
  return {
    write(text) {
      wroteSincePing = true;
      if (res.write(text) || res.destroyed) return;
      return new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.once("drain", done);
        res.once("close", done);
      });
    },
    close() {
      clearInterval(ping);
    },
  };
}
