// chatbot-ui's export (Settings → Export data): `{ version: 4, history, folders, prompts }`, or
// the older shapes it still reads (version 3 without prompts, version 2 without a version, and
// version 1: the list of conversations alone). A conversation is `{ id, name, messages, model,
// prompt, temperature, folderId }`: one line of `{ role, content }` messages, no branches and no
// times (they are dated at the import, in order), `prompt` its system prompt.

import {
  type FormatReader,
  type ImportCandidate,
  type ImportMessage,
  isRecord,
  LeftOut,
  parametersOf,
  stringOf,
} from "./conversation.ts";
import type { DocumentShape, JsonDocument } from "./json.ts";

function isConversation(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.name === "string" &&
    Array.isArray(value.messages) &&
    !("mapping" in value) &&
    !("chat" in value)
  );
}

export function isChatbotUi(shape: DocumentShape): boolean {
  if (shape.kind === "array") return isConversation(shape.first);
  return shape.kind === "object" && "history" in shape.arrays;
}

export function readChatbotUi(document: JsonDocument): FormatReader {
  const { shape } = document;
  const key = shape.kind === "array" ? null : "history";
  const total =
    shape.kind === "array"
      ? shape.length
      : shape.kind === "object"
        ? (shape.arrays.history?.length ?? 0)
        : 0;
  return {
    source: "chatbot-ui",
    total,
    async *conversations() {
      // No times in the file: the conversations are dated a second apart up to now, in the
      // file's order (oldest first), each message a millisecond after the one before.
      const now = Date.now();
      for await (const element of document.elements(key)) {
        const startedAt = now - (total - element.index) * 1000;
        yield "problem" in element
          ? { title: "", skipped: `It could not be read: ${element.problem}.` }
          : fromConversation(element.value, startedAt);
      }
    },
  };
}

function fromConversation(item: unknown, startedAt: number): ImportCandidate {
  if (!isRecord(item) || !Array.isArray(item.messages)) {
    return { title: "", skipped: "It is not a conversation (the file has something else here)." };
  }
  const title = (stringOf(item.name) ?? "").trim();
  const model = isRecord(item.model) ? stringOf(item.model.id) : stringOf(item.model);
  const parameters = parametersOf(item);
  const leftOut = new LeftOut();
  let systemPrompt = stringOf(item.prompt) ?? "";
  const messages: ImportMessage[] = [];
  for (const [index, value] of item.messages.entries()) {
    const role = isRecord(value) ? stringOf(value.role) : null;
    const content = isRecord(value) ? (stringOf(value.content) ?? "").trim() : "";
    if (role === "system" && content && !systemPrompt) {
      systemPrompt = content;
      continue;
    }
    if (role !== "user" && role !== "assistant") {
      leftOut.add(role === "system" ? "system message" : "message with an unknown role");
      continue;
    }
    if (!content) {
      leftOut.add("empty message");
      continue;
    }
    messages.push({
      key: String(index),
      parentKey: messages.at(-1)?.key ?? null,
      role,
      content,
      reasoning: "",
      interrupted: false,
      error: null,
      model: role === "assistant" ? model : null,
      parameters: role === "assistant" ? parameters : null,
      usage: null,
      createdAt: new Date(startedAt + index),
      attachments: [],
    });
  }
  const notes = [leftOut.describe()].filter((note): note is string => note !== null);
  if (messages.length === 0) {
    return { title, skipped: `Nothing to import: it has no messages. ${notes.join(" ")}`.trim() };
  }
  const createdAt = new Date(startedAt);
  return {
    conversation: {
      title,
      model,
      systemPrompt,
      createdAt,
      updatedAt: messages.at(-1)?.createdAt ?? createdAt,
      messages,
      notes,
    },
  };
}
