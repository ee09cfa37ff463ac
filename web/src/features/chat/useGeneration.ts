import type { GenerationErrorCode, GenerationEvent, TokenUsage } from "@parley/shared";
import { useEffect, useRef, useState } from "react";
import { session } from "../../lib/storage.ts";
import { useTRPCClient } from "../../trpc.ts";
import type { ShownStep } from "../tools/ToolSteps.tsx";

export type GenerationStatus =
  /** Opening the stream. */
  | "connecting"
  /** Tokens arriving. */
  | "streaming"
  /** The connection dropped; the event source is reconnecting (and will resume after the last event). */
  | "reconnecting"
  /** `final` arrived: the whole answer (or what was kept of a stopped one) is shown. */
  | "finished"
  /** `error` arrived. */
  | "failed"
  /** The stream is no longer there (expired or unknown): the saved message is what remains. */
  | "gone";

export interface GenerationState {
  generationId: string;
  /** The answer as shown (with smoothing, a little behind what arrived). */
  text: string;
  reasoning: string;
  /** Tool calls so far, each with its result once it is in. */
  steps: ShownStep[];
  status: GenerationStatus;
  /** Set by `final`. */
  interrupted: boolean;
  /** Set by `final`: cut at the output token limit. */
  truncated: boolean;
  usage: TokenUsage | null;
  error: { code: GenerationErrorCode | "gone"; message: string } | null;
}

export interface GenerationOptions {
  /** Reveal text at an even pace instead of in bursts (settings.streamingSmoothing). */
  smoothing: boolean;
  onTitle?: (title: string) => void;
  /** The stream ended and everything is shown: time to load the saved message. */
  onEnd?: () => void;
}

/** What survives a reload: the last event id and the text up to exactly that event. */
interface Snapshot {
  lastEventId: string;
  text: string;
  reasoning: string;
  steps?: ShownStep[];
}

const snapshotKey = (generationId: string) => `parley.generation.${generationId}`;

function readSnapshot(generationId: string): Snapshot | undefined {
  const value = session.get(snapshotKey(generationId)) as Partial<Snapshot> | undefined;
  if (
    typeof value?.lastEventId === "string" &&
    value.lastEventId.startsWith(`${generationId}:`) &&
    typeof value.text === "string" &&
    typeof value.reasoning === "string"
  ) {
    return value as Snapshot;
  }
  return undefined;
}

/** How often the snapshot is written while streaming (and always when the page is hidden). */
const SNAPSHOT_INTERVAL_MS = 500;
/** Frames are the pace of rendering; hidden tabs get none, so a timer stands in for them. */
const FRAME_FALLBACK_MS = 100;

/**
 * Follows one generation: owns its `generations.stream` subscription, the last event id (kept
 * in sessionStorage with the text up to it, so a reload resumes exactly where it was, sending
 * it as `lastEventId`), and the reconnection state (httpSubscriptionLink reconnects on its own,
 * sending the last event id it saw). Text is published at most once per frame.
 */
export function useGeneration(
  generationId: string | null,
  options: GenerationOptions,
): GenerationState | null {
  const client = useTRPCClient();
  const [state, setState] = useState<GenerationState | null>(null);
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(() => {
    if (!generationId) {
      setState(null);
      return;
    }
    const saved = readSnapshot(generationId);
    let lastEventId = saved?.lastEventId ?? null;
    let received = saved?.text ?? "";
    let reasoning = saved?.reasoning ?? "";
    let steps: ShownStep[] = Array.isArray(saved?.steps) ? saved.steps : [];
    let shown = received.length;
    let status: GenerationStatus = "connecting";
    let connected = false;
    let ended = false;
    /** The stream reached its true end (final, error, or gone on the server): forget the snapshot. */
    let over = false;
    let endReported = false;
    let interrupted = false;
    let truncated = false;
    let usage: TokenUsage | null = null;
    let error: GenerationState["error"] = null;
    let disposed = false;
    /** The page is unloading: its connections close, which must not read as the stream ending. */
    let leaving = false;
    let frame = 0;
    let frameTimer = 0;
    let snapshotTimer = 0;

    const persist = () => {
      window.clearTimeout(snapshotTimer);
      snapshotTimer = 0;
      if (over) session.set(snapshotKey(generationId), undefined);
      else if (lastEventId) {
        session.set(snapshotKey(generationId), { lastEventId, text: received, reasoning, steps });
      }
    };
    const persistSoon = () => {
      if (!snapshotTimer) snapshotTimer = window.setTimeout(persist, SNAPSHOT_INTERVAL_MS);
    };

    const publish = () => {
      window.cancelAnimationFrame(frame);
      window.clearTimeout(frameTimer);
      frame = 0;
      frameTimer = 0;
      if (disposed) return;
      const backlog = received.length - shown;
      if (backlog <= 0 || !optionsRef.current.smoothing) {
        shown = received.length;
      } else {
        // Closes a fixed share of the gap each frame: even in bursts, never far behind.
        shown += Math.max(2, Math.ceil(backlog / (ended ? 3 : 6)));
        // Never split a surrogate pair.
        const code = received.charCodeAt(shown - 1);
        if (code >= 0xd800 && code <= 0xdbff) shown += 1;
        shown = Math.min(shown, received.length);
      }
      const caughtUp = shown === received.length;
      setState({
        generationId,
        text: caughtUp ? received : received.slice(0, shown),
        reasoning,
        steps,
        // Ended, but still revealing the last words: not done yet for the reader.
        status: ended && !caughtUp ? "streaming" : status,
        interrupted,
        truncated,
        usage,
        error,
      });
      if (shown < received.length) schedule();
      else if (ended && !endReported) {
        endReported = true;
        optionsRef.current.onEnd?.();
      }
    };
    const schedule = () => {
      if (frame || disposed) return;
      frame = window.requestAnimationFrame(publish);
      frameTimer = window.setTimeout(publish, FRAME_FALLBACK_MS);
    };

    const apply = (event: GenerationEvent) => {
      switch (event.type) {
        case "started":
          received = event.text;
          break;
        case "token":
          received += event.text;
          break;
        case "reasoning":
          reasoning += event.text;
          break;
        case "title":
          optionsRef.current.onTitle?.(event.title);
          break;
        case "tool_call":
          steps = [
            ...steps,
            {
              callId: event.callId,
              tool: event.tool,
              arguments: event.arguments,
              at: received.length,
            },
          ];
          break;
        case "tool_result": {
          const { callId, type: _type, ...result } = event;
          steps = steps.map((step) => (step.callId === callId ? { ...step, result } : step));
          break;
        }
        case "final":
          // The persisted answer, whole: what the reader sees in the end is exactly it.
          received = event.text;
          interrupted = event.interrupted;
          truncated = event.truncated;
          usage = event.usage;
          status = "finished";
          ended = true;
          over = true;
          break;
        case "error":
          error = { code: event.code, message: event.message };
          status = "failed";
          ended = true;
          over = true;
          break;
      }
    };

    const subscription = client.generations.stream.subscribe(
      { generationId, lastEventId },
      {
        onData(envelope) {
          if (disposed || leaving) return;
          lastEventId = envelope.id;
          apply(envelope.data);
          if (!ended && status !== "streaming" && envelope.data.type !== "title") {
            status = "streaming";
          }
          if (ended) persist();
          else persistSoon();
          schedule();
        },
        onConnectionStateChange(connection) {
          if (ended || disposed || leaving) return;
          if (connection.state === "pending") {
            connected = true;
            if (status === "reconnecting") status = "streaming";
          } else if (connection.state === "connecting" && connected) {
            status = "reconnecting";
          }
          schedule();
        },
        onError(cause) {
          if (ended || disposed || leaving) return;
          // NOT_FOUND: the log expired (or was never ours); the saved message is all there is.
          ended = true;
          status = "gone";
          error = { code: "gone", message: cause.message };
          over = cause.data?.code === "NOT_FOUND" || cause.data?.code === "BAD_REQUEST";
          persist();
          schedule();
        },
        onComplete() {
          // Also called when we unsubscribe, and when the browser drops the connection of a
          // page being left (before pagehide): so the snapshot stays, and a later subscription
          // learns from the server whether there is more.
          if (ended || disposed || leaving) return;
          ended = true;
          status = "gone";
          schedule();
        },
      },
    );

    const onPageHide = () => {
      persist();
      leaving = true;
    };
    const onPageShow = (event: PageTransitionEvent) => {
      if (event.persisted) leaving = false;
    };
    window.addEventListener("pagehide", onPageHide);
    window.addEventListener("pageshow", onPageShow);
    schedule();
    return () => {
      disposed = true;
      subscription.unsubscribe();
      window.removeEventListener("pagehide", onPageHide);
      window.removeEventListener("pageshow", onPageShow);
      window.cancelAnimationFrame(frame);
      window.clearTimeout(frameTimer);
      persist();
    };
  }, [client, generationId]);

  return state?.generationId === generationId ? state : null;
}
