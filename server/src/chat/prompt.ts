import { userContent } from "../files/prompt.ts";
import type { PromptMessage, PromptPart } from "../llm/stream.ts";
import type { TreeNode } from "./tree.ts";

/**
 * The conversation part of a prompt: the messages of a root→parent path, as they are. Answers
 * with no text (failed before their first token) are left out: they say nothing, and several
 * providers refuse an empty assistant message.
 */
export function promptMessages(
  path: readonly TreeNode[],
  /** The parts of each message's attached files, by message id. */
  attachments: ReadonlyMap<string, PromptPart[]> = new Map(),
): PromptMessage[] {
  return path
    .filter((node) => !(node.role === "assistant" && node.content === ""))
    .map((node) => ({
      role: node.role,
      content: userContent(node.content, attachments.get(node.id) ?? []),
    }));
}
