// Prompt building: the conversation's part of a prompt (here), attachments as prompt parts
// (attachments.ts), and a prompt as recorded, without its images' bytes (recorded.ts).

import type { PromptMessage, PromptPart } from "../../llm/stream.ts";
import { storedRounds } from "../message-rows.ts";
import type { SendNode } from "../sends.ts";
import { userContent } from "./attachments.ts";

/**
 * The conversation part of a prompt: the messages of a root→parent path, as they are (answers
 * with their tool calls). Answers with no text and no tool calls (failed before their first
 * token) are left out: they say nothing, and several providers refuse an empty assistant message.
 */
export function promptMessages(
  path: readonly (Pick<SendNode, "id" | "role" | "content"> & { toolRounds?: unknown })[],
  /** The parts of each message's attached files, by message id. */
  attachments: ReadonlyMap<string, PromptPart[]> = new Map(),
): PromptMessage[] {
  return path
    .filter(
      (node) =>
        !(
          node.role === "assistant" &&
          node.content === "" &&
          !toolRoundsOf(node.toolRounds).toolRounds
        ),
    )
    .map((node) => ({
      role: node.role,
      content: userContent(node.content, attachments.get(node.id) ?? []),
      // An answer's tool calls go back with it, in the provider's format.
      ...(node.role === "assistant" ? toolRoundsOf(node.toolRounds) : {}),
    }));
}

function toolRoundsOf(stored: unknown): Pick<PromptMessage, "toolRounds"> {
  const rounds = storedRounds(stored);
  return rounds.length > 0 ? { toolRounds: rounds } : {};
}
