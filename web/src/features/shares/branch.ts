// "Continue" opens the copy of a share at the branch the viewer was reading: fork choices
// (transcript/branches.ts) carried over from the share to the copy.

import type { Message, SharedMessage } from "@parley/shared";
import { type BranchChoice, ROOT } from "../transcript/branches.ts";

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
