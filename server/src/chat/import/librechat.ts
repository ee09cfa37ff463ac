// LibreChat's conversation export (a conversation's menu → Export → JSON): one conversation per
// file, `{ conversationId, title, endpoint, options?, messages | messagesTree }`. Messages are
// either a flat list, each naming its `parentMessageId` (the all-zero id at the root), or, when
// exported "as a tree", nested through `children` (in `messagesTree` in older versions, in
// `messages` in newer ones). Times are ISO strings (`createdAt`), often missing in a tree.
// Agents' answers keep their text, reasoning ("think") and tool calls in `content` parts.

import {
  type FormatReader,
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

/** The parent LibreChat gives a conversation's first message. */
const NO_PARENT = "00000000-0000-0000-0000-000000000000";

export function isLibreChat(shape: DocumentShape): boolean {
  return (
    shape.kind === "object" &&
    "conversationId" in shape.values &&
    ("messages" in shape.arrays || "messagesTree" in shape.arrays)
  );
}

export function readLibreChat(document: JsonDocument): FormatReader {
  return {
    source: "librechat",
    total: 1,
    async *conversations() {
      const { shape } = document;
      if (shape.kind !== "object") return;
      const key = "messagesTree" in shape.arrays ? "messagesTree" : "messages";
      const found: Found[] = [];
      let damaged = 0;
      for await (const element of document.elements(key)) {
        if ("problem" in element) damaged += 1;
        else collect(element.value, null, found);
      }
      yield fromMessages(shape.values, found, damaged);
    },
  };
}

interface Found {
  key: string;
  parentKey: string | null;
  value: Record<string, unknown>;
}

/** A message and, in a tree, the messages nested below it; the nesting names the parent. */
function collect(value: unknown, nestedIn: string | null, found: Found[]) {
  const stack: { value: unknown; nestedIn: string | null }[] = [{ value, nestedIn }];
  while (stack.length > 0) {
    const next = stack.pop() as (typeof stack)[number];
    if (!isRecord(next.value)) continue;
    const key = stringOf(next.value.messageId) ?? `message-${found.length}`;
    const named = stringOf(next.value.parentMessageId);
    const parentKey = next.nestedIn ?? (named && named !== NO_PARENT ? named : null);
    found.push({ key, parentKey, value: next.value });
    const children = Array.isArray(next.value.children) ? next.value.children : [];
    for (const child of [...children].reverse()) stack.push({ value: child, nestedIn: key });
  }
}

function fromMessages(
  values: Record<string, unknown>,
  found: readonly Found[],
  damaged: number,
): ImportCandidate {
  const title = (stringOf(values.title) ?? "").trim();
  const options = isRecord(values.options) ? values.options : {};
  const parameters = parametersOf(options);
  const leftOut = new LeftOut();
  leftOut.add("damaged message", damaged);

  const timeFor = timesAlongBranches(found, (message) => timeOf(message.value.createdAt));
  const firstTime = found.map((message) => timeOf(message.value.createdAt)).find(Boolean) ?? null;

  const read = found.map(({ key, parentKey, value }) => {
    const byUser =
      typeof value.isCreatedByUser === "boolean"
        ? value.isCreatedByUser
        : value.sender === "User"
          ? true
          : null;
    const { text, reasoning } = textOf(value, leftOut);
    const failed = value.error === true;
    for (const file of Array.isArray(value.files) ? value.files : []) {
      const type = isRecord(file) ? stringOf(file.type) : null;
      leftOut.add(type?.startsWith("image/") ? "image" : "attachment");
    }
    let keep = byUser !== null && (text.trim() !== "" || failed);
    if (byUser === null) leftOut.add("message with an unknown role");
    else if (!keep) leftOut.add("empty message");
    keep &&= byUser !== null;
    const role: "user" | "assistant" = byUser ? "user" : "assistant";
    const message: ImportMessage & { keep: boolean } = {
      key,
      parentKey,
      role,
      // An error message carries the error as its text.
      content: failed ? "" : text.trim(),
      reasoning,
      interrupted: role === "assistant" && (value.unfinished === true || failed),
      error: failed ? text.trim() || "The answer failed." : null,
      model:
        role === "assistant" ? (stringOf(value.model) ?? stringOf(options.model) ?? null) : null,
      parameters: role === "assistant" ? parameters : null,
      usage: null,
      createdAt: timeFor(key) ?? firstTime ?? new Date(),
      attachments: [],
      keep,
    };
    return message;
  });
  const messages = keepMessages(read, (message) => message.keep).map(
    ({ keep: _keep, ...message }) => message,
  );
  const notes = [leftOut.describe()].filter((note): note is string => note !== null);
  if (messages.length === 0) {
    return { title, skipped: `Nothing to import: it has no messages. ${notes.join(" ")}`.trim() };
  }
  const times = messages.map((message) => message.createdAt.getTime());
  const createdAt = new Date(Math.min(...times));
  return {
    conversation: {
      title,
      model:
        stringOf(options.model) ??
        messages.find((message) => message.model !== null)?.model ??
        null,
      systemPrompt: stringOf(options.promptPrefix) ?? stringOf(options.system) ?? "",
      createdAt,
      updatedAt: new Date(Math.max(...times)),
      messages,
      notes,
    },
  };
}

/** The message's text and reasoning: from its `content` parts when it has them, else `text`. */
function textOf(
  value: Record<string, unknown>,
  leftOut: LeftOut,
): { text: string; reasoning: string } {
  const parts = Array.isArray(value.content) ? value.content.filter(isRecord) : [];
  if (parts.length === 0) return { text: stringOf(value.text) ?? "", reasoning: "" };
  const texts: string[] = [];
  const reasoning: string[] = [];
  for (const part of parts) {
    const type = stringOf(part.type);
    if (type === "text" || type === "error") {
      const text = isRecord(part.text) ? stringOf(part.text.value) : stringOf(part.text);
      if (text) texts.push(text);
    } else if (type === "think") {
      const think = isRecord(part.think) ? stringOf(part.think.value) : stringOf(part.think);
      if (think) reasoning.push(think);
    } else if (type === "tool_call") {
      leftOut.add("tool call");
    } else if (type === "image_file" || type === "image_url") {
      leftOut.add("image");
    } else {
      leftOut.add("unknown content part");
    }
  }
  return { text: texts.join("\n\n"), reasoning: reasoning.join("\n\n") };
}
