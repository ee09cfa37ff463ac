// The generation bus: what every instance must know about the generations any instance runs.
// Each generation's ordered events (its log, readable from any point so a subscriber can
// resume), who is running what (`generations.active`, the sidebar), which messages are being
// written (the conflict check of a send), and stop requests. One instance keeps all of it in
// memory (memory.ts); several instances share it through Redis (redis.ts).

import type { GenerationEvent } from "@parley/shared";

/** A running (or recently ended) generation: what it writes and for whom. */
export interface GenerationInfo {
  generationId: string;
  ownerId: string;
  conversationId: string;
  /** The assistant message it writes. */
  messageId: string;
  /** The model id as configured. */
  model: string;
  startedAt: Date;
}

export interface LoggedEvent {
  /** 0, 1, 2, … in append order. */
  seq: number;
  event: GenerationEvent;
}

export interface GenerationBus {
  /**
   * A generation this instance runs begins: its log opens, it is listed as running for its
   * owner, and its message as being written.
   */
  begin(info: GenerationInfo): Promise<void>;
  /**
   * Appends an event to the log of a generation this instance runs and returns its seq. Never
   * waits: events appended in one turn of the event loop travel together.
   */
  append(generationId: string, event: GenerationEvent): number;
  /**
   * The generation has ended (its last event is appended): it is no longer running or writing,
   * and its log stays readable for the time to live, then goes.
   */
  end(generationId: string): Promise<void>;
  /** A generation whose log is still readable (running, or ended within the time to live). */
  info(generationId: string): Promise<GenerationInfo | undefined>;
  /**
   * The generation writing `messageId` (or the last that wrote it, within the time to live);
   * when there is none yet, waits for one to begin until `signal` aborts (then undefined).
   */
  generationOf(messageId: string, signal: AbortSignal): Promise<GenerationInfo | undefined>;
  /**
   * The log's events from `fromSeq` on, in batches: each batch is every event there is when the
   * reader asks for more, so a reader that falls behind catches up in a few large steps. Ends
   * after the last event of an ended log, when the log is gone, or when `signal` aborts.
   */
  follow(generationId: string, fromSeq: number, signal: AbortSignal): AsyncIterable<LoggedEvent[]>;
  /** The owner's running generations, oldest first. */
  running(ownerId: string): Promise<GenerationInfo[]>;
  /**
   * Yields after each change to the owner's running generations, until `signal` aborts; changes
   * count from the call on, so one between the call and the first read is not missed.
   */
  changes(ownerId: string, signal: AbortSignal): AsyncIterableIterator<void>;
  /** One of `messageIds` that a generation is writing right now, if any. */
  writing(messageIds: readonly string[]): Promise<string | undefined>;
  /** Asks the instance running a generation to stop it. */
  requestStop(generationId: string): Promise<void>;
  /** `listener` hears every stop request (for this instance's generations and others'). */
  onStopRequest(listener: (generationId: string) => void): void;
  /** Drops every log, listener and timer of this instance (on shutdown). */
  close(): Promise<void>;
}

/** How long the log of an ended generation stays readable by default: 10 minutes. */
export const DEFAULT_LOG_TTL_MS = 10 * 60_000;

/** Logs that never end (a bug, or an instance that died) are dropped after this at most. */
export const MAX_LOG_AGE_MS = 24 * 60 * 60_000;
