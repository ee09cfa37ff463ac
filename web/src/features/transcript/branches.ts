// A conversation is a tree of messages (shared/src/tree.ts); the page shows one path through
// it. At each fork the reader's choice is remembered (per conversation, in localStorage), so
// the shown path, and so its leaf, survives a reload and is shared by the tabs of this browser.

import { followNewest, type Message, pathTo, type Tree, type TreeNode } from "@parley/shared";
import { useCallback, useEffect, useState } from "react";
import { local } from "../../lib/storage.ts";

/** The key of the roots' choice (the parent key of messages at the root). */
export const ROOT = "";

/** Which child is shown under each parent (parent id, or ROOT → child id). */
export type BranchChoice = Readonly<Record<string, string>>;

/** A fork choice: show `childId` under `parentId` (null: at the root). */
export type BranchPick = [parentId: string | null, childId: string];

const keyOf = (parentId: string | null) => parentId ?? ROOT;

/** The shown path: at each fork the chosen child, else the newest. */
export function shownPath<T extends TreeNode>(tree: Tree<T>, choice: BranchChoice): T[] {
  return followNewest(tree, [], (parentId) => choice[keyOf(parentId)]);
}

/** The fork choices that show `messageId`: it and each of its ancestors under its parent. */
export function choicesThrough(tree: Tree<TreeNode>, messageId: string): BranchPick[] {
  return pathTo(tree, messageId).map((node) => [tree.parentOf(node.id), node.id]);
}

/** The fork choices that show the branch from the root down to `leafId`. */
export function choiceAlong(tree: Tree<TreeNode>, leafId: string): BranchChoice {
  return Object.fromEntries(
    choicesThrough(tree, leafId).map(([parentId, childId]) => [keyOf(parentId), childId]),
  );
}

/** The messages at the fork of `message` (it and its siblings), oldest first. */
export function siblingsOf(tree: Tree<Message>, message: Message): readonly Message[] {
  return tree.childrenOf(tree.parentOf(message.id));
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

  /**
   * Shows `childId` under `parentId` (null: at the root); several at once for a new branch. A
   * pick of undefined forgets the choice there (the newest shows).
   */
  const choose = useCallback(
    (...picks: [parentId: string | null, childId: string | undefined][]) => {
      setChoice((current) => {
        const next: Record<string, string> = { ...current };
        for (const [parentId, childId] of picks) {
          if (childId === undefined) delete next[keyOf(parentId)];
          else next[keyOf(parentId)] = childId;
        }
        local.set(choiceKey(conversationId), next);
        return next;
      });
    },
    [conversationId],
  );

  return { choice, choose };
}

export type Choose = ReturnType<typeof useBranchChoice>["choose"];
