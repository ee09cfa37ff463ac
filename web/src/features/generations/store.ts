// The answers being written, by message: each one's `generations.stream` subscription, its
// state (applyEvent.ts), what is shown of it (paced, at most once per frame) and its snapshot
// for a reload. One store per app: a send starts following its answer before the send returns
// (`start`, by message id), and pages follow the answers they show (`follow`); views read.

import type { GenerationStreamInput, TokenUsage } from "@parley/shared";
import {
  type AnswerStream,
  applyEvent,
  applySignal,
  ENDED,
  generationOf,
  initialStream,
  type StreamStatus,
  type TrackedEvent,
} from "./applyEvent.ts";
import { nextShown } from "./pacing.ts";
import { readSnapshot, writeSnapshot } from "./snapshots.ts";

/** An answer as shown now: the text revealed so far, and how its stream is doing. */
export interface LiveAnswer {
  messageId: string;
  generationId: string | null;
  text: string;
  reasoning: string;
  steps: AnswerStream["steps"];
  /** "streaming" until the text is all shown, even once the stream has ended. */
  status: StreamStatus;
  interrupted: boolean;
  truncated: boolean;
  usage: TokenUsage | null;
  error: AnswerStream["error"];
}

/** The callbacks of one stream subscription (those of the tRPC client). */
export interface StreamHandlers {
  onData(event: TrackedEvent): void;
  onError(error: { message: string; data?: { code?: string } | null }): void;
  onComplete(): void;
  onConnectionStateChange(state: { state: "idle" | "connecting" | "pending" }): void;
}

export interface GenerationStoreOptions {
  /** Subscribes to `generations.stream`. */
  open(input: GenerationStreamInput, handlers: StreamHandlers): { unsubscribe(): void };
  /** Reveal text at an even pace (settings.streamingSmoothing); read every frame. */
  smoothing(): boolean;
  onTitle(conversationId: string, title: string): void;
  /** The stream ended and everything is shown: time to load the saved message. */
  onEnd(conversationId: string, messageId: string): void;
}

interface Entry {
  messageId: string;
  conversationId: string;
  stream: AnswerStream;
  shown: number;
  live: LiveAnswer;
  /** Pages and sends following it; at zero it closes (after a grace period). */
  users: number;
  /** The current subscription; callbacks of an earlier one are ignored. */
  subscription: { unsubscribe(): void } | null;
  /** The generation of the send starting this answer, until the send returns (null: it failed). */
  sending: Promise<string | null> | null;
  /** The generation being followed, once known (from the send, or the saved message). */
  generationId: string | null;
  /** Until the send returns, events may be an earlier generation's (a continue): kept, not shown. */
  held: boolean;
  /** The text the answer started from (a continued answer's). */
  baseText: string;
  endReported: boolean;
  frame: number;
  frameTimer: number;
  snapshotTimer: number;
  closeTimer: number;
}

/** How often the snapshot is written while streaming (and always when the page is hidden). */
const SNAPSHOT_INTERVAL_MS = 500;
/** Frames are the pace of rendering; hidden tabs get none, so a timer stands in for them. */
const FRAME_FALLBACK_MS = 100;
/** An answer nobody follows stays open this long: a page about to show it picks it up. */
const RELEASE_GRACE_MS = 3_000;

export type GenerationStore = ReturnType<typeof createGenerationStore>;

export function createGenerationStore(options: GenerationStoreOptions) {
  const entries = new Map<string, Entry>();
  const listeners = new Set<() => void>();
  /** The page is unloading: its connections close, which must not read as streams ending. */
  let leaving = false;

  const notify = () => {
    for (const listener of listeners) listener();
  };

  function create(messageId: string, conversationId: string, stream: AnswerStream): Entry {
    const entry: Entry = {
      messageId,
      conversationId,
      stream,
      shown: stream.text.length,
      live: liveOf(messageId, stream, stream.text.length),
      users: 0,
      subscription: null,
      sending: null,
      generationId: stream.generationId,
      held: false,
      baseText: stream.text,
      endReported: false,
      frame: 0,
      frameTimer: 0,
      snapshotTimer: 0,
      closeTimer: 0,
    };
    entries.set(messageId, entry);
    notify();
    return entry;
  }

  const current = (entry: Entry) => entries.get(entry.messageId) === entry;

  function open(entry: Entry, input: GenerationStreamInput) {
    // Detached first: an unsubscribed stream may still call onComplete, which must not count.
    const previous = entry.subscription;
    entry.subscription = null;
    previous?.unsubscribe();
    const subscription = options.open(input, {
      onData(event) {
        if (!listening()) return;
        if (
          entry.sending === null &&
          entry.generationId !== null &&
          generationOf(event.id) !== entry.generationId
        ) {
          // A continued answer's previous generation, read by message id on an instance that
          // had not yet heard of the new one (the send returned first): not this answer's.
          restartAt(entry, entry.generationId);
          return;
        }
        const before = entry.stream;
        entry.stream = applyEvent(before, event);
        if (entry.held) return;
        const { title } = entry.stream;
        if (title !== null && title !== before.title) options.onTitle(entry.conversationId, title);
        if (ENDED.has(entry.stream.status)) persist(entry);
        else persistSoon(entry);
        schedule(entry);
      },
      onConnectionStateChange({ state }) {
        if (!listening()) return;
        if (state === "pending") signal({ type: "open" });
        else if (state === "connecting") signal({ type: "lost" });
      },
      onError(cause) {
        if (!listening()) return;
        // NOT_FOUND: the log expired (or was never ours); the saved message is all there is.
        const code = cause.data?.code;
        const final = code === "NOT_FOUND" || code === "BAD_REQUEST";
        signal({ type: "refused", message: cause.message, final });
        persist(entry);
      },
      onComplete() {
        // Also called when the browser drops the connection of a page being left (before
        // pagehide): the snapshot stays, and a later subscription learns whether there is more.
        if (!listening()) return;
        signal({ type: "closed" });
      },
    });
    entry.subscription = subscription;
    function listening() {
      return !leaving && current(entry) && entry.subscription === subscription;
    }
    function signal(value: Parameters<typeof applySignal>[1]) {
      entry.stream = applySignal(entry.stream, value);
      if (!entry.held) schedule(entry);
    }
  }

  function persist(entry: Entry) {
    window.clearTimeout(entry.snapshotTimer);
    entry.snapshotTimer = 0;
    const { generationId, lastEventId, over, text, reasoning, steps } = entry.stream;
    if (entry.held || generationId === null) return;
    if (over) writeSnapshot(generationId, undefined);
    else if (lastEventId) writeSnapshot(generationId, { lastEventId, text, reasoning, steps });
  }

  function persistSoon(entry: Entry) {
    if (!entry.snapshotTimer) {
      entry.snapshotTimer = window.setTimeout(() => persist(entry), SNAPSHOT_INTERVAL_MS);
    }
  }

  function schedule(entry: Entry) {
    if (entry.frame || !current(entry)) return;
    entry.frame = window.requestAnimationFrame(() => publish(entry));
    entry.frameTimer = window.setTimeout(() => publish(entry), FRAME_FALLBACK_MS);
  }

  function publish(entry: Entry) {
    window.cancelAnimationFrame(entry.frame);
    window.clearTimeout(entry.frameTimer);
    entry.frame = 0;
    entry.frameTimer = 0;
    if (!current(entry) || entry.held) return;
    const { stream } = entry;
    const ended = ENDED.has(stream.status);
    entry.shown = nextShown(stream.text, Math.min(entry.shown, stream.text.length), {
      smoothing: options.smoothing(),
      ended,
    });
    entry.live = liveOf(entry.messageId, stream, entry.shown);
    notify();
    if (entry.shown < stream.text.length) schedule(entry);
    else if (ended && !entry.endReported) {
      entry.endReported = true;
      options.onEnd(entry.conversationId, entry.messageId);
    }
  }

  function retain(entry: Entry): () => void {
    entry.users += 1;
    window.clearTimeout(entry.closeTimer);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.users -= 1;
      if (entry.users === 0 && current(entry)) {
        entry.closeTimer = window.setTimeout(() => {
          if (entry.users === 0) close(entry);
        }, RELEASE_GRACE_MS);
      }
    };
  }

  function close(entry: Entry) {
    if (!current(entry)) return;
    window.cancelAnimationFrame(entry.frame);
    window.clearTimeout(entry.frameTimer);
    window.clearTimeout(entry.closeTimer);
    persist(entry);
    entries.delete(entry.messageId);
    const subscription = entry.subscription;
    entry.subscription = null;
    subscription?.unsubscribe();
    notify();
  }

  /** The send has returned `generationId`: show its events, following it afresh if need be. */
  function confirm(entry: Entry, generationId: string) {
    entry.held = false;
    entry.sending = null;
    entry.generationId = generationId;
    const seen = entry.stream.generationId;
    if (seen !== generationId && (seen !== null || ENDED.has(entry.stream.status))) {
      // What came was an earlier generation's (the last one of a continued answer), or the
      // stream gave up waiting: follow the send's generation from its start.
      restartAt(entry, generationId);
    }
    persist(entry);
    schedule(entry);
  }

  /** Follows `generationId` from its start, over what the answer said before it. */
  function restartAt(entry: Entry, generationId: string) {
    entry.stream = initialStream({ text: entry.baseText });
    entry.shown = entry.baseText.length;
    entry.endReported = false;
    open(entry, { generationId });
  }

  window.addEventListener("pagehide", () => {
    for (const entry of entries.values()) persist(entry);
    leaving = true;
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) leaving = false;
  });

  return {
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** The answer of `messageId` as shown now; undefined when it is not being followed. */
    get(messageId: string): LiveAnswer | undefined {
      return entries.get(messageId)?.live;
    },

    /**
     * Follows the answer `messageId` while the returned function is not called: the one being
     * sent, or `generationId` (a message the server says is being written), resuming after
     * what this tab saw before a reload.
     */
    follow(answer: {
      messageId: string;
      conversationId: string;
      generationId: string | null;
    }): () => void {
      const { messageId, conversationId, generationId } = answer;
      let entry = entries.get(messageId);
      if (
        entry &&
        generationId !== null &&
        entry.sending === null &&
        entry.stream.generationId !== null &&
        entry.stream.generationId !== generationId
      ) {
        // A newer generation of the message (continued in another tab): follow that one.
        close(entry);
        entry = undefined;
      }
      if (!entry) {
        if (generationId === null) return () => {};
        const saved = readSnapshot(generationId);
        entry = create(messageId, conversationId, initialStream(saved));
        entry.generationId = generationId;
        open(entry, { generationId, lastEventId: saved?.lastEventId ?? null });
      }
      return retain(entry);
    },

    /**
     * Follows the answer a send is about to start, by its message id, before the send returns:
     * `sent` is the send. `baseText` is what the answer already says (a continued one's), shown
     * until the send has returned when `continues` (until then, the message's events may be its
     * previous generation's). A failed send drops it. Returns the function that stops following.
     */
    start(
      answer: { messageId: string; conversationId: string; baseText: string; continues: boolean },
      sent: Promise<{ generationId: string }>,
    ): () => void {
      const { messageId, conversationId } = answer;
      const previous = entries.get(messageId);
      if (previous) close(previous);
      const entry = create(messageId, conversationId, initialStream({ text: answer.baseText }));
      entry.held = answer.continues;
      entry.sending = sent.then(
        (result) => result.generationId,
        () => null,
      );
      open(entry, { messageId });
      const release = retain(entry);
      sent.then(
        (result) => current(entry) && confirm(entry, result.generationId),
        () => close(entry),
      );
      return release;
    },

    /** The generation writing `messageId`, waiting for its send if need be; null when none. */
    async generationOf(messageId: string): Promise<string | null> {
      const entry = entries.get(messageId);
      if (!entry) return null;
      return entry.sending ?? entry.generationId ?? entry.stream.generationId;
    },
  };
}

function liveOf(messageId: string, stream: AnswerStream, shown: number): LiveAnswer {
  const caughtUp = shown >= stream.text.length;
  return {
    messageId,
    generationId: stream.generationId,
    text: caughtUp ? stream.text : stream.text.slice(0, shown),
    reasoning: stream.reasoning,
    steps: stream.steps,
    // Ended, but still revealing the last words: not done yet for the reader.
    status: ENDED.has(stream.status) && !caughtUp ? "streaming" : stream.status,
    interrupted: stream.interrupted,
    truncated: stream.truncated,
    usage: stream.usage,
    error: stream.error,
  };
}

/** Whether an answer is being written: its stream says so, else the saved message does. */
export function isWriting(message: { generationId: string | null }, live: LiveAnswer | undefined) {
  return live ? !ENDED.has(live.status) : message.generationId !== null;
}
