// Running generations: one upstream call each, on the server whatever its watchers do. A
// generation starts before the send's write has committed (so the upstream request is already
// on its way), but nothing of it is stored or shown until the write commits; if the write
// fails, it is abandoned. Each writes its events to the bus, checkpoints the answer, and ends
// with exactly one `final` (finished or stopped) or `error`.

import { randomUUID } from "node:crypto";
import type { GenerationErrorCode, GenerationEvent, TokenUsage, ToolRound } from "@parley/shared";
import type { Db } from "../../db/client.ts";
import type { ModelRoute } from "../../llm/registry.ts";
import type { UpstreamRequest } from "../../llm/stream.ts";
import type { Logger } from "../../log.ts";
import type { GenerationObserver } from "../../metrics/index.ts";
import type { ToolChoice } from "../../tools/choice.ts";
import { runToolLoop } from "../../tools/loop.ts";
import type { GenerationBus, GenerationInfo } from "../bus/index.ts";
import { generateTitle } from "../titles.ts";
import { createCheckpointWriter } from "./checkpoint.ts";
import { type AnswerSoFar, saveCheckpoints, saveFinal, saveTitle } from "./saves.ts";

export interface GenerationOptions {
  /** Silence from the upstream (before headers or between events) longer than this fails it. */
  idleTimeoutMs: number;
  /** The answer is written to the database at most this often while streaming. */
  checkpointIntervalMs: number;
  /** How long after the answer's first token its conversation's title is asked for. */
  titleDelayMs: number;
  /** How long a title request may take before the first words of the prompt are used. */
  titleTimeoutMs: number;
}

export const DEFAULT_GENERATION_OPTIONS: GenerationOptions = {
  // Reasoning models can think for a long while before their first event.
  idleTimeoutMs: 120_000,
  checkpointIntervalMs: 1_000,
  titleDelayMs: 1_000,
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
  /** The tools the model may call (none when undefined). */
  tools?: ToolChoice;
  /** What the answer appends to: the existing message for continue, else empty. */
  base: { text: string; reasoning: string; toolRounds: ToolRound[] };
  /** The first user message, when this generation should also title the conversation. */
  titleFrom?: string;
  /** The sending request's logger (it carries the request id). */
  log: Logger;
}

/** A generation that has started upstream, waiting for the send's write. */
export interface PendingGeneration {
  generationId: string;
  /** The send's write committed: the answer may be stored and shown. Resolves once streamable. */
  commit(): Promise<void>;
  /** The send's write failed: the upstream request is dropped; nothing is stored or shown. */
  abandon(): void;
}

type AbortReason = "stop" | "timeout" | "shutdown" | "abandoned";

interface Running {
  info: GenerationInfo;
  spec: GenerationSpec;
  controller: AbortController;
  /** Why the upstream request was aborted, once it is. */
  abortReason?: AbortReason;
  /** Resolves true once the send's write commits, false if it failed. */
  admitted: Promise<boolean>;
  /** Resolves like `admitted`, once the generation is also on the bus (streamable). */
  begun: Promise<boolean>;
  /** On the bus: its log must be ended, whatever happens. */
  onBus: boolean;
  done: Promise<void>;
}

type Outcome =
  | { kind: "finished" }
  | { kind: "stopped" }
  | { kind: "failed"; code: GenerationErrorCode; message: string };

export type GenerationRunner = ReturnType<typeof createGenerationRunner>;

export function createGenerationRunner(deps: {
  db: Db;
  bus: GenerationBus;
  options: GenerationOptions;
  /** Told when each generation starts and ends (metrics, provider health). */
  observer?: GenerationObserver;
  /** For what belongs to no one request (a checkpoint saves many answers at once). */
  log: Logger;
}) {
  const { db, bus, options, observer } = deps;
  /** Every answer this instance writes, checkpointed together. */
  const checkpoints = createCheckpointWriter<AnswerSoFar>(
    (answers) => saveCheckpoints(db, answers),
    options.checkpointIntervalMs,
    (error, count) => deps.log.warn({ err: error, answers: count }, "checkpoint failed"),
  );
  /** The generations this instance runs. */
  const running = new Map<string, Running>();

  // A stop asked of any instance reaches the one running the generation.
  bus.onStopRequest((generationId) => {
    const generation = running.get(generationId);
    if (generation) abort(generation, "stop");
  });

  async function run(generation: Running): Promise<void> {
    const { info, spec, controller } = generation;
    const id = info.generationId;
    const started = performance.now();

    // Until the send's write commits, events wait here; then they go to the bus in order.
    let pending: GenerationEvent[] | undefined = [];
    const emit = (event: GenerationEvent) => {
      if (pending) pending.push(event);
      else bus.append(id, event);
    };
    const admitted = generation.admitted.then(async (ok) => {
      if (!ok) return false;
      await bus.begin(info);
      generation.onBus = true;
      bus.append(id, { type: "started", ...startedFields(info), text: spec.base.text });
      for (const event of pending ?? []) bus.append(id, event);
      pending = undefined;
      return true;
    });
    generation.begun = admitted;

    let text = spec.base.text;
    let reasoning = spec.base.reasoning;
    let toolRounds = spec.base.toolRounds;
    /** Tool calls started and not finished: a running tool has its own timeout. */
    let toolsRunning = 0;
    let answered = false;
    let finished = false;
    /** The model stopped at the output token limit. */
    let truncated = false;
    let usage: TokenUsage | undefined;
    let timeToFirstTokenMs: number | undefined;

    // The title is asked for a moment after the answer's first words, or when it ends if that
    // comes first, and lands in the log whenever it arrives. Not at the send: when many new
    // conversations start at once, their first tokens do not wait behind a second upstream
    // request each.
    const titleController = new AbortController();
    let titleDone: Promise<void> | undefined;
    let titleTimer: NodeJS.Timeout | undefined;
    const askTitle = (): Promise<void> => {
      clearTimeout(titleTimer);
      titleDone ??=
        spec.titleFrom === undefined
          ? Promise.resolve()
          : generateTitle(spec.route, spec.titleFrom, {
              signal: titleController.signal,
              timeoutMs: options.titleTimeoutMs,
            })
              .then(async (title) => {
                if (!(await admitted)) return;
                if (await saveTitle(db, spec.conversationId, title)) {
                  emit({ type: "title", title });
                }
              })
              .catch((error: unknown) =>
                spec.log.warn({ err: error, generationId: id }, "saving the title failed"),
              );
      return titleDone;
    };

    const checkpoint = checkpoints.track(spec.messageId, () => ({ text, reasoning, toolRounds }));
    let idle: NodeJS.Timeout | undefined;
    let lastHeard = performance.now();
    const resetIdle = () => {
      lastHeard = performance.now();
      clearTimeout(idle);
      idle = setTimeout(checkIdle, options.idleTimeoutMs);
    };
    // Timers run before the loop reads sockets: after a stall (a busy event loop), what the
    // upstream sent meanwhile is read first, and only real silence fails the answer.
    const checkIdle = () =>
      setImmediate(() => {
        const silent = performance.now() - lastHeard;
        // The idle timeout is the model's; a running tool has its own (TOOL_TIMEOUT_SECONDS).
        if (toolsRunning > 0) resetIdle();
        else if (silent >= options.idleTimeoutMs) abort(generation, "timeout");
        else idle = setTimeout(checkIdle, options.idleTimeoutMs - silent);
      });

    let outcome: Outcome;
    let upstreamError: unknown;
    observer?.started(spec.model);
    try {
      resetIdle();
      const parts = runToolLoop({
        route: spec.route,
        request: spec.request,
        tools: spec.tools,
        signal: controller.signal,
        base: { text: spec.base.text, rounds: spec.base.toolRounds },
      });
      for await (const part of parts) {
        // The idle timer looks at this when it fires: no timer is reset per token.
        lastHeard = performance.now();
        toolsRunning += part.type === "tool_call" ? 1 : part.type === "tool_result" ? -1 : 0;
        switch (part.type) {
          case "text":
          case "reasoning": {
            if (timeToFirstTokenMs === undefined) {
              timeToFirstTokenMs = Math.round(performance.now() - started);
              titleTimer = setTimeout(askTitle, options.titleDelayMs);
            }
            // Padding is added per frame when streamed, so the log keeps only the text.
            if (part.type === "text") {
              text += part.delta;
              answered = true;
              emit({ type: "token", text: part.delta, pad: "" });
            } else {
              reasoning += part.delta;
              emit({ type: "reasoning", text: part.delta, pad: "" });
            }
            // Nothing is stored before the send's own write.
            if (!pending) checkpoint.touch();
            break;
          }
          case "usage":
            usage = part.usage;
            break;
          case "finish":
            finished = true;
            truncated = part.reason === "length";
            break;
          case "tool_call":
          case "tool_result":
            emit(part);
            break;
          case "tool_rounds":
            toolRounds = part.rounds;
            if (!pending) checkpoint.touch();
            break;
        }
      }
      outcome = ending(generation, finished, answered);
    } catch (error) {
      upstreamError = error;
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
    observer?.ended({
      model: spec.model,
      outcome: outcome.kind,
      errorCode: outcome.kind === "failed" ? outcome.code : undefined,
      error: upstreamError,
      durationMs: performance.now() - started,
      timeToFirstTokenMs,
      outputTokens: usage?.outputTokens,
    });

    if (!(await admitted)) {
      clearTimeout(titleTimer);
      titleController.abort();
      await titleDone;
      return;
    }
    // A cut-short answer does not wait for its title (it gets the first words of the message);
    // a finished one waits a little at most.
    if (outcome.kind !== "finished") titleController.abort();
    const titleGrace = setTimeout(() => titleController.abort(), TITLE_GRACE_MS);
    await askTitle();
    clearTimeout(titleGrace);
    await checkpoint.stop();
    await saveFinal(db, spec.messageId, {
      text,
      reasoning,
      toolRounds,
      interrupted: outcome.kind !== "finished",
      truncated: outcome.kind === "finished" && truncated,
      error: outcome.kind === "failed" ? outcome.message : null,
      usage,
      timeToFirstTokenMs,
    });
    emit(
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

  function abort(generation: Running, reason: AbortReason) {
    generation.abortReason ??= reason;
    generation.controller.abort();
  }

  /** Resolves once the generation has ended everywhere, or after `timeoutMs`. */
  async function ended(generationId: string, timeoutMs: number): Promise<void> {
    const local = running.get(generationId);
    if (local) return local.done;
    const signal = AbortSignal.timeout(timeoutMs);
    // Following from past any seq yields nothing and returns when the log ends.
    for await (const _ of bus.follow(generationId, Number.MAX_SAFE_INTEGER, signal)) {
      // (no events to read)
    }
  }

  return {
    /**
     * Starts the upstream request at once. The caller then writes the send and calls
     * `commit()` (or `abandon()` if the write failed).
     */
    start(spec: GenerationSpec): PendingGeneration {
      let admit: (ok: boolean) => void = () => {};
      const generation: Running = {
        info: {
          generationId: randomUUID(),
          ownerId: spec.ownerId,
          conversationId: spec.conversationId,
          messageId: spec.messageId,
          model: spec.model,
          startedAt: new Date(),
        },
        spec,
        controller: new AbortController(),
        admitted: new Promise<boolean>((resolve) => {
          admit = resolve;
        }),
        begun: Promise.resolve(false),
        onBus: false,
        done: Promise.resolve(),
      };
      const id = generation.info.generationId;
      running.set(id, generation);
      generation.done = run(generation)
        .catch(async (error: unknown) => {
          // Parley's own failure (the database went away…): the stream still ends, with an error.
          spec.log.error({ err: error, generationId: id }, "generation failed");
          generation.controller.abort();
          if (!generation.onBus) return;
          bus.append(id, { type: "error", code: "internal", message: "Parley failed to answer." });
        })
        .finally(async () => {
          running.delete(id);
          if (generation.onBus) await bus.end(id).catch(() => {});
        });
      return {
        generationId: id,
        async commit() {
          admit(true);
          // Streamable once the bus has it: the send returns only then.
          await generation.begun;
        },
        abandon() {
          abort(generation, "abandoned");
          admit(false);
        },
      };
    },

    /** Stops a generation of the owner's, wherever it runs, and waits until its answer is saved. */
    async stop(ownerId: string, generationId: string): Promise<{ stopped: boolean } | undefined> {
      const local = running.get(generationId);
      if (local && local.info.ownerId === ownerId) {
        abort(local, "stop");
        await local.done;
        return { stopped: true };
      }
      const info = await bus.info(generationId);
      if (!info || info.ownerId !== ownerId) return undefined;
      const stillRunning = (await bus.running(ownerId)).some(
        (other) => other.generationId === generationId,
      );
      if (!stillRunning) return { stopped: false };
      await bus.requestStop(generationId);
      await ended(generationId, 10_000);
      return { stopped: true };
    },

    /** Stops the owner's running generations that `which` picks (before their messages go). */
    async stopWhere(ownerId: string, which: (generation: GenerationInfo) => boolean) {
      const stopping = (await bus.running(ownerId)).filter(which);
      await Promise.all(
        stopping.map(async ({ generationId }) => {
          const local = running.get(generationId);
          if (local) abort(local, "stop");
          else await bus.requestStop(generationId);
          await ended(generationId, 10_000);
        }),
      );
    },

    /** Of `messageIds`, one that a generation is writing right now. */
    writing: (messageIds: readonly string[]) => bus.writing(messageIds),

    /**
     * The messages the owner's running generations write, with the generation of each; none
     * when the bus cannot say (Redis away): the conversation still reads, without live answers.
     */
    async writers(ownerId: string): Promise<Map<string, string>> {
      const all = await bus.running(ownerId).catch(() => []);
      return new Map(all.map((info) => [info.messageId, info.generationId]));
    },

    /** Stops everything of this instance's (on shutdown) and waits until every answer is saved. */
    async close(): Promise<void> {
      const all = [...running.values()];
      for (const generation of all) abort(generation, "shutdown");
      await Promise.all(all.map((generation) => generation.done));
    },
  };
}

function startedFields(info: GenerationInfo) {
  return {
    generationId: info.generationId,
    conversationId: info.conversationId,
    messageId: info.messageId,
    model: info.model,
  };
}
