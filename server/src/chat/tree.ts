// The message tree of one conversation, as pure functions over its nodes.

import type { Role } from "@parley/shared";

export interface TreeNode {
  id: string;
  parentId: string | null;
  role: Role;
  content: string;
}

export type Tree<T extends TreeNode = TreeNode> = Map<string, T>;

export function treeOf<T extends TreeNode>(nodes: readonly T[]): Tree<T> {
  return new Map(nodes.map((node) => [node.id, node]));
}

/** The nodes from the root down to `id` (inclusive); [] for null. */
export function pathTo<T extends TreeNode>(tree: Tree<T>, id: string | null): T[] {
  const path: T[] = [];
  const seen = new Set<string>();
  for (let node = id === null ? undefined : tree.get(id); node; ) {
    // A cycle cannot be built through the API; refuse rather than loop if the data has one.
    if (seen.has(node.id)) throw new Error(`message tree has a cycle at ${node.id}`);
    seen.add(node.id);
    path.push(node);
    node = node.parentId === null ? undefined : tree.get(node.parentId);
  }
  return path.reverse();
}

/** `id` and every node below it. */
export function subtree(tree: Tree, id: string): string[] {
  const children = new Map<string, string[]>();
  for (const node of tree.values()) {
    if (node.parentId === null) continue;
    const siblings = children.get(node.parentId) ?? [];
    siblings.push(node.id);
    children.set(node.parentId, siblings);
  }
  const ids: string[] = [];
  const stack = [id];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    ids.push(next);
    stack.push(...(children.get(next) ?? []));
  }
  return ids;
}

export function hasChildren(tree: Tree, id: string): boolean {
  for (const node of tree.values()) if (node.parentId === id) return true;
  return false;
}
