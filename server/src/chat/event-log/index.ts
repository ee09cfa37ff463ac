// The ordered events of each generation, readable from any point so a subscriber can resume.
// One instance keeps them in memory (memory.ts); several instances share them through Redis
// (a Redis Stream per generation, to come) so a client may resume on another instance.

import type { GenerationEvent } from "@parley/shared";

/** Who may read a generation's log, and what it writes. */
export interface GenerationMeta {
  ownerId: string;
  conversationId: string;
  messageId: string;
}

export interface LoggedEvent {
  /** 0, 1, 2, … in append order. */
  seq: number;
  event: GenerationEvent;
}

export interface EventLog {
  /** Starts an empty log for a new generation. */
  open(generationId: string, meta: GenerationMeta): Promise<void>;
  /** A log's meta; undefined when there is no such log (never opened, or expired). */
  meta(generationId: string): Promise<GenerationMeta | undefined>;
  /** Appends an event and returns its seq. */
  append(generationId: string, event: GenerationEvent): Promise<number>;
  /** Events from `fromSeq` on, and whether the log has ended; undefined when there is no log. */
  read(
    generationId: string,
    fromSeq: number,
  ): Promise<{ events: LoggedEvent[]; ended: boolean } | undefined>;
  /**
   * Events from `fromSeq` on, then each new one as it is appended. Ends after the last event of
   * an ended log, when the log expires, or when `signal` aborts.
   */
  follow(generationId: string, fromSeq: number, signal: AbortSignal): AsyncIterable<LoggedEvent>;
  /** No more events; the log is dropped `ttlMs` (see the implementation's options) later. */
  end(generationId: string): Promise<void>;
  /** Drops every log and timer (on shutdown). */
  close(): Promise<void>;
}

/** How long the log of a finished generation stays readable by default: 10 minutes. */
export const DEFAULT_LOG_TTL_MS = 10 * 60_000;

/** Opened logs that never end (a bug) are dropped after this, so memory cannot grow forever. */
export const MAX_LOG_AGE_MS = 24 * 60 * 60_000;
