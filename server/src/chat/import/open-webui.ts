// Open WebUI's chat export (Settings → Chats → Export, or one chat's "Export chat (.json)"): a list
// of chats as its API returns them, `{ id, title, chat, created_at, updated_at, … }` with times
// in seconds. `chat.history.messages` holds the tree (each message names its `parentId` and
// `childrenIds`; regenerations and edits are siblings; several models answering one question
// are siblings too), with message times in seconds; `chat.messages` is only the branch last
// shown, and older exports have nothing else. Reasoning arrives inside the answer as
// `<details type="reasoning">`; tool calls likewise. Pasted images are data URLs.

import type { TokenUsage } from "@parley/shared";
import {
  type FormatReader,
  type ImportAttachment,
  type ImportCandidate,
  type ImportMessage,
  isRecord,
  keepMessages,
  LeftOut,
  parametersOf,
  stringOf,
  timeOf,
  timesAlongBranches,
} from "./conversation.ts";
import type { DocumentShape, JsonDocument } from "./json.ts";

function isChat(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const chat = isRecord(value.chat) ? value.chat : value;
  return isRecord(chat.history) || (isRecord(value.chat) && Array.isArray(chat.messages));
}

export function isOpenWebUi(shape: DocumentShape): boolean {
  if (shape.kind === "array") return isChat(shape.first);
  return shape.kind === "object" && isRecord(shape.values.chat) && isChat(shape.values);
}

export function readOpenWebUi(document: JsonDocument): FormatReader {
  const { shape } = document;
  return {
    source: "open-webui",
    total: shape.kind === "array" ? shape.length : 1,
    async *conversations() {
      if (shape.kind === "object") {
        yield fromChat(shape.values);
        return;
      }
      for await (const element of document.elements(null)) {
        yield "problem" in element
          ? { title: "", skipped: `It could not be read: ${element.problem}.` }
          : fromChat(element.value);
      }
    },
  };
}

function fromChat(item: unknown): ImportCandidate {
  if (!isRecord(item)) {
    return { title: "", skipped: "It is not a chat (the file has something else here)." };
  }
  // The API's shape wraps the chat; the oldest exports are the chat itself.
  const chat = isRecord(item.chat) ? item.chat : item;
  const title = (stringOf(item.title) ?? stringOf(chat.title) ?? "").trim();
  const started = timeOf(item.created_at) ?? timeOf(chat.timestamp);
  const params = isRecord(chat.params) ? chat.params : {};
  const parameters = parametersOf(params);
  const leftOut = new LeftOut();
  let systemPrompt = stringOf(chat.system) ?? stringOf(params.system) ?? "";

  const raw = rawMessages(chat);
  if (raw === null) {
    return { title, skipped: "It has no messages: its message history is missing from the file." };
  }
  const timeFor = timesAlongBranches(raw, (message) => timeOf(message.value.timestamp));

  const read: (ImportMessage & { keep: boolean })[] = raw.map(({ key, parentKey, value }) => {
    const role = stringOf(value.role) ?? "";
    const { text, reasoning, toolCalls } = splitContent(contentOf(value.content));
    leftOut.add("tool call", toolCalls);
    const attachments = role === "user" ? attachmentsOf(value.files, leftOut) : [];
    const error = errorOf(value.error);
    const known = role === "user" || role === "assistant";
    let keep = known && (text.trim() !== "" || attachments.length > 0 || error !== null);
    if (role === "system" && text.trim()) {
      if (!systemPrompt) systemPrompt = text.trim();
      else leftOut.add("system message");
    } else if (!known) {
      leftOut.add(role ? "message with an unknown role" : "damaged message");
    } else if (!keep) {
      leftOut.add("empty message");
    }
    keep &&= known;
    return {
      key,
      parentKey,
      role: role === "assistant" ? "assistant" : "user",
      content: text.trim(),
      reasoning,
      interrupted: role === "assistant" && value.done === false,
      error,
      model: role === "assistant" ? (stringOf(value.model) ?? null) : null,
      parameters: role === "assistant" ? parameters : null,
      usage: role === "assistant" ? usageOf(value.usage ?? value.info) : null,
      createdAt: timeFor(key) ?? started ?? new Date(),
      attachments,
      keep,
    };
  });
  const messages = keepMessages(read, (message) => message.keep).map(
    ({ keep: _keep, ...message }) => message,
  );
  const notes = [leftOut.describe()].filter((note): note is string => note !== null);
  if (messages.length === 0) {
    return { title, skipped: `Nothing to import: it has no messages. ${notes.join(" ")}`.trim() };
  }
  const models = Array.isArray(chat.models) ? chat.models : [];
  const createdAt = started ?? messages[0]?.createdAt ?? new Date();
  return {
    conversation: {
      title,
      model: stringOf(models[0]),
      systemPrompt,
      createdAt,
      updatedAt: timeOf(item.updated_at) ?? createdAt,
      messages,
      notes,
    },
  };
}

interface RawMessage {
  key: string;
  parentKey: string | null;
  value: Record<string, unknown>;
}

/** The tree from `history.messages`, else the shown branch in `messages`; null when neither. */
function rawMessages(chat: Record<string, unknown>): RawMessage[] | null {
  const history = isRecord(chat.history) ? chat.history : null;
  if (history && isRecord(history.messages)) {
    return Object.entries(history.messages)
      .filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]))
      .map(([key, value]) => ({
        key: stringOf(value.id) ?? key,
        parentKey: stringOf(value.parentId),
        value,
      }));
  }
  if (!Array.isArray(chat.messages)) return null;
  const list = chat.messages.filter(isRecord);
  return list.map((value, index) => {
    const previous = list[index - 1];
    return {
      key: stringOf(value.id) ?? `message-${index}`,
      parentKey:
        value.parentId === undefined
          ? previous
            ? (stringOf(previous.id) ?? `message-${index - 1}`)
            : null
          : stringOf(value.parentId),
      value,
    };
  });
}

/** A message's text: a string, or (in some versions) a list of parts with text. */
function contentOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) return "";
  return value
    .map((part) =>
      isRecord(part) ? (stringOf(part.text) ?? "") : typeof part === "string" ? part : "",
    )
    .filter(Boolean)
    .join("\n\n");
}

const DETAILS = /<details\s+type="([a-z_]+)"[^>]*>([\s\S]*?)<\/details>\s*/g;

/** The answer, with its reasoning taken out (as Parley keeps it apart) and tool calls removed. */
function splitContent(content: string): { text: string; reasoning: string; toolCalls: number } {
  const reasoning: string[] = [];
  let toolCalls = 0;
  const text = content.replace(DETAILS, (_block, type: string, inner: string) => {
    if (type === "reasoning") {
      const body = inner.replace(/^\s*<summary>[\s\S]*?<\/summary>\s*/, "");
      // Each line is quoted ("> …") for display; HTML escapes are undone.
      const lines = body.split("\n").map((line) => line.replace(/^(?:>|&gt;) ?/, ""));
      reasoning.push(unescapeHtml(lines.join("\n").trim()));
    } else {
      toolCalls += 1;
    }
    return "";
  });
  return { text, reasoning: reasoning.filter(Boolean).join("\n\n"), toolCalls };
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Images pasted as data URLs come along; files kept on the Open WebUI server cannot. */
function attachmentsOf(files: unknown, leftOut: LeftOut): ImportAttachment[] {
  if (!Array.isArray(files)) return [];
  const attachments: ImportAttachment[] = [];
  for (const [index, file] of files.entries()) {
    const url = isRecord(file) ? stringOf(file.url) : null;
    const data = url ? /^data:([\w.+-]+\/[\w.+-]+);base64,([A-Za-z0-9+/=\s]+)$/.exec(url) : null;
    if (data?.[1] && data[2]) {
      const extension = data[1].split("/")[1]?.replace("jpeg", "jpg") ?? "bin";
      const name = (isRecord(file) && stringOf(file.name)) || `image-${index + 1}.${extension}`;
      attachments.push({ name, bytes: new Uint8Array(Buffer.from(data[2], "base64")) });
    } else {
      leftOut.add(isRecord(file) && file.type === "image" ? "image" : "attachment");
    }
  }
  return attachments;
}

/** `error: true`, or `error: { content: "…" }`, as Parley's error text. */
function errorOf(value: unknown): string | null {
  if (isRecord(value)) {
    return stringOf(value.content) || stringOf(value.message) || "The answer failed.";
  }
  if (typeof value === "string" && value) return value;
  return value === true ? "The answer failed." : null;
}

/** OpenAI-style token counts, when the message recorded them. */
function usageOf(value: unknown): TokenUsage | null {
  if (!isRecord(value)) return null;
  const input = value.prompt_tokens ?? value.input_tokens;
  const output = value.completion_tokens ?? value.output_tokens;
  if (!Number.isInteger(input) || !Number.isInteger(output)) return null;
  const inputTokens = Math.max(0, input as number);
  const outputTokens = Math.max(0, output as number);
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}
