// What a send shows before the server has answered: its messages as drafts.

import type { FileRef, Message, SendMessageInput } from "@parley/shared";

/** A message as the server will have stored it, to show before the conversation refetches. */
export function draftMessage(
  fields: Pick<Message, "id" | "conversationId" | "parentId" | "role"> & Partial<Message>,
): Message {
  const now = new Date();
  return {
    content: "",
    reasoning: "",
    interrupted: false,
    truncated: false,
    error: null,
    model: null,
    parameters: null,
    usage: null,
    timeToFirstTokenMs: null,
    generationId: null,
    files: [],
    toolRounds: [],
    createdAt: now,
    updatedAt: now,
    ...fields,
  };
}

/** A new answer's id: the server takes the client's (messages.send's assistantMessageId). */
export const newMessageId = () => crypto.randomUUID();

/** A question's id until the server's comes back with the send. */
export const newDraftId = () => `draft-${crypto.randomUUID()}`;

/** The `files` of a send: omitted when there are none. */
export function hashesOf(files: readonly FileRef[]): Pick<SendMessageInput, "files"> {
  return files.length > 0 ? { files: files.map((file) => file.sha256) } : {};
}
