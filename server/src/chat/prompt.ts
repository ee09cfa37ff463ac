import type { PromptMessage } from "../llm/stream.ts";
import type { TreeNode } from "./tree.ts";

/**
 * The conversation part of a prompt: the messages of a root→parent path, as they are. Answers
 * with no text (failed before their first token) are left out: they say nothing, and several
 * providers refuse an empty assistant message.
 */
export function promptMessages(path: readonly TreeNode[]): PromptMessage[] {
  return path
    .filter((node) => !(node.role === "assistant" && node.content === ""))
    .map((node) => ({ role: node.role, content: node.content }));
}
