// ChatGPT's data export: `conversations.json` (a list of conversations), alone or inside the
// export's ZIP (which may split the list over several JSON files, with the attachments beside
// them). Each conversation's `mapping` is a tree of nodes (edits and regenerations are
// siblings); every branch is kept. Nodes people never saw or that are not text (the hidden root,
// system and tool messages, tool calls) are left out, and their children move up to the nearest
// node that is kept. Images come along when the ZIP holds them. Citations become links.

import { buildTree, depthFirst } from "@parley/shared";
import { browsingResults, type Source, withCitations } from "./citations.ts";
import {
  type FormatReader,
  type ImportAttachment,
  type ImportCandidate,
  type ImportMessage,
  isRecord,
  LeftOut,
  stringOf,
  timeOf,
} from "./conversation.ts";
import type { DocumentShape, JsonDocument } from "./json.ts";

/** Does this JSON look like one of ChatGPT's exported conversations? */
export function isChatGptConversation(value: unknown): boolean {
  return isRecord(value) && isRecord(value.mapping);
}

export function isChatGpt(shape: DocumentShape): boolean {
  if (shape.kind === "array") return isChatGptConversation(shape.first);
  return shape.kind === "object" && (shape.large.includes("mapping") || "mapping" in shape.values);
}

/** Which attachments the export carries (the ZIP's files), by the id messages name them with. */
export interface ChatGptFiles {
  has(id: string): boolean;
}

export function readChatGpt(document: JsonDocument, files?: ChatGptFiles): FormatReader {
  const { shape } = document;
  return {
    source: "chatgpt",
    total: shape.kind === "array" ? shape.length : 1,
    async *conversations() {
      if (shape.kind !== "array") {
        // One conversation on its own: its small fields were read with the shape.
        const values = shape.kind === "object" ? shape.values : {};
        yield fromConversation({ ...values, mapping: await document.member("mapping") }, files);
        return;
      }
      for await (const element of document.elements(null)) {
        if ("problem" in element) {
          yield { title: "", skipped: `It could not be read: ${element.problem}.` };
        } else {
          yield fromConversation(element.value, files);
        }
      }
    },
  };
}

/** What a node passes down to its children. */
interface Inherited {
  /** The nearest kept node above (null: a root). */
  keptParent: string | null;
  inherited: Date | null;
  /** The browsing results last recorded on the way here, for citations that name them. */
  results: readonly Source[];
}

function fromConversation(item: unknown, files: ChatGptFiles | undefined): ImportCandidate {
  if (!isRecord(item)) {
    return { title: "", skipped: "It is not a conversation (the file has something else here)." };
  }
  const title = stringOf(item.title)?.trim() ?? "";
  const { mapping } = item;
  if (!isRecord(mapping)) {
    return { title, skipped: "It has no messages: its message tree is missing from the file." };
  }
  const defaultModel = stringOf(item.default_model_slug);
  const started = timeOf(item.create_time);
  const leftOut = new LeftOut();
  const messages: ImportMessage[] = [];
  const byKey = new Map<string, ImportMessage>();
  const hasChildren = new Set<string>();
  /** Kept nodes whose text moved into their parent: their children go to the parent. */
  const mergedInto = new Map<string, string>();

  const nodeOf = (id: string) => {
    const node = mapping[id];
    return isRecord(node) ? node : undefined;
  };
  // The tree as the file links it: a node under the node whose `children` name it, in that
  // order (the branches' order), else under its `parent`; roots as the file lists them.
  const ids = Object.keys(mapping);
  const parentOf = (id: string) => {
    const parent = stringOf(nodeOf(id)?.parent);
    return parent !== null && parent in mapping ? parent : null;
  };
  const childLinks = ids.flatMap((id) => {
    const children = nodeOf(id)?.children;
    return (Array.isArray(children) ? children : [])
      .filter((child): child is string => typeof child === "string" && child in mapping)
      .map((child) => ({ id: child, parentId: id }));
  });
  const tree = buildTree([
    ...ids.filter((id) => parentOf(id) === null).map((id) => ({ id, parentId: null })),
    ...childLinks,
    ...ids.map((id) => ({ id, parentId: parentOf(id) })),
  ]);
  const passedDown = new Map<string, Inherited>();
  const atRoot: Inherited = { keptParent: null, inherited: started, results: [] };
  // Branch by branch: an answer joins its parent only while the parent has no other child yet.
  for (const { id } of depthFirst(tree)) {
    const parentId = tree.parentOf(id);
    const from = (parentId === null ? undefined : passedDown.get(parentId)) ?? atRoot;
    const { keptParent, inherited, results } = from;
    const node = nodeOf(id);
    if (!node) {
      leftOut.add("damaged message");
      passedDown.set(id, from);
      continue;
    }
    const message = isRecord(node.message) ? node.message : null;
    const createdAt = timeOf(message?.create_time) ?? inherited;
    const metadata = isRecord(message?.metadata) ? message.metadata : {};
    const found = browsingResults(metadata);
    const resultsHere = found && found.length > 0 ? found : results;
    let parentForChildren = keptParent;

    const kept = message ? keep(message, metadata, leftOut, files) : null;
    if (kept) {
      const parent = keptParent === null ? undefined : byKey.get(keptParent);
      const content =
        kept.role === "assistant"
          ? withCitations(kept.content, metadata, resultsHere)
          : kept.content;
      if (
        parent &&
        parent.role === "assistant" &&
        kept.role === "assistant" &&
        !hasChildren.has(parent.key)
      ) {
        // An answer split around a tool call (text, call, result, more text) reads as one answer.
        parent.content = [parent.content, content].filter(Boolean).join("\n\n");
        parent.interrupted = kept.interrupted;
        parent.attachments.push(...kept.attachments);
        mergedInto.set(id, parent.key);
      } else {
        const imported: ImportMessage = {
          key: id,
          parentKey: keptParent,
          role: kept.role,
          content,
          reasoning: "",
          interrupted: kept.interrupted,
          error: null,
          model: kept.role === "assistant" ? (kept.model ?? defaultModel ?? null) : null,
          parameters: null,
          usage: null,
          createdAt: createdAt ?? new Date(),
          attachments: kept.attachments,
        };
        messages.push(imported);
        byKey.set(id, imported);
        if (keptParent !== null) hasChildren.add(keptParent);
        parentForChildren = id;
      }
    }
    parentForChildren = mergedInto.get(id) ?? parentForChildren;
    passedDown.set(id, {
      keptParent: parentForChildren,
      inherited: createdAt,
      results: resultsHere,
    });
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
      model: defaultModel,
      systemPrompt: "",
      createdAt,
      updatedAt: timeOf(item.update_time) ?? createdAt,
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
  attachments: ImportAttachment[];
}

/** The message as Parley keeps it, or null (counted in `leftOut` when people could see it). */
function keep(
  message: Record<string, unknown>,
  metadata: Record<string, unknown>,
  leftOut: LeftOut,
  files: ChatGptFiles | undefined,
): KeptMessage | null {
  const author = isRecord(message.author) ? message.author : {};
  const role = stringOf(author.role) ?? "";
  const content = isRecord(message.content) ? message.content : {};
  const type = stringOf(content.content_type) ?? "";
  const parts = Array.isArray(content.parts) ? content.parts : [];
  const text = parts.filter((part): part is string => typeof part === "string").join("\n");
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
    leftOut.add(role ? "message with an unknown role" : "damaged message");
    return null;
  }
  // The assistant calling a tool (code for Python, a search), not talking to the user.
  const recipient = stringOf(message.recipient);
  if (recipient && recipient !== "all") {
    leftOut.add("tool call");
    return null;
  }
  if (type !== "text" && type !== "multimodal_text") {
    leftOut.add(kindOfContent(type));
    return null;
  }
  const pieces: string[] = [];
  const attachments: ImportAttachment[] = [];
  for (const part of parts) {
    if (typeof part === "string") {
      if (part.trim()) pieces.push(part);
    } else if (isRecord(part) && typeof part.text === "string" && part.text.trim()) {
      // Voice conversations carry transcripts as parts with text.
      pieces.push(part.text);
    } else if (isRecord(part) && part.content_type === "image_asset_pointer") {
      const id = fileId(part.asset_pointer);
      // Named by the file in the ZIP once it is read.
      if (id && files?.has(id)) attachments.push({ key: id, name: "" });
      else leftOut.add("image");
    } else if (part !== null && part !== "") {
      leftOut.add("attachment");
    }
  }
  const joined = pieces.join("\n\n").trim();
  if (!joined && attachments.length === 0) return null;
  const finish = isRecord(metadata.finish_details) ? metadata.finish_details.type : undefined;
  return {
    role,
    content: joined,
    interrupted: role === "assistant" && finish === "interrupted",
    model: stringOf(metadata.model_slug),
    attachments,
  };
}

/** "file-service://file-AbC" or "sediment://file_00ab…" → the id the ZIP names the file by. */
function fileId(pointer: unknown): string | null {
  const value = stringOf(pointer);
  const id = value?.split("://")[1];
  return id && /^file[-_][A-Za-z0-9]+$/.test(id) ? id : null;
}

function kindOfContent(type: string): string {
  if (type === "thoughts" || type === "reasoning_recap") return "reasoning summary";
  if (type === "code" || type === "execution_output") return "code run";
  if (type.startsWith("tether_")) return "web result";
  if (!type) return "damaged message";
  return `${type.replace(/_/g, " ")} message`;
}
