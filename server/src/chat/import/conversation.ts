// What every importer turns its source into (conversations of messages linked by the source's own
// keys), and what they share: counting what was left out, reading times, mending broken trees.

import {
  buildTree,
  type FileRef,
  type ImportSource,
  ModelParameters,
  type ModelParameters as Parameters,
  parentsFirst,
  parentsFirstByTime,
  type Tree,
} from "@parley/shared";
import type { CopiedMessage } from "../new-conversations.ts";

/** A file a message had, found by the source's key for it or carried in the message itself. */
export interface ImportAttachment {
  name: string;
  key?: string;
  bytes?: Uint8Array;
}

/** One message to import, linked to its parent by the source's own keys. */
export interface ImportMessage
  extends Omit<CopiedMessage, "id" | "parentId" | "updatedAt" | "files"> {
  key: string;
  parentKey: string | null;
  attachments: ImportAttachment[];
}

/** One conversation to import, as every source format is turned into. */
export interface ImportConversation {
  title: string;
  /** The model it used, if the source says (used when configured here). */
  model: string | null;
  systemPrompt: string;
  createdAt: Date;
  updatedAt: Date;
  /** Any order; parents are linked by key. */
  messages: ImportMessage[];
  /** What was already left out or changed while reading it, one sentence each. */
  notes: string[];
}

/** A conversation to import, or one that cannot be and why (in plain words). */
export type ImportCandidate =
  | { conversation: ImportConversation }
  | { title: string; skipped: string };

/** A stored attachment, or why it could not be stored. */
export type SavedFile = { ref: FileRef } | { problem: string };

/** One format's reading of a document: how many conversations it holds, and them in order. */
export interface FormatReader {
  source: ImportSource;
  total: number;
  conversations(): AsyncGenerator<ImportCandidate>;
  /** The file a message's attachment names by key, stored for the importer. */
  attachment?(key: string, name: string): Promise<SavedFile>;
}

/** What was left out, counted by kind ("image" → 2), for the import's report. */
export class LeftOut {
  private readonly counts = new Map<string, number>();

  add(kind: string, count = 1) {
    if (count > 0) this.counts.set(kind, (this.counts.get(kind) ?? 0) + count);
  }

  /** e.g. "Left out 1 system message, 2 images." or null when nothing was. */
  describe(): string | null {
    if (this.counts.size === 0) return null;
    const parts = [...this.counts].map(([kind, n]) => `${n} ${n === 1 ? kind : plural(kind)}`);
    return `Left out ${parts.join(", ")}.`;
  }
}

function plural(kind: string): string {
  // "tool message" → "tool messages", "message with an unknown role" → "messages with …".
  const [head = kind, ...rest] = kind.split(" with ");
  const words = head.split(" ");
  const last = words.pop() ?? head;
  const plural = last.endsWith("s") ? last : `${last}s`;
  return [[...words, plural].join(" "), ...rest].join(" with ");
}

/**
 * A time as sources write it: seconds, milliseconds, micro- or nanoseconds since 1970 (told
 * apart by size), or an ISO 8601 string. null when absent or not a time.
 */
export function timeOf(value: unknown): Date | null {
  let ms: number;
  if (typeof value === "number" && Number.isFinite(value) && value > 0) {
    // 1e11 seconds is the year 5138; 1e11 milliseconds is 1973.
    if (value < 1e11) ms = value * 1000;
    else if (value < 1e14) ms = value;
    else if (value < 1e17) ms = value / 1000;
    else ms = value / 1e6;
  } else if (typeof value === "string" && value.trim() !== "") {
    ms = Date.parse(value);
  } else {
    return null;
  }
  const date = new Date(Math.round(ms));
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * Each message's time: its own, else the nearest earlier message's on its branch (sources that
 * leave times out of some messages); null when none on the way has one.
 */
export function timesAlongBranches<T extends { key: string; parentKey: string | null }>(
  messages: readonly T[],
  own: (message: T) => Date | null,
): (key: string) => Date | null {
  const tree = treeByKey(messages);
  const times = new Map<string, Date | null>();
  for (const { id, message } of parentsFirst(tree)) {
    const parentId = tree.parentOf(id);
    times.set(id, own(message) ?? (parentId === null ? null : (times.get(parentId) ?? null)));
  }
  return (key) => times.get(key) ?? null;
}

/** Sampling parameters Parley keeps, from a source's settings (what it does not know is dropped). */
export function parametersOf(settings: { temperature?: unknown }): Parameters | null {
  const parsed = ModelParameters.safeParse({ temperature: settings.temperature });
  return parsed.success && parsed.data.temperature !== undefined ? parsed.data : null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function stringOf(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/**
 * A message tree made whole, by the tree's one policy (shared/src/tree.ts): a message listed
 * twice is kept once, a message whose parent is missing or whose earlier messages lead back to
 * it starts a branch of its own; then parents come before children and siblings keep their
 * order (by time, then the source's order). Says what it mended in `notes`.
 */
export function mendTree(messages: readonly ImportMessage[], notes: string[]): ImportMessage[] {
  const tree = treeByKey(messages);
  const twice = messages.length - tree.nodes.length;
  const broken = [...tree.broken].map((key) => tree.byId.get(key)?.parentId ?? null);
  const orphans = broken.filter((parentKey) => parentKey === null || !tree.byId.has(parentKey));
  const looped = broken.length - orphans.length;
  if (twice > 0) notes.push(`Left out ${count(twice, "message")} listed twice.`);
  if (orphans.length > 0) {
    notes.push(
      orphans.length === 1
        ? "1 message came without the message before it; it starts a branch of its own."
        : `${orphans.length} messages came without the messages before them; each starts a branch of its own.`,
    );
  }
  if (looped > 0) {
    notes.push(
      looped === 1
        ? "1 message led back to itself through the messages before it; it starts a branch of its own."
        : `${looped} messages led back to themselves through the messages before them; each starts a branch of its own.`,
    );
  }
  return parentsFirstByTime(tree, ({ message }) => message.createdAt.getTime()).map(
    ({ id, message }) => ({ ...message, parentKey: tree.parentOf(id) }),
  );
}

/** "1 message", "3 messages". */
export function count(n: number, noun: string): string {
  return `${n.toLocaleString("en")} ${n === 1 ? noun : plural(noun)}`;
}

/**
 * Keeps only the messages `keep` accepts, moving the children of each one left out up to its
 * nearest kept ancestor (so a branch is never cut off by what was dropped).
 */
export function keepMessages<T extends { key: string; parentKey: string | null }>(
  messages: readonly T[],
  keep: (message: T) => boolean,
): T[] {
  const tree = treeByKey(messages);
  /** The parent a kept message below each one names: it if kept, else what it names. */
  const named = new Map<string, string | null>();
  const above = (key: string): string | null => {
    const parentKey = tree.parentOf(key) ?? tree.byId.get(key)?.parentId ?? null;
    if (parentKey === null) return null;
    // A missing parent, or one that loops back here, is kept as named: mendTree makes the
    // message a root and says so.
    return tree.byId.has(parentKey) ? (named.get(parentKey) ?? null) : parentKey;
  };
  const kept = new Set(messages.filter(keep).map((message) => message.key));
  for (const { id } of parentsFirst(tree)) named.set(id, kept.has(id) ? id : above(id));
  return messages
    .filter((message) => kept.has(message.key))
    .map((message) => ({ ...message, parentKey: above(message.key) }));
}

/** The tree of messages linked by the source's keys (each node carries its message). */
function treeByKey<T extends { key: string; parentKey: string | null }>(
  messages: readonly T[],
): Tree<{ id: string; parentId: string | null; message: T }> {
  return buildTree(
    messages.map((message) => ({ id: message.key, parentId: message.parentKey, message })),
  );
}
