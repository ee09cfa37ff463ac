// A share opens at the sharer's branch, and "continue" opens the copy at the branch the viewer
// was reading. Both are fork choices (tree.ts) worked out from a leaf.

import type { Message, SharedMessage } from "@parley/shared";
import { type BranchChoice, type MessageTree, ROOT } from "../chat/tree.ts";

/** The fork choices that show the branch from the root down to `leafId`. */
export function choiceAlong(tree: MessageTree, leafId: string): BranchChoice {
  const choice: Record<string, string> = {};
  const seen = new Set<string>();
  for (let node = tree.byId.get(leafId); node && !seen.has(node.id); ) {
    seen.add(node.id);
    choice[node.parentId ?? ROOT] = node.id;
    node = node.parentId === null ? undefined : tree.byId.get(node.parentId);
  }
  return choice;
}

/**
 * The same branch in a copy of the share. The copy keeps the share's order (messages added to
 * it since come after), so messages pair up by position; null when the copy has changed too
 * much to tell.
 */
export function choiceInCopy(
  shared: readonly SharedMessage[],
  copy: readonly Message[],
  path: readonly Message[],
): BranchChoice | null {
  const position = new Map(shared.map((message, index) => [message.id, index]));
  const choice: Record<string, string> = {};
  for (const message of path) {
    const copied = copy[position.get(message.id) ?? -1];
    if (!copied || copied.role !== message.role || copied.content !== message.content) return null;
    choice[copied.parentId ?? ROOT] = copied.id;
  }
  return choice;
}

/** A shared message in the shape the conversation's message views take. */
export function asMessage(message: SharedMessage, shareId: string): Message {
  return {
    ...message,
    conversationId: shareId,
    generationId: null,
    parameters: null,
    usage: null,
    timeToFirstTokenMs: null,
    updatedAt: message.createdAt,
  };
}
