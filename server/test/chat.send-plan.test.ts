// planSend: what a send (new, retry, edit, continue) does to a conversation's tree, worked out
// before anything is written. Pure: a tree in, a plan or a refusal out.

import {
  buildTree,
  type SendMessageInput,
  SendMessageInput as SendMessageInputSchema,
} from "@parley/shared";
import { describe, expect, it } from "vitest";
import { planSend } from "../src/chat/messages.ts";
import type { SendNode } from "../src/chat/sends.ts";

/** A node from "id<parent" ("q1" alone is a root); ids starting with q are the user's. */
function node(spec: string): SendNode {
  const [id = "", parentId] = spec.split("<");
  return {
    id,
    parentId: parentId ?? null,
    role: id.startsWith("q") ? "user" : "assistant",
    content: `text of ${id}`,
    reasoning: "",
    toolRounds: null,
    files: [],
  };
}

// q1 ─ a1 ─ q2 ─ a2
//        │     └ a2b   (a retried answer)
//        └ q2e ─ a2e   (an edited question)
const tree = buildTree(["q1", "a1<q1", "q2<a1", "a2<q2", "a2b<q2", "q2e<a1", "a2e<q2e"].map(node));

/** The input as the router passes it: parsed, defaults filled in. */
const input = (fields: Partial<SendMessageInput>): SendMessageInput =>
  SendMessageInputSchema.parse({ conversationId: "c1", content: "Hello", ...fields });

const ids = (nodes: readonly SendNode[]) => nodes.map((n) => n.id);

describe("planning a send", () => {
  it("puts a new message at the root of an empty conversation, with nothing before it", () => {
    const plan = planSend(buildTree([]), input({}));
    expect(plan).toEqual({ user: { parentId: null, content: "Hello" }, path: [] });
  });

  it("puts a new message under an answer, after the whole branch down to it", () => {
    const plan = planSend(tree, input({ parentId: "a2b" }));
    expect(plan.user).toEqual({ parentId: "a2b", content: "Hello" });
    expect(ids(plan.path)).toEqual(["q1", "a1", "q2", "a2b"]);
    expect(plan.answerParentId).toBeUndefined();
    expect(plan.continued).toBeUndefined();
  });

  it("refuses a new message under a question or under a message that is not there", () => {
    expect(() => planSend(tree, input({ parentId: "q2" }))).toThrow(
      "A new message goes under an answer.",
    );
    expect(() => planSend(tree, input({ parentId: "nowhere" }))).toThrow("No such message.");
  });

  it("retries a question, or the question of an answer, with the branch down to it", () => {
    for (const messageId of ["q2", "a2", "a2b"]) {
      const plan = planSend(tree, input({ mode: "retry", messageId, content: undefined }));
      expect(plan.answerParentId, messageId).toBe("q2");
      expect(ids(plan.path), messageId).toEqual(["q1", "a1", "q2"]);
      expect(plan.user, messageId).toBeUndefined();
    }
  });

  it("edits a question into a sibling with the same parent, the path stopping above it", () => {
    const plan = planSend(tree, input({ mode: "edit", messageId: "q2", content: "Better" }));
    expect(plan.user).toEqual({ parentId: "a1", content: "Better" });
    expect(ids(plan.path)).toEqual(["q1", "a1"]);
    // The first question has no parent: its edit is a new root.
    const root = planSend(tree, input({ mode: "edit", messageId: "q1", content: "Other" }));
    expect(root).toEqual({ user: { parentId: null, content: "Other" }, path: [] });
  });

  it("refuses to edit an answer", () => {
    expect(() => planSend(tree, input({ mode: "edit", messageId: "a1" }))).toThrow(
      "Only user messages can be edited.",
    );
  });

  it("continues the last answer of a branch, the answer itself last in the path", () => {
    const plan = planSend(tree, input({ mode: "continue", messageId: "a2e", content: undefined }));
    expect(plan.continued?.id).toBe("a2e");
    expect(ids(plan.path)).toEqual(["q1", "a1", "q2e", "a2e"]);
    expect(plan.user).toBeUndefined();
  });

  it("refuses to continue a question or an answer that has replies", () => {
    const continued = (messageId: string) =>
      planSend(tree, input({ mode: "continue", messageId, content: undefined }));
    expect(() => continued("q2")).toThrow("Only answers can be continued.");
    expect(() => continued("a1")).toThrow("Only the last answer of a branch can be continued.");
  });

  it("refuses a retry, edit or continue of a message that is not there", () => {
    for (const mode of ["retry", "edit", "continue"] as const) {
      const content = mode === "edit" ? "Hello" : undefined;
      expect(() => planSend(tree, input({ mode, messageId: "gone", content })), mode).toThrow(
        "No such message.",
      );
    }
  });
});
