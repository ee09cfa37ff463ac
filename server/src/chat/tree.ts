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

/**
 * The nodes reachable from the roots, parents first; among what may come next, the earliest
 * (then the given order). Nodes in a loop are not reachable and are left out.
 */
export function treeOrder<T extends { id: string; parentId: string | null; createdAt: Date }>(
  nodes: readonly T[],
): T[] {
  const children = new Map<string | null, { node: T; index: number }[]>();
  nodes.forEach((node, index) => {
    const siblings = children.get(node.parentId) ?? [];
    siblings.push({ node, index });
    children.set(node.parentId, siblings);
  });
  // A node's time for ordering is at least its parent's, so sorting by it keeps parents first.
  const keyed: { node: T; time: number; depth: number; index: number }[] = [];
  const stack = (children.get(null) ?? []).map((entry) => ({ ...entry, floor: 0, depth: 0 }));
  const seen = new Set<string>();
  while (stack.length > 0) {
    const { node, index, floor, depth } = stack.pop() as (typeof stack)[number];
    if (seen.has(node.id)) continue;
    seen.add(node.id);
    const time = Math.max(floor, node.createdAt.getTime());
    keyed.push({ node, time, depth, index });
    for (const child of children.get(node.id) ?? []) {
      stack.push({ ...child, floor: time, depth: depth + 1 });
    }
  }
  keyed.sort((a, b) => a.time - b.time || a.depth - b.depth || a.index - b.index);
  return keyed.map((entry) => entry.node);
}
