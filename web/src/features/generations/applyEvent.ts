// What a generation's stream has delivered, as pure functions: `applyEvent` for the server's
// events and `applySignal` for what the connection does. The store (store.ts) owns the
// subscription and the pacing; this decides what each event means.

import type { GenerationErrorCode, GenerationEvent, TokenUsage } from "@parley/shared";
import type { ShownStep } from "../tools/ToolSteps.tsx";

export type StreamStatus =
  /** Opening the stream (or waiting for the send that starts the generation). */
  | "connecting"
  /** Events arriving. */
  | "streaming"
  /** The connection dropped; the event source is reconnecting (and resumes after the last event). */
  | "reconnecting"
  /** `final` arrived: the whole answer (or what was kept of a stopped one). */
  | "finished"
  /** `error` arrived. */
  | "failed"
  /** The stream is no longer there (expired, unknown, or closed): the saved message is what remains. */
  | "gone";

export interface AnswerStream {
  /** The generation the events come from (read from their ids); null before the first. */
  generationId: string | null;
  /** The last event's id, `<generationId>:<seq>`: a resumed stream starts after it. */
  lastEventId: string | null;
  /** The answer's text so far (all that arrived; the store paces what is shown). */
  text: string;
  reasoning: string;
  /** Tool calls so far, each with its result once it is in. */
  steps: ShownStep[];
  status: StreamStatus;
  /** Set by `final`: stopped before the model finished. */
  interrupted: boolean;
  /** Set by `final`: the model stopped at its output token limit. */
  truncated: boolean;
  usage: TokenUsage | null;
  error: { code: GenerationErrorCode | "gone"; message: string } | null;
  /** The conversation's title, once the generation named it. */
  title: string | null;
  /** The stream has been open once: a dropped connection from then on is a reconnection. */
  opened: boolean;
  /** Nothing more will come from the server: what was saved of the stream can go. */
  over: boolean;
}

/** The events' wire shape: a tracked event's id and data. */
export interface TrackedEvent {
  id: string;
  data: GenerationEvent;
}

export const ENDED: ReadonlySet<StreamStatus> = new Set(["finished", "failed", "gone"]);

/** A stream before its first event; `resumed` is what an earlier page saw (a reload). */
export function initialStream(
  resumed?:
    | { lastEventId: string; text: string; reasoning: string; steps?: ShownStep[] }
    | { text: string },
): AnswerStream {
  const lastEventId = resumed && "lastEventId" in resumed ? resumed.lastEventId : null;
  return {
    generationId: lastEventId === null ? null : generationOf(lastEventId),
    lastEventId,
    text: resumed?.text ?? "",
    reasoning: resumed && "reasoning" in resumed ? resumed.reasoning : "",
    steps: resumed && "steps" in resumed && Array.isArray(resumed.steps) ? resumed.steps : [],
    status: "connecting",
    interrupted: false,
    truncated: false,
    usage: null,
    error: null,
    title: null,
    opened: false,
    over: false,
  };
}

/** The generation id of an event id `<generationId>:<seq>`. */
export function generationOf(eventId: string): string {
  const separator = eventId.lastIndexOf(":");
  return separator < 0 ? eventId : eventId.slice(0, separator);
}

/**
 * The stream after one event. Text events may carry many tokens' text at once (the server
 * merges what piled up), and seqs may skip; an event of a type this app does not know moves
 * the position and changes nothing else. Nothing applies after the stream has ended.
 */
export function applyEvent(state: AnswerStream, { id, data: event }: TrackedEvent): AnswerStream {
  if (ENDED.has(state.status)) return state;
  const next: AnswerStream = {
    ...state,
    generationId: generationOf(id),
    lastEventId: id,
    // A title can come before anything else; it says nothing about the answer.
    status: event.type === "title" ? state.status : "streaming",
  };
  switch (event.type) {
    case "started":
      // The text the answer appends to (a continued answer's), whatever was shown before.
      return { ...next, text: event.text };
    case "token":
      return { ...next, text: state.text + event.text };
    case "reasoning":
      return { ...next, reasoning: state.reasoning + event.text };
    case "title":
      return { ...next, title: event.title };
    case "tool_call":
      // Where in the text it was called, so the step shows there.
      return {
        ...next,
        steps: [
          ...state.steps,
          {
            callId: event.callId,
            tool: event.tool,
            arguments: event.arguments,
            at: state.text.length,
          },
        ],
      };
    case "tool_result": {
      const { callId, type: _type, ...result } = event;
      return {
        ...next,
        steps: state.steps.map((step) => (step.callId === callId ? { ...step, result } : step)),
      };
    }
    case "final":
      // The persisted answer, whole: what the reader sees in the end is exactly it.
      return {
        ...next,
        text: event.text,
        interrupted: event.interrupted,
        truncated: event.truncated,
        usage: event.usage,
        status: "finished",
        over: true,
      };
    case "error":
      // Not a failed answer: this stream could not be read here (the server lost Redis, say).
      // The answer goes on being saved; the conversation shows it once reloaded.
      if (event.code === "unreadable") {
        return {
          ...next,
          error: { code: "gone", message: event.message },
          status: "gone",
          over: true,
        };
      }
      return {
        ...next,
        error: { code: event.code, message: event.message },
        status: "failed",
        over: true,
      };
    default:
      return next;
  }
}

/** What the connection of a stream does, apart from its events. */
export type StreamSignal =
  /** The request is open (first time, or again after a drop). */
  | { type: "open" }
  /** The connection dropped; the event source is trying again. */
  | { type: "lost" }
  /** The server refused the stream; `final`: it never will have it (expired, unknown). */
  | { type: "refused"; message: string; final: boolean }
  /** The stream closed without an ending (the page being left, or the log dropped). */
  | { type: "closed" };

export function applySignal(state: AnswerStream, signal: StreamSignal): AnswerStream {
  if (ENDED.has(state.status)) return state;
  switch (signal.type) {
    case "open":
      return {
        ...state,
        opened: true,
        status: state.status === "reconnecting" ? "streaming" : state.status,
      };
    case "lost":
      return state.opened ? { ...state, status: "reconnecting" } : state;
    case "refused":
      return {
        ...state,
        status: "gone",
        error: { code: "gone", message: signal.message },
        over: signal.final,
      };
    case "closed":
      return { ...state, status: "gone" };
  }
}
