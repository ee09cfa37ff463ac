// Splits markdown into top-level blocks, incrementally while it streams: blocks before the
// last one can no longer change (text only grows at the end), so each new token re-lexes only
// the last block instead of the whole answer.

import { lexBlocks } from "./render.ts";

export interface BlockSplit {
  /** The text split so far. */
  source: string;
  /** Blocks that are complete, in order. */
  done: readonly string[];
  /** Where the unfinished rest starts in `source`. */
  doneEnd: number;
  /** Where the last finished block starts in `source` (to check a longer text extends this one). */
  lastDoneStart: number;
  /** The last block, still growing ("" when none). */
  open: string;
}

export const EMPTY_SPLIT: BlockSplit = {
  source: "",
  done: [],
  doneEnd: 0,
  lastDoneStart: 0,
  open: "",
};

/**
 * The split of `source`, reusing `previous` when `source` extends it (the streaming case): the
 * finished blocks are kept and only the text after them is lexed.
 */
export function splitBlocks(previous: BlockSplit, source: string): BlockSplit {
  const base = extendsSplit(previous, source) ? previous : EMPTY_SPLIT;
  const tail = source.slice(base.doneEnd);
  const tokens = lexBlocks(tail);
  // Everything before the last non-blank token is finished; blank lines only separate.
  let last = tokens.length - 1;
  while (last >= 0 && tokens[last]?.type === "space") last -= 1;
  const finished: string[] = [];
  let offset = 0;
  let lastStart = -1;
  for (let index = 0; index < last; index += 1) {
    const token = tokens[index];
    if (!token) break;
    if (token.type !== "space") {
      finished.push(token.raw);
      lastStart = offset;
    }
    offset += token.raw.length;
  }
  // marked keeps the source in its tokens; if it ever did not, treat the tail as one block.
  if (
    offset > tail.length ||
    (lastStart >= 0 && !tail.startsWith(finished.at(-1) ?? "", lastStart))
  ) {
    return { ...base, source, open: tail };
  }
  if (finished.length === 0) return { ...base, source, open: tail };
  return {
    source,
    done: [...base.done, ...finished],
    doneEnd: base.doneEnd + offset,
    lastDoneStart: base.doneEnd + lastStart,
    open: tail.slice(offset),
  };
}

/**
 * Whether `source` is `previous.source` plus more text. Checking the last finished block (not
 * the whole text) keeps this O(block) rather than O(answer); texts only grow or get replaced.
 */
function extendsSplit(previous: BlockSplit, source: string): boolean {
  if (previous.done.length === 0) return true;
  if (source.length < previous.source.length) return false;
  return source.startsWith(previous.done.at(-1) ?? "", previous.lastDoneStart);
}

/** All blocks of a finished text. */
export function allBlocks(source: string): string[] {
  const split = splitBlocks(EMPTY_SPLIT, source);
  return split.open.trim() ? [...split.done, split.open] : [...split.done];
}
