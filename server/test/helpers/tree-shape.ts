// A conversation's message tree as people see it, for comparing whole trees in tests.

import { buildTree, type Message } from "@parley/shared";

export interface Shape {
  role: string;
  content: string;
  files: { sha256: string; name: string }[];
  children: Shape[];
}

/** Roles, text, files, and the children of each in sibling order. */
export function shape(messages: readonly Message[]): Shape[] {
  // conversations.get sends siblings oldest first, which is the order of their branches.
  const tree = buildTree(messages);
  const below = (parentId: string | null): Shape[] =>
    tree.childrenOf(parentId).map((message) => ({
      role: message.role,
      content: message.content,
      files: message.files.map(({ sha256, name }) => ({ sha256, name })),
      children: below(message.id),
    }));
  return below(null);
}
