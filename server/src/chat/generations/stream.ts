// Reading generations: a subscriber's events (by generation, or by the message it writes, even
// before it has begun), and the owner's running generations for the sidebar.

import type { ActiveGenerations, GenerationEvent, GenerationStreamInput } from "@parley/shared";
import { badRequest, notFound } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { GenerationObserver } from "../../metrics/index.ts";
import type { GenerationBus, GenerationInfo, LoggedEvent } from "../bus/index.ts";

/** How long a subscription by message id waits for its generation to begin. */
export const GENERATION_WAIT_MS = 30_000;

/** One event for a subscriber; `seq` null marks a last event that cannot be resumed after. */
export interface StreamedEvent {
  generationId: string;
  seq: number | null;
  event: GenerationEvent;
}

export function createGenerationReader(deps: {
  bus: GenerationBus;
  waitMs?: number;
  /** Told of each subscriber that starts and stops reading. */
  observer?: GenerationObserver;
}) {
  const { bus, observer } = deps;
  const waitMs = deps.waitMs ?? GENERATION_WAIT_MS;

  /** The generation a subscription names (by message: once it has begun). */
  function find(input: GenerationStreamInput, signal: AbortSignal) {
    return input.messageId !== undefined
      ? bus.generationOf(input.messageId, AbortSignal.any([signal, AbortSignal.timeout(waitMs)]))
      : bus.info(input.generationId ?? "");
  }

  return {
    /**
     * The generation's events after `lastEventId` (all of them without it), then new ones
     * until `final` or `error`. Never throws once streaming: a retryable error would make the
     * client reconnect, and its failures are already events. Not the owner's, or expired:
     * NOT_FOUND. Events that piled up while the subscriber was busy come merged (see `merge`).
     */
    async *stream(
      ownerId: string,
      input: GenerationStreamInput,
      signal: AbortSignal,
      log: Logger,
    ): AsyncGenerator<StreamedEvent> {
      let info: GenerationInfo | undefined;
      try {
        info = await find(input, signal);
      } catch (error) {
        yield unreadable(input.generationId ?? input.messageId ?? "", error, log);
        return;
      }
      if (signal.aborted) return;
      if (!info || info.ownerId !== ownerId) throw notFound("generation");
      const { generationId } = info;
      const from = input.lastEventId
        ? seqAfter(generationId, input.lastEventId, input.messageId !== undefined)
        : 0;
      observer?.subscriberOpened();
      try {
        for await (const batch of bus.follow(generationId, from, signal)) {
          for (const { seq, event } of merge(batch)) yield { generationId, seq, event };
        }
      } catch (error) {
        yield unreadable(generationId, error, log);
      } finally {
        observer?.subscriberClosed();
      }
    },

    /** The owner's running generations now, then again after every change. */
    async *watchActive(ownerId: string, signal: AbortSignal): AsyncGenerator<ActiveGenerations> {
      // Watched before the first read, so a change right after it is not missed.
      const changes = bus.changes(ownerId, signal);
      try {
        do {
          const generations = (await bus.running(ownerId)).map(
            ({ generationId, conversationId, messageId, model, startedAt }) => ({
              generationId,
              conversationId,
              messageId,
              model,
              startedAt,
            }),
          );
          yield { generations };
        } while (!signal.aborted && !(await changes.next()).done);
      } finally {
        await changes.return?.();
      }
    },
  };
}

/**
 * A batch with each run of consecutive token (or reasoning) events as one event carrying their
 * text, numbered as the last of them: resuming after it resumes after all of them.
 */
export function merge(batch: readonly LoggedEvent[]): LoggedEvent[] {
  const merged: LoggedEvent[] = [];
  for (const entry of batch) {
    const previous = merged.at(-1);
    const { event } = entry;
    if (
      previous &&
      (event.type === "token" || event.type === "reasoning") &&
      previous.event.type === event.type
    ) {
      merged[merged.length - 1] = {
        seq: entry.seq,
        event: { type: event.type, text: previous.event.text + event.text, pad: "" },
      };
    } else {
      merged.push(entry);
    }
  }
  return merged;
}

/**
 * The last event of a stream whose log could not be read (Redis down…). An error thrown here
 * would be INTERNAL_SERVER_ERROR, which the client retries in a loop; an event ends the stream,
 * and the saved message is still there to load.
 */
function unreadable(generationId: string, error: unknown, log: Logger): StreamedEvent {
  log.error({ err: error, generationId }, "could not read a generation's events");
  return {
    generationId,
    seq: null,
    event: {
      type: "error",
      code: "unreadable",
      message: "This answer's stream could not be read here; reload the conversation to see it.",
    },
  };
}

/**
 * The seq to resume from after an event id `<generationId>:<seq>`. Following a message, an id of
 * an earlier generation of it (before a continue) starts the current one from its beginning.
 */
export function seqAfter(generationId: string, lastEventId: string, byMessage = false): number {
  const separator = lastEventId.lastIndexOf(":");
  const digits = lastEventId.slice(separator + 1);
  // Digits only: Number() would read "" as 0, and " 7", "0x7" or "7e0" as 7.
  const seq = /^\d+$/.test(digits) ? Number(digits) : Number.NaN;
  const sameGeneration = separator >= 0 && lastEventId.slice(0, separator) === generationId;
  if (byMessage && !sameGeneration) return 0;
  if (!sameGeneration || !Number.isSafeInteger(seq) || seq < 0) {
    throw badRequest(`lastEventId must be "${generationId}:<seq>"`);
  }
  return seq + 1;
}
