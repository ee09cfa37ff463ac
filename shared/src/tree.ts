// A conversation's messages form a tree through `parentId`. Every walk of it (the path to a
// message, a branch, a subtree, parents-first order) is here, once, with one policy for broken
// data: a node whose parent is missing, or whose parents loop back to it, counts as a root (it
// starts a branch of its own), so every node has a place and no walk can loop.

/** What the tree needs of a node: messages, shared messages, imported or exported ones. */
export interface TreeNode {
  readonly id: string;
  readonly parentId: string | null;
}

export interface Tree<T extends TreeNode> {
  /** The nodes in the order given (by creation: the last of siblings is the newest), once each. */
  readonly nodes: readonly T[];
  readonly byId: ReadonlyMap<string, T>;
  /** The children of a node, or the roots for null, in the order given. */
  childrenOf(id: string | null): readonly T[];
  /** The parent the tree uses: null for a root, a broken node included. */
  parentOf(id: string): string | null;
  /** Nodes whose parent is missing or loops back to them: roots here. */
  readonly broken: ReadonlySet<string>;
}

const NONE: readonly never[] = [];

/** The tree of `nodes`, in their order. Duplicate ids: the first wins. */
export function buildTree<T extends TreeNode>(nodes: readonly T[]): Tree<T> {
  const byId = new Map<string, T>();
  for (const node of nodes) if (!byId.has(node.id)) byId.set(node.id, node);
  const position = new Map<string, number>();
  for (const [index, id] of [...byId.keys()].entries()) position.set(id, index);

  const broken = new Set<string>();
  // Follows each chain of parents once: "done" nodes are known to reach a root.
  const done = new Set<string>();
  for (const start of byId.values()) {
    const chain: T[] = [];
    const onChain = new Set<string>();
    let node: T | undefined = start;
    while (node && !done.has(node.id)) {
      if (onChain.has(node.id)) {
        // A loop: the earliest node of it becomes a root.
        const loop = chain.slice(chain.findIndex((each) => each.id === node?.id));
        const first = loop.reduce((a, b) =>
          (position.get(a.id) ?? 0) <= (position.get(b.id) ?? 0) ? a : b,
        );
        broken.add(first.id);
        break;
      }
      chain.push(node);
      onChain.add(node.id);
      if (node.parentId === null) break;
      const parent = byId.get(node.parentId);
      if (!parent) {
        broken.add(node.id);
        break;
      }
      node = parent;
    }
    for (const each of chain) done.add(each.id);
  }

  const parentOf = (id: string): string | null =>
    broken.has(id) ? null : (byId.get(id)?.parentId ?? null);
  const children = new Map<string | null, T[]>();
  for (const node of byId.values()) {
    const key = parentOf(node.id);
    const siblings = children.get(key);
    if (siblings) siblings.push(node);
    else children.set(key, [node]);
  }
  return {
    nodes: [...byId.values()],
    byId,
    childrenOf: (id) => children.get(id) ?? NONE,
    parentOf,
    broken,
  };
}

/** The nodes from the root down to `id`, both included; [] for null or an unknown id. */
export function pathTo<T extends TreeNode>(tree: Tree<T>, id: string | null): T[] {
  const path: T[] = [];
  for (let node = id === null ? undefined : tree.byId.get(id); node; ) {
    path.push(node);
    const parentId = tree.parentOf(node.id);
    node = parentId === null ? undefined : tree.byId.get(parentId);
  }
  return path.reverse();
}

/** `id` and every node below it, parents first; [] for an unknown id. */
export function subtree<T extends TreeNode>(tree: Tree<T>, id: string): T[] {
  const node = tree.byId.get(id);
  return node ? below([node], tree) : [];
}

/** Every node, each after its parent (breadth first from the roots, siblings in order). */
export function parentsFirst<T extends TreeNode>(tree: Tree<T>): T[] {
  return below(tree.childrenOf(null), tree);
}

/**
 * Every node, each after its parent, branch by branch: a node's whole subtree before its next
 * sibling (depth first, siblings in order).
 */
export function depthFirst<T extends TreeNode>(tree: Tree<T>): T[] {
  const ordered: T[] = [];
  const stack = [...tree.childrenOf(null)].reverse();
  for (let node = stack.pop(); node; node = stack.pop()) {
    ordered.push(node);
    stack.push(...[...tree.childrenOf(node.id)].reverse());
  }
  return ordered;
}

/**
 * Every node after its parent, otherwise oldest first (a node counts as no older than its
 * parent, as clocks and other apps' files disagree), then the shallower, then in the order given:
 * the order messages were written, for an export or a copy.
 */
export function parentsFirstByTime<T extends TreeNode>(
  tree: Tree<T>,
  timeOf: (node: T) => number,
): T[] {
  const position = new Map(tree.nodes.map((node, index) => [node.id, index]));
  const keys = new Map<string, { time: number; depth: number }>();
  const ordered = parentsFirst(tree);
  for (const node of ordered) {
    const parentId = tree.parentOf(node.id);
    const parent = parentId === null ? undefined : keys.get(parentId);
    keys.set(node.id, {
      time: Math.max(parent?.time ?? Number.NEGATIVE_INFINITY, timeOf(node)),
      depth: parent ? parent.depth + 1 : 0,
    });
  }
  const key = (node: T) => keys.get(node.id) ?? { time: 0, depth: 0 };
  return ordered.sort(
    (a, b) =>
      key(a).time - key(b).time ||
      key(a).depth - key(b).depth ||
      (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0),
  );
}

function below<T extends TreeNode>(start: readonly T[], tree: Tree<T>): T[] {
  const ordered = [...start];
  // An array's iterator also visits what is pushed while it runs.
  for (const node of ordered) ordered.push(...tree.childrenOf(node.id));
  return ordered;
}

/**
 * The branch a reader sees by default: the path to `throughId` (from the root), then the newest
 * child at each step below it; without `throughId`, the newest branch from the newest root.
 */
export function newestBranch<T extends TreeNode>(tree: Tree<T>, throughId?: string | null): T[] {
  return followNewest(tree, throughId == null ? [] : pathTo(tree, throughId));
}

/**
 * `start` (a path from the root) continued down: at each node, the child `pick` names (by its
 * parent id, null for the roots), else the newest. The reader's choices at forks, for instance.
 */
export function followNewest<T extends TreeNode>(
  tree: Tree<T>,
  start: readonly T[],
  pick: (parentId: string | null) => string | undefined = () => undefined,
): T[] {
  const branch = [...start];
  for (;;) {
    const parentId = branch.at(-1)?.id ?? null;
    const children = tree.childrenOf(parentId);
    const chosen = pick(parentId);
    const next = children.find((child) => child.id === chosen) ?? children.at(-1);
    if (!next) return branch;
    branch.push(next);
  }
}
