// Generations: one upstream call each, run on the server whatever its watchers do. Each writes
// its events to the event log, checkpoints the answer to the database, and ends with exactly
// one `final` (finished or stopped) or `error`.

import { randomUUID } from "node:crypto";
import type {
  ActiveGeneration,
  ActiveGenerations,
  GenerationErrorCode,
  GenerationEvent,
  TokenUsage,
} from "@parley/shared";
import { TRPCError, type TrackedEnvelope, tracked } from "@trpc/server";
import type { FastifyBaseLogger } from "fastify";
import type { Db } from "../db/client.ts";
import type { ModelRoute } from "../llm/registry.ts";
import { streamCompletion, type UpstreamRequest } from "../llm/stream.ts";
import type { EventLog, GenerationMeta } from "./event-log/index.ts";
import { padFor } from "./padding.ts";
import { generateTitle } from "./titles.ts";

export interface GenerationOptions {
  /** Silence from the upstream (before headers or between events) longer than this fails it. */
  idleTimeoutMs: number;
  /** The answer is written to the database at most this often while streaming. */
  checkpointIntervalMs: number;
  /** How long a title request may take before the first words of the prompt are used. */
  titleTimeoutMs: number;
}

export const DEFAULT_GENERATION_OPTIONS: GenerationOptions = {
  // Reasoning models can think for a long while before their first event.
  idleTimeoutMs: 120_000,
  checkpointIntervalMs: 1_000,
  titleTimeoutMs: 15_000,
};

/** How long a finished answer waits for its title before using the first words instead. */
const TITLE_GRACE_MS = 3_000;

export interface GenerationSpec {
  ownerId: string;
  conversationId: string;
  /** The assistant message the answer goes into. */
  messageId: string;
  /** The model id as configured (not the upstream name). */
  model: string;
  route: ModelRoute;
  request: UpstreamRequest;
  /** What the answer appends to: the existing message for continue, else empty. */
  base: { text: string; reasoning: string };
  /** The first user message, when this generation should also title the conversation. */
  titleFrom?: string;
  /** The sending request's logger (it carries the request id). */
  log: FastifyBaseLogger;
}

interface Running {
  id: string;
  spec: GenerationSpec;
  startedAt: Date;
  controller: AbortController;
  /** Why the upstream request was aborted, once it is. */
  abortReason?: "stop" | "timeout" | "shutdown";
  done: Promise<void>;
}

type Outcome =
  | { kind: "finished" }
  | { kind: "stopped" }
  | { kind: "failed"; code: GenerationErrorCode; message: string };

export type GenerationRunner = ReturnType<typeof createGenerationRunner>;

export function createGenerationRunner(deps: {
  db: Db;
  events: EventLog;
  options: GenerationOptions;
}) {
  const { db, events, options } = deps;
  const running = new Map<string, Running>();
  const byMessage = new Map<string, Running>();
  /** Per owner, the `generations.active` watchers to wake on a change. */
  const watchers = new Map<string, Set<() => void>>();

  function notify(ownerId: string) {
    for (const wake of watchers.get(ownerId) ?? []) wake();
  }

  function active(ownerId: string): ActiveGeneration[] {
    return [...running.values()]
      .filter((generation) => generation.spec.ownerId === ownerId)
      .map(describe);
  }

  function describe(generation: Running): ActiveGeneration {
    return {
      generationId: generation.id,
      conversationId: generation.spec.conversationId,
      messageId: generation.spec.messageId,
      model: generation.spec.model,
      startedAt: generation.startedAt,
    };
  }

  async function run(generation: Running): Promise<void> {
    const { id, spec, controller } = generation;
    const started = performance.now();
    const append = (event: GenerationEvent) => events.append(id, event);
    const save = (data: Parameters<Db["message"]["updateMany"]>[0]["data"]) =>
      // updateMany: the message may have been deleted meanwhile, which is not an error here.
      db.message.updateMany({ where: { id: spec.messageId }, data });

    let text = spec.base.text;
    let reasoning = spec.base.reasoning;
    let answered = false;
    let finished = false;
    let truncated = false;
    let usage: TokenUsage | undefined;
    let timeToFirstTokenMs: number | undefined;

    await append({
      type: "started",
      generationId: id,
      conversationId: spec.conversationId,
      messageId: spec.messageId,
      model: spec.model,
      text,
    });

    // The title is asked for alongside the answer and lands in the log whenever it arrives.
    const titleController = new AbortController();
    const titleDone =
      spec.titleFrom === undefined
        ? Promise.resolve()
        : generateTitle(spec.route, spec.titleFrom, {
            signal: titleController.signal,
            timeoutMs: options.titleTimeoutMs,
          })
            .then(async (title) => {
              const saved = await db.conversation.updateMany({
                where: { id: spec.conversationId, title: "" },
                data: { title },
              });
              if (saved.count > 0) await append({ type: "title", title });
            })
            .catch((error: unknown) =>
              spec.log.warn({ err: error, generationId: id }, "saving the title failed"),
            );

    const checkpoint = createCheckpoint(
      () => save({ content: text, reasoning }).then(() => undefined),
      options.checkpointIntervalMs,
      (error) => spec.log.warn({ err: error, generationId: id }, "checkpoint failed"),
    );
    let idle: NodeJS.Timeout | undefined;
    const resetIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => abort(generation, "timeout"), options.idleTimeoutMs);
    };

    let outcome: Outcome;
    try {
      resetIdle();
      for await (const part of streamCompletion(spec.route, spec.request, controller.signal)) {
        resetIdle();
        switch (part.type) {
          case "text":
          case "reasoning": {
            timeToFirstTokenMs ??= Math.round(performance.now() - started);
            if (part.type === "text") {
              text += part.delta;
              answered = true;
              // Padding is added when streamed (see `padded`), so the log keeps only the text.
              await append({ type: "token", text: part.delta, pad: "" });
            } else {
              reasoning += part.delta;
              await append({ type: "reasoning", text: part.delta, pad: "" });
            }
            checkpoint.touch();
            break;
          }
          case "usage":
            usage = part.usage;
            break;
          case "finish":
            finished = true;
            truncated = part.reason === "length";
            break;
        }
      }
      outcome = ending(generation, finished, answered);
    } catch (error) {
      outcome =
        controller.signal.aborted && !finished
          ? ending(generation, finished, answered)
          : {
              kind: "failed",
              code: "upstream",
              message: error instanceof Error ? error.message : String(error),
            };
    } finally {
      clearTimeout(idle);
    }

    // A cut-short answer does not wait for its title; a finished one waits a little at most.
    const titleGrace = setTimeout(
      () => titleController.abort(),
      outcome.kind === "finished" ? TITLE_GRACE_MS : 0,
    );
    await titleDone;
    clearTimeout(titleGrace);
    await checkpoint.stop();
    await save({
      content: text,
      reasoning,
      interrupted: outcome.kind !== "finished",
      truncated: outcome.kind === "finished" && truncated,
      error: outcome.kind === "failed" ? outcome.message : null,
      ...(usage ? { usage } : {}),
      ...(timeToFirstTokenMs !== undefined ? { timeToFirstTokenMs } : {}),
    });
    await append(
      outcome.kind === "failed"
        ? { type: "error", code: outcome.code, message: outcome.message }
        : {
            type: "final",
            text,
            interrupted: outcome.kind === "stopped",
            truncated: outcome.kind === "finished" && truncated,
            usage: usage ?? null,
          },
    );

    // Never the prompt or the answer: only what it cost and how it went.
    spec.log.info(
      {
        generationId: id,
        model: spec.model,
        api: spec.request.api,
        outcome: outcome.kind === "failed" ? `failed:${outcome.code}` : outcome.kind,
        durationMs: Math.round(performance.now() - started),
        timeToFirstTokenMs: timeToFirstTokenMs ?? null,
        usage: usage ?? null,
      },
      "generation ended",
    );
  }

  /** How a stream that ended (or threw after an abort) turned out. */
  function ending(generation: Running, finished: boolean, answered: boolean): Outcome {
    const reason = generation.abortReason;
    if (reason && !finished) {
      if (reason === "timeout") {
        const seconds = options.idleTimeoutMs / 1000;
        return {
          kind: "failed",
          code: "timeout",
          message: `The model stopped responding (nothing for ${seconds} s).`,
        };
      }
      return { kind: "stopped" };
    }
    if (!answered)
      return { kind: "failed", code: "empty", message: "the model returned no output" };
    return { kind: "finished" };
  }

  function abort(generation: Running, reason: NonNullable<Running["abortReason"]>) {
    generation.abortReason ??= reason;
    generation.controller.abort();
  }

  return {
    /** Opens the generation's log and starts it; resolves with its id once it can be streamed. */
    async start(spec: GenerationSpec): Promise<string> {
      const id = randomUUID();
      await events.open(id, {
        ownerId: spec.ownerId,
        conversationId: spec.conversationId,
        messageId: spec.messageId,
      });
      const generation: Running = {
        id,
        spec,
        startedAt: new Date(),
        controller: new AbortController(),
        done: Promise.resolve(),
      };
      running.set(id, generation);
      byMessage.set(spec.messageId, generation);
      notify(spec.ownerId);
      generation.done = run(generation)
        .catch(async (error: unknown) => {
          // Parley's own failure (the database went away…): the stream still ends, with an error.
          spec.log.error({ err: error, generationId: id }, "generation failed");
          generation.controller.abort();
          await events
            .append(id, { type: "error", code: "internal", message: "Parley failed to answer." })
            .catch(() => {});
        })
        .finally(async () => {
          running.delete(id);
          if (byMessage.get(spec.messageId) === generation) byMessage.delete(spec.messageId);
          await events.end(id).catch(() => {});
          notify(spec.ownerId);
        });
      return id;
    },

    /** Stops a running generation of the owner's and waits until its answer is saved. */
    async stop(ownerId: string, generationId: string): Promise<{ stopped: boolean }> {
      const generation = running.get(generationId);
      if (generation && generation.spec.ownerId === ownerId) {
        abort(generation, "stop");
        await generation.done;
        return { stopped: true };
      }
      const meta = await events.meta(generationId);
      if (!meta || meta.ownerId !== ownerId) throw notFound();
      return { stopped: false };
    },

    /** Stops the running generations `which` picks (before their messages are deleted). */
    async stopWhere(
      which: (generation: {
        ownerId: string;
        conversationId: string;
        messageId: string;
      }) => boolean,
    ): Promise<void> {
      const stopping = [...running.values()].filter((generation) => which(generation.spec));
      for (const generation of stopping) abort(generation, "stop");
      await Promise.all(stopping.map((generation) => generation.done));
    },

    /** The running generation writing a message, if any. */
    generationFor(messageId: string): string | undefined {
      return byMessage.get(messageId)?.id;
    },

    active,

    /** The owner's running generations now, then again after every change. */
    async *watchActive(ownerId: string, signal: AbortSignal): AsyncGenerator<ActiveGenerations> {
      let dirty = true;
      let wake: (() => void) | undefined;
      const onChange = () => {
        dirty = true;
        wake?.();
      };
      const onAbort = () => wake?.();
      const set = watchers.get(ownerId) ?? new Set();
      watchers.set(ownerId, set);
      set.add(onChange);
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        while (!signal.aborted) {
          if (dirty) {
            dirty = false;
            yield { generations: active(ownerId) };
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        set.delete(onChange);
        if (set.size === 0) watchers.delete(ownerId);
        signal.removeEventListener("abort", onAbort);
      }
    },

    /**
     * The generation's events after `lastEventId` (all of them without it), then new ones until
     * `final` or `error`. Never throws once streaming: a retryable error would make the client
     * reconnect, and its failures are already events. Not the owner's, or expired: NOT_FOUND.
     */
    async *stream(
      ownerId: string,
      input: { generationId: string; lastEventId?: string | null },
      signal: AbortSignal,
      log: FastifyBaseLogger,
    ): AsyncGenerator<TrackedEnvelope<GenerationEvent>> {
      const { generationId } = input;
      const from = input.lastEventId ? seqAfter(generationId, input.lastEventId) : 0;
      let meta: GenerationMeta | undefined;
      try {
        meta = await events.meta(generationId);
      } catch (error) {
        yield unreadable(generationId, error, log);
        return;
      }
      if (!meta || meta.ownerId !== ownerId) throw notFound();
      try {
        for await (const { seq, event } of events.follow(generationId, from, signal)) {
          yield tracked(`${generationId}:${seq}`, padded(event));
        }
      } catch (error) {
        yield unreadable(generationId, error, log);
      }
    },

    /** Stops everything (on shutdown) and waits until every answer is saved. */
    async close(): Promise<void> {
      const all = [...running.values()];
      for (const generation of all) abort(generation, "shutdown");
      await Promise.all(all.map((generation) => generation.done));
    },
  };
}

function padded(event: GenerationEvent): GenerationEvent {
  return event.type === "token" || event.type === "reasoning"
    ? { ...event, pad: padFor(event.text) }
    : event;
}

/**
 * The last event of a stream whose log could not be read (Redis down…). An error thrown here
 * would be INTERNAL_SERVER_ERROR, which the client retries in a loop; an event ends the stream,
 * and the saved message is still there to load. Its id is not a seq: nothing resumes after it.
 */
function unreadable(
  generationId: string,
  error: unknown,
  log: FastifyBaseLogger,
): TrackedEnvelope<GenerationEvent> {
  log.error({ err: error, generationId }, "could not read a generation's events");
  return tracked(`${generationId}:unreadable`, {
    type: "error",
    code: "internal",
    message: "This answer's stream could not be read; reload the conversation to see it.",
  });
}

/** The seq to resume from after an event id `<generationId>:<seq>`. */
function seqAfter(generationId: string, lastEventId: string): number {
  const separator = lastEventId.lastIndexOf(":");
  const seq = Number(lastEventId.slice(separator + 1));
  if (
    separator < 0 ||
    lastEventId.slice(0, separator) !== generationId ||
    !Number.isSafeInteger(seq) ||
    seq < 0
  ) {
    throw new TRPCError({
      code: "BAD_REQUEST",
      message: `lastEventId must be "${generationId}:<seq>"`,
    });
  }
  return seq + 1;
}

function notFound(): TRPCError {
  return new TRPCError({ code: "NOT_FOUND", message: "No such generation." });
}

/**
 * Writes at most once per `intervalMs`: `touch()` after a change schedules a write; `stop()`
 * cancels any pending one and waits for a write in progress.
 */
function createCheckpoint(
  write: () => Promise<void>,
  intervalMs: number,
  onError: (error: unknown) => void,
) {
  let timer: NodeJS.Timeout | undefined;
  let lastWrite = 0;
  let inFlight: Promise<void> = Promise.resolve();
  let stopped = false;
  return {
    touch() {
      if (timer || stopped) return;
      const wait = Math.max(0, lastWrite + intervalMs - performance.now());
      timer = setTimeout(() => {
        timer = undefined;
        lastWrite = performance.now();
        inFlight = inFlight.then(write).catch(onError);
      }, wait);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
  };
}
