// A conversation is a tree of messages; the page shows one path through it. At each fork the
// reader's choice is remembered (per conversation, in localStorage), so the shown path, and so
// its leaf, survives a reload and is shared by the tabs of this browser.

import type { Message } from "@parley/shared";
import { useCallback, useEffect, useState } from "react";
import { local } from "../../lib/storage.ts";

/** The parent key of messages at the root. */
export const ROOT = "";

export interface MessageTree {
  byId: Map<string, Message>;
  /** Children per parent id (ROOT for the root), oldest first. */
  children: Map<string, Message[]>;
}

export function buildTree(messages: readonly Message[]): MessageTree {
  const byId = new Map<string, Message>();
  const children = new Map<string, Message[]>();
  // The server sends messages by creation (then id), so siblings come out oldest first.
  for (const message of messages) {
    byId.set(message.id, message);
    const key = message.parentId ?? ROOT;
    const siblings = children.get(key);
    if (siblings) siblings.push(message);
    else children.set(key, [message]);
  }
  return { byId, children };
}

/** Which child is shown under each parent (parent key → child id). */
export type BranchChoice = Readonly<Record<string, string>>;

/** The shown path: at each fork the chosen child, else the newest. */
export function shownPath(tree: MessageTree, choice: BranchChoice): Message[] {
  const path: Message[] = [];
  let key = ROOT;
  for (;;) {
    const children = tree.children.get(key);
    if (!children?.length) return path;
    const chosen = choice[key];
    const next = children.find((child) => child.id === chosen) ?? children.at(-1);
    if (!next) return path;
    path.push(next);
    key = next.id;
  }
}

/** The fork choices that show `messageId`: it and each of its ancestors under its parent. */
export function choicesThrough(
  tree: MessageTree,
  messageId: string,
): [parentId: string | null, childId: string][] {
  const picks: [string | null, string][] = [];
  for (let message = tree.byId.get(messageId); message; ) {
    picks.unshift([message.parentId, message.id]);
    message = message.parentId ? tree.byId.get(message.parentId) : undefined;
  }
  return picks;
}

export function siblingsOf(tree: MessageTree, message: Message): Message[] {
  return tree.children.get(message.parentId ?? ROOT) ?? [message];
}

const choiceKey = (conversationId: string) => `parley.branches.${conversationId}`;

function readChoice(conversationId: string): BranchChoice {
  const value = local.get(choiceKey(conversationId));
  return value && typeof value === "object" ? (value as BranchChoice) : {};
}

/** Sets the fork choices a conversation opens with (a copy of a share opens at its branch). */
export function rememberChoice(conversationId: string, choice: BranchChoice): void {
  local.set(choiceKey(conversationId), choice);
}

/** The remembered fork choices of a conversation, and a way to choose. */
export function useBranchChoice(conversationId: string) {
  const [choice, setChoice] = useState<BranchChoice>(() => readChoice(conversationId));

  useEffect(() => {
    setChoice(readChoice(conversationId));
    // Another tab chose (or sent): follow it.
    const onStorage = (event: StorageEvent) => {
      if (event.key === choiceKey(conversationId)) setChoice(readChoice(conversationId));
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, [conversationId]);

  /** Shows `childId` under `parentId` (null: at the root); several at once for a new branch. */
  const choose = useCallback(
    (...picks: [parentId: string | null, childId: string][]) => {
      setChoice((current) => {
        const next = { ...current };
        for (const [parentId, childId] of picks) next[parentId ?? ROOT] = childId;
        local.set(choiceKey(conversationId), next);
        return next;
      });
    },
    [conversationId],
  );

  return { choice, choose };
}
