import { describe, expect, it } from "vitest";
import {
  buildTree,
  depthFirst,
  followNewest,
  newestBranch,
  parentsFirst,
  parentsFirstByTime,
  pathTo,
  subtree,
  type TreeNode,
} from "../src/tree.ts";

/** Nodes from "id<parent" pairs ("a" alone is a root), in the order written. */
function nodes(...specs: string[]): TreeNode[] {
  return specs.map((spec) => {
    const [id = "", parentId] = spec.split("<");
    return { id, parentId: parentId ?? null };
  });
}

const ids = (list: readonly TreeNode[]) => list.map((node) => node.id);

// a ─ b ─ c
//   │   └ d
//   └ e ─ f
const forked = buildTree(nodes("a", "b<a", "c<b", "d<b", "e<a", "f<e"));

describe("a conversation's message tree", () => {
  it("lists children in the order given, and the roots under null", () => {
    expect(ids(forked.childrenOf(null))).toEqual(["a"]);
    expect(ids(forked.childrenOf("a"))).toEqual(["b", "e"]);
    expect(ids(forked.childrenOf("c"))).toEqual([]);
    expect(forked.broken.size).toBe(0);
  });

  it("gives the path from the root to a message, and nothing for an unknown one", () => {
    expect(ids(pathTo(forked, "d"))).toEqual(["a", "b", "d"]);
    expect(ids(pathTo(forked, "a"))).toEqual(["a"]);
    expect(pathTo(forked, "zz")).toEqual([]);
    expect(pathTo(forked, null)).toEqual([]);
  });

  it("gives a message's subtree, parents first", () => {
    expect(ids(subtree(forked, "b"))).toEqual(["b", "c", "d"]);
    expect(ids(subtree(forked, "a"))).toEqual(["a", "b", "e", "c", "d", "f"]);
    expect(subtree(forked, "zz")).toEqual([]);
  });

  it("orders every message after its parent, even when given children first", () => {
    const tree = buildTree(nodes("c<b", "b<a", "a", "d<a"));
    const order = ids(parentsFirst(tree));
    expect(order).toHaveLength(4);
    for (const node of tree.nodes) {
      if (node.parentId) expect(order.indexOf(node.parentId)).toBeLessThan(order.indexOf(node.id));
    }
  });

  it("orders branch by branch, each subtree whole before the next sibling", () => {
    expect(ids(depthFirst(forked))).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(ids(depthFirst(buildTree(nodes("c<b", "b<a", "a", "d"))))).toEqual(["a", "b", "c", "d"]);
  });

  it("orders by time, parents first even when a child's clock is behind its parent's", () => {
    // a(1) ─ b(5) ─ c(2): c counts as written at 5, after b. d(3) is a second root.
    const times: Record<string, number> = { a: 1, b: 5, c: 2, d: 3, e: 5 };
    const tree = buildTree(nodes("c<b", "b<a", "a", "d", "e<d"));
    const byTime = (tree: ReturnType<typeof buildTree>) =>
      ids(parentsFirstByTime(tree, (node) => times[node.id] ?? 0));
    // At the same time the shallower comes first (e before c), then the order given.
    expect(byTime(tree)).toEqual(["a", "d", "b", "e", "c"]);
    const tied = buildTree(nodes("x", "y"));
    expect(ids(parentsFirstByTime(tied, () => 7))).toEqual(["x", "y"]);
  });

  it("follows the newest child by default, through a given message", () => {
    expect(ids(newestBranch(forked))).toEqual(["a", "e", "f"]);
    expect(ids(newestBranch(forked, "b"))).toEqual(["a", "b", "d"]);
    expect(ids(newestBranch(forked, "c"))).toEqual(["a", "b", "c"]);
    expect(newestBranch(buildTree([]))).toEqual([]);
  });

  it("follows the reader's choices at forks, the newest elsewhere", () => {
    const choice: Record<string, string> = { a: "b", b: "c" };
    expect(ids(followNewest(forked, [], (parent) => choice[parent ?? ""]))).toEqual([
      "a",
      "b",
      "c",
    ]);
    // A choice that names no child (deleted since) falls back to the newest.
    expect(ids(followNewest(forked, [], () => "gone"))).toEqual(["a", "e", "f"]);
  });

  it("makes a message whose parent is missing a root of its own branch", () => {
    const tree = buildTree(nodes("a", "b<a", "x<missing", "y<x"));
    expect([...tree.broken]).toEqual(["x"]);
    expect(tree.parentOf("x")).toBeNull();
    expect(ids(tree.childrenOf(null))).toEqual(["a", "x"]);
    expect(ids(pathTo(tree, "y"))).toEqual(["x", "y"]);
    expect(ids(parentsFirst(tree))).toEqual(["a", "x", "b", "y"]);
    expect(ids(newestBranch(tree))).toEqual(["x", "y"]);
    expect(ids(parentsFirstByTime(tree, () => 0))).toEqual(["a", "x", "b", "y"]);
    expect(ids(depthFirst(tree))).toEqual(["a", "b", "x", "y"]);
  });

  it("breaks a cycle at its earliest message, which becomes a root; nothing loops", () => {
    // b → c → d → b, with e hanging off the loop and a proper root a.
    const tree = buildTree(nodes("a", "c<d", "b<c", "d<b", "e<d"));
    expect([...tree.broken]).toEqual(["c"]);
    expect(ids(tree.childrenOf(null))).toEqual(["a", "c"]);
    expect(ids(pathTo(tree, "e"))).toEqual(["c", "b", "d", "e"]);
    expect(ids(subtree(tree, "b"))).toEqual(["b", "d", "e"]);
    expect(ids(parentsFirst(tree)).sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(ids(newestBranch(tree, "b"))).toEqual(["c", "b", "d", "e"]);
    // Every message once, each after its parent (the broken one a root), none left out.
    expect(ids(parentsFirstByTime(tree, () => 0))).toEqual(["a", "c", "b", "d", "e"]);
    expect(ids(depthFirst(tree))).toEqual(["a", "c", "b", "d", "e"]);
  });

  it("treats a message that is its own parent as a root", () => {
    const tree = buildTree(nodes("a<a", "b<a"));
    expect([...tree.broken]).toEqual(["a"]);
    expect(ids(pathTo(tree, "b"))).toEqual(["a", "b"]);
  });

  it("keeps the first of messages listed twice", () => {
    const tree = buildTree([...nodes("a", "b<a"), { id: "b", parentId: null }]);
    expect(tree.nodes).toHaveLength(2);
    expect(tree.parentOf("b")).toBe("a");
    expect(ids(parentsFirst(tree))).toEqual(["a", "b"]);
  });
});
