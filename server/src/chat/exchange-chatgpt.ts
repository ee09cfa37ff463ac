// ChatGPT's data export (`conversations.json`) as conversations to import. Each conversation's
// `mapping` is a tree of nodes (edits and regenerations are siblings); every branch is kept.
// Nodes people never saw or that are not text (the hidden root, system and tool messages, tool
// calls, images) are left out, and their children move up to the nearest node that is kept.

import { z } from "zod";
import type { ImportCandidate, ImportMessage } from "./exchange.ts";

// Only the fields Parley reads; the export has many more, and they change over time.
const ChatGptMessage = z.object({
  author: z.object({ role: z.string() }),
  create_time: z.number().nullish(),
  content: z.looseObject({
    content_type: z.string(),
    parts: z.array(z.unknown()).nullish(),
  }),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  /** "all" for what people see; a tool's name when the assistant calls it. */
  recipient: z.string().nullish(),
});
type ChatGptMessage = z.infer<typeof ChatGptMessage>;

const ChatGptNode = z.object({
  message: ChatGptMessage.nullish(),
  parent: z.string().nullish(),
  children: z.array(z.string()).nullish(),
});

const ChatGptConversation = z.object({
  title: z.string().nullish(),
  create_time: z.number().nullish(),
  update_time: z.number().nullish(),
  mapping: z.record(z.string(), ChatGptNode),
  default_model_slug: z.string().nullish(),
});

/** Does this JSON look like one of ChatGPT's exported conversations? */
export function isChatGptConversation(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    "mapping" in value &&
    typeof value.mapping === "object" &&
    value.mapping !== null
  );
}

/** What was left out, counted by kind ("image" → 2), for the import's report. */
class LeftOut {
  private readonly counts = new Map<string, number>();

  add(kind: string) {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  /** e.g. "Left out 1 system message, 2 images." or null when nothing was. */
  describe(): string | null {
    if (this.counts.size === 0) return null;
    const parts = [...this.counts].map(([kind, n]) => `${n} ${n === 1 ? kind : plural(kind)}`);
    return `Left out ${parts.join(", ")}.`;
  }
}

function plural(kind: string): string {
  return kind.endsWith("s") ? kind : `${kind}s`;
}

/** ChatGPT's conversations, in the file's order, as import candidates. */
export function fromChatGpt(items: readonly unknown[]): ImportCandidate[] {
  return items.map((item) => {
    const parsed = ChatGptConversation.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        title: titleOf(item),
        skipped: `Not a ChatGPT conversation Parley can read (${issue?.path.join(".") || "the conversation"}: ${issue?.message}).`,
      };
    }
    return fromConversation(parsed.data);
  });
}

function fromConversation(conversation: z.infer<typeof ChatGptConversation>): ImportCandidate {
  const title = conversation.title?.trim() ?? "";
  const { mapping } = conversation;
  const started = seconds(conversation.create_time);
  const leftOut = new LeftOut();
  const messages: ImportMessage[] = [];
  const byKey = new Map<string, ImportMessage>();
  const hasChildren = new Set<string>();
  /** Kept nodes whose text moved into their parent: their children go to the parent. */
  const mergedInto = new Map<string, string>();

  // Depth first, children in the file's order: that order is the branches' order.
  const roots = Object.keys(mapping).filter((id) => {
    const parent = mapping[id]?.parent;
    return parent === null || parent === undefined || !(parent in mapping);
  });
  const visited = new Set<string>();
  const stack: { id: string; keptParent: string | null; inherited: Date | null }[] = roots
    .reverse()
    .map((id) => ({ id, keptParent: null, inherited: started }));
  while (stack.length > 0) {
    const { id, keptParent, inherited } = stack.pop() as (typeof stack)[number];
    if (visited.has(id)) continue; // a node listed twice, or a cycle
    visited.add(id);
    const node = mapping[id];
    if (!node) continue;
    const message = node.message;
    const createdAt = seconds(message?.create_time) ?? inherited;
    let parentForChildren = keptParent;

    const kept = message ? keep(message, leftOut) : null;
    if (kept) {
      const parent = keptParent === null ? undefined : byKey.get(keptParent);
      if (
        parent &&
        parent.role === "assistant" &&
        kept.role === "assistant" &&
        !hasChildren.has(parent.key)
      ) {
        // An answer split around a tool call (text, call, result, more text) reads as one answer.
        parent.content = `${parent.content}\n\n${kept.content}`;
        parent.interrupted = kept.interrupted;
        mergedInto.set(id, parent.key);
      } else {
        const imported: ImportMessage = {
          key: id,
          parentKey: keptParent,
          role: kept.role,
          content: kept.content,
          reasoning: "",
          interrupted: kept.interrupted,
          error: null,
          model:
            kept.role === "assistant"
              ? (kept.model ?? conversation.default_model_slug ?? null)
              : null,
          parameters: null,
          usage: null,
          createdAt: createdAt ?? new Date(),
          files: [],
        };
        messages.push(imported);
        byKey.set(id, imported);
        if (keptParent !== null) hasChildren.add(keptParent);
        parentForChildren = id;
      }
    }
    parentForChildren = mergedInto.get(id) ?? parentForChildren;
    const children = (node.children ?? []).filter((child) => child in mapping);
    for (const child of children.reverse()) {
      stack.push({ id: child, keptParent: parentForChildren, inherited: createdAt });
    }
  }

  const notes = [leftOut.describe()].filter((note): note is string => note !== null);
  if (messages.length === 0) {
    return {
      title,
      skipped: `Nothing to import: it has no text messages. ${notes.join(" ")}`.trim(),
    };
  }
  const createdAt = started ?? messages[0]?.createdAt ?? new Date();
  return {
    conversation: {
      title,
      model: conversation.default_model_slug ?? null,
      systemPrompt: "",
      createdAt,
      updatedAt: seconds(conversation.update_time) ?? createdAt,
      messages,
      notes,
    },
  };
}

interface KeptMessage {
  role: "user" | "assistant";
  content: string;
  interrupted: boolean;
  model: string | null;
}

/** The message as Parley keeps it, or null (counted in `leftOut` when people could see it). */
function keep(message: ChatGptMessage, leftOut: LeftOut): KeptMessage | null {
  const metadata = message.metadata ?? {};
  const role = message.author.role;
  const { content_type: type, parts } = message.content;
  const text = (parts ?? []).filter((part): part is string => typeof part === "string").join("\n");
  // The conversation's hidden scaffolding (an empty system message, custom instructions).
  if (metadata.is_visually_hidden_from_conversation === true) return null;
  if (role === "system") {
    if (text.trim()) leftOut.add("system message");
    return null;
  }
  if (role === "tool") {
    leftOut.add("tool message");
    return null;
  }
  if (role !== "user" && role !== "assistant") {
    leftOut.add(`${role} message`);
    return null;
  }
  // The assistant calling a tool (code for Python, a search), not talking to the user.
  if (message.recipient && message.recipient !== "all") {
    leftOut.add("tool call");
    return null;
  }
  if (type !== "text" && type !== "multimodal_text") {
    leftOut.add(kindOfContent(type));
    return null;
  }
  const pieces: string[] = [];
  for (const part of parts ?? []) {
    if (typeof part === "string") {
      if (part.trim()) pieces.push(part);
    } else if (isObject(part) && typeof part.text === "string" && part.text.trim()) {
      // Voice conversations carry transcripts as parts with text.
      pieces.push(part.text);
    } else if (isObject(part) && part.content_type === "image_asset_pointer") {
      leftOut.add("image");
    } else if (part !== null && part !== "") {
      leftOut.add("attachment");
    }
  }
  const content = pieces.join("\n\n").trim();
  if (!content) return null;
  const finish = isObject(metadata.finish_details) ? metadata.finish_details.type : undefined;
  return {
    role,
    content,
    interrupted: role === "assistant" && finish === "interrupted",
    model: typeof metadata.model_slug === "string" ? metadata.model_slug : null,
  };
}

function kindOfContent(type: string): string {
  if (type === "thoughts" || type === "reasoning_recap") return "reasoning summary";
  if (type === "code" || type === "execution_output") return "code run";
  if (type.startsWith("tether_")) return "web result";
  return `${type.replace(/_/g, " ")} message`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** ChatGPT's times are seconds since 1970 (fractions included). */
function seconds(value: number | null | undefined): Date | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const date = new Date(Math.round(value * 1000));
  return Number.isNaN(date.getTime()) ? null : date;
}

function titleOf(item: unknown): string {
  return isObject(item) && typeof item.title === "string" ? item.title.trim() : "";
}
