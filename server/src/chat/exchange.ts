// Export and import: conversations out as a Parley export (JSON, whole trees and files) or as
// Markdown (the branch being read), and back in from a Parley export or ChatGPT's
// conversations.json, keeping branches and reporting what was left out.

import {
  type ExportedConversation,
  ExportedConversation as ExportedConversationSchema,
  type ExportedFile,
  ExportedFile as ExportedFileSchema,
  type ExportInput,
  type ExportOutput,
  type FileRef,
  type ImportInput,
  type ImportOutput,
  PARLEY_EXPORT_FORMAT,
  PARLEY_EXPORT_VERSION,
  ParleyExport,
} from "@parley/shared";
import { z } from "zod";
import { cleanName, FileRejected } from "../files/service.ts";
import { badRequest, notFound } from "./errors.ts";
import { fromChatGpt, isChatGptConversation } from "./exchange-chatgpt.ts";
import { branchOf, documentMarkdown, type MarkdownConversation } from "./exchange-markdown.ts";
import {
  type CopiedMessage,
  createConversationWithTree,
  startingModel,
} from "./new-conversations.ts";
import { messageColumns, toMessage } from "./records.ts";
import type { ChatParts } from "./service.ts";

export type ExchangeService = ReturnType<typeof createExchangeService>;

/** One message to import, linked to its parent by the document's own keys. */
export interface ImportMessage
  extends Omit<CopiedMessage, "id" | "parentId" | "updatedAt" | "files"> {
  key: string;
  parentKey: string | null;
  files: Pick<FileRef, "sha256" | "name">[];
}

/** One conversation to import, as every source format is turned into. */
export interface ImportConversation {
  title: string;
  /** The model it used, if the document says (used when configured here). */
  model: string | null;
  systemPrompt: string;
  createdAt: Date;
  updatedAt: Date;
  /** Any order; parents are linked by key. */
  messages: ImportMessage[];
  /** What was already left out while reading it. */
  notes: string[];
}

/** A conversation to import, or one that cannot be and why. */
export type ImportCandidate =
  | { conversation: ImportConversation }
  | { title: string; skipped: string };

/** The longest error text or model name an import keeps. */
const IMPORTED_FIELD_CHARS = 1_000;

export function createExchangeService(deps: ChatParts) {
  const { db, models, settings, limits, files } = deps;

  /** The owner's conversations (one, or all, most recently active first) with their messages. */
  async function load(ownerId: string, id: string | undefined) {
    const conversations = await db.conversation.findMany({
      where: { ownerId, ...(id === undefined ? {} : { id }) },
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      select: {
        id: true,
        title: true,
        model: true,
        systemPrompt: true,
        createdAt: true,
        updatedAt: true,
      },
    });
    if (id !== undefined && conversations.length === 0) throw notFound("conversation");
    const rows = await db.message.findMany({
      where: id === undefined ? { conversation: { ownerId } } : { conversationId: id },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      select: messageColumns,
    });
    const byConversation = new Map<string, (typeof rows)[number][]>();
    for (const row of rows) {
      const list = byConversation.get(row.conversationId) ?? [];
      list.push(row);
      byConversation.set(row.conversationId, list);
    }
    return conversations.map((conversation) => ({
      ...conversation,
      // An answer still being written is exported as it stands.
      messages: (byConversation.get(conversation.id) ?? []).map((row) => toMessage(row, undefined)),
    }));
  }

  async function exportConversations(ownerId: string, input: ExportInput): Promise<ExportOutput> {
    const conversations = await load(ownerId, input.id);
    const single = input.id === undefined ? undefined : conversations[0];
    const date = new Date().toISOString().slice(0, 10);
    const name = single ? slug(single.title) || "conversation" : `parley-export-${date}`;

    if (input.format === "markdown") {
      if (input.leafId !== undefined && !single?.messages.some((m) => m.id === input.leafId)) {
        throw notFound("message");
      }
      const names = new Map(models.list().models.map((model) => [model.id, model.name]));
      const documents: MarkdownConversation[] = conversations.map((conversation) => ({
        title: conversation.title,
        modelName: names.get(conversation.model) ?? conversation.model,
        systemPrompt: conversation.systemPrompt,
        createdAt: conversation.createdAt,
        branch: branchOf(conversation.messages, input.leafId),
      }));
      return {
        filename: `${name}.md`,
        mimeType: "text/markdown; charset=utf-8",
        content: documentMarkdown(documents),
      };
    }

    const used = new Map<string, FileRef>();
    const exported: ExportedConversation[] = conversations.map((conversation) => ({
      title: conversation.title,
      model: conversation.model,
      systemPrompt: conversation.systemPrompt,
      createdAt: conversation.createdAt,
      updatedAt: conversation.updatedAt,
      messages: treeOrder(conversation.messages).map((message) => {
        for (const file of message.files) if (!used.has(file.sha256)) used.set(file.sha256, file);
        return {
          id: message.id,
          parentId: message.parentId,
          role: message.role,
          content: message.content,
          reasoning: message.reasoning,
          interrupted: message.interrupted,
          error: message.error,
          model: message.model,
          parameters: message.parameters,
          usage: message.usage,
          createdAt: message.createdAt,
          files: message.files,
          toolRounds: message.toolRounds,
        };
      }),
    }));
    const embedded: ExportedFile[] = [];
    for (const file of used.values()) {
      const stored = await files.read(file.sha256);
      // A row without bytes is a broken store: the export says so rather than leave it out.
      if (!stored) throw new Error(`the bytes of file ${file.sha256} are missing from the store`);
      embedded.push({ ...file, data: Buffer.from(stored.bytes).toString("base64") });
    }
    const document = ParleyExport.encode({
      format: PARLEY_EXPORT_FORMAT,
      version: PARLEY_EXPORT_VERSION,
      exportedAt: new Date(),
      conversations: exported,
      files: embedded,
    });
    return {
      filename: `${name}.json`,
      mimeType: "application/json",
      content: JSON.stringify(document, null, 2),
    };
  }

  async function importConversations(ownerId: string, input: ImportInput): Promise<ImportOutput> {
    // Everything is read and checked before anything is written: bad input writes nothing.
    const source = readSource(input);
    const candidates =
      source.kind === "parley" ? fromParley(source.document) : fromChatGpt(source.items);
    const report: ImportOutput = { imported: [], skipped: [] };
    let room = limits.conversationsPerOwner - (await db.conversation.count({ where: { ownerId } }));
    const preferences = await settings.get(ownerId);
    /** Files saved for this import, by the hash the document gave (null: could not be). */
    const saved = new Map<string, FileRef | null>();

    for (const candidate of candidates) {
      if ("skipped" in candidate) {
        report.skipped.push({ title: displayTitle(candidate.title), reason: candidate.skipped });
        continue;
      }
      const conversation = candidate.conversation;
      const title = conversation.title.trim().slice(0, limits.titleChars);
      const skip = (reason: string) => report.skipped.push({ title: displayTitle(title), reason });
      const ordered = orderForImport(conversation.messages);
      if (!ordered) {
        skip("Its message tree is broken (a message's parent is missing, or messages loop).");
        continue;
      }
      if (ordered.length === 0) {
        skip("Nothing to import: it has no messages.");
        continue;
      }
      if (room <= 0) {
        skip(
          `You have reached the limit of ${limits.conversationsPerOwner.toLocaleString("en")} conversations; delete some to import more.`,
        );
        continue;
      }
      const notes = [...conversation.notes];
      const kept = ordered.slice(0, limits.messagesPerConversation);
      if (kept.length < ordered.length) {
        notes.push(
          `Kept the first ${kept.length.toLocaleString("en")} of ${ordered.length.toLocaleString("en")} messages (the limit per conversation).`,
        );
      }
      let cut = 0;
      for (const message of kept) {
        if (message.content.length > limits.messageChars) {
          message.content = message.content.slice(0, limits.messageChars);
          cut += 1;
        }
        // Fields Parley writes itself, bounded so an edited export cannot store megabytes in them.
        message.reasoning = message.reasoning.slice(0, limits.messageChars);
        message.error = message.error?.slice(0, IMPORTED_FIELD_CHARS) ?? null;
        message.model = message.model?.slice(0, IMPORTED_FIELD_CHARS) ?? null;
      }
      if (cut > 0) {
        notes.push(
          `Cut ${cut === 1 ? "1 message" : `${cut} messages`} to ${limits.messageChars.toLocaleString("en")} characters.`,
        );
      }
      let systemPrompt = conversation.systemPrompt;
      if (systemPrompt.length > limits.systemPromptChars) {
        systemPrompt = systemPrompt.slice(0, limits.systemPromptChars);
        notes.push(
          `Cut the system prompt to ${limits.systemPromptChars.toLocaleString("en")} characters.`,
        );
      }

      // Files are stored through the file service, so its type and size checks apply.
      const attachments = new Map<string, FileRef[]>();
      if (source.kind === "parley") {
        const refused: string[] = [];
        for (const message of kept) {
          const refs: FileRef[] = [];
          for (const file of message.files) {
            if (!saved.has(file.sha256)) {
              const outcome = await saveFile(ownerId, source.files.get(file.sha256));
              saved.set(file.sha256, "ref" in outcome ? outcome.ref : null);
              if ("problem" in outcome) refused.push(`"${file.name}" ${outcome.problem}`);
            }
            const ref = saved.get(file.sha256);
            if (ref && !refs.some((other) => other.sha256 === ref.sha256)) {
              // Names are shown and sent in headers: cleaned as an upload's would be.
              refs.push({ ...ref, name: cleanName(file.name) });
            }
          }
          if (refs.length > 0) attachments.set(message.key, refs);
        }
        if (refused.length > 0) notes.push(`Left out attachments: ${refused.join("; ")}.`);
      }

      const conversationId = await createConversationWithTree(
        db,
        {
          ownerId,
          title,
          model: startingModel(models, preferences, [conversation.model]),
          systemPrompt,
          createdAt: conversation.createdAt,
          updatedAt: conversation.updatedAt,
        },
        kept.map((message) => ({
          ...message,
          id: message.key,
          parentId: message.parentKey,
          updatedAt: message.createdAt,
          files: attachments.get(message.key) ?? [],
        })),
      );
      room -= 1;
      report.imported.push({ conversationId, title, messages: kept.length });
      for (const note of notes) skip(note);
    }
    return report;
  }

  /** Stores one exported file for the owner, or says why it cannot be. */
  async function saveFile(
    ownerId: string,
    file: ExportedFile | undefined,
  ): Promise<{ ref: FileRef } | { problem: string }> {
    if (!file) return { problem: "is missing from the export" };
    try {
      const ref = await files.save(ownerId, {
        name: file.name,
        bytes: new Uint8Array(Buffer.from(file.data, "base64")),
      });
      if (ref.sha256 !== file.sha256) return { problem: "does not match its checksum" };
      return { ref };
    } catch (error) {
      if (error instanceof FileRejected) return { problem: `was refused: ${error.message}` };
      throw error;
    }
  }

  return { export: exportConversations, import: importConversations };
}

type Source =
  | {
      kind: "parley";
      document: { conversations: unknown[] };
      files: Map<string, ExportedFile>;
    }
  | { kind: "chatgpt"; items: unknown[] };

/** What a Parley export's envelope must be; its conversations and files are checked one by one. */
const ParleyEnvelope = z.object({
  format: z.literal(PARLEY_EXPORT_FORMAT),
  version: z.literal(PARLEY_EXPORT_VERSION),
  conversations: z.array(z.unknown()),
  files: z.array(z.unknown()),
});

/** Tells the document's format, or refuses it (BAD_REQUEST) with what is wrong. */
function readSource(input: ImportInput): Source {
  const what = input.filename ? `"${input.filename}"` : "This file";
  let json: unknown;
  try {
    json = JSON.parse(input.content);
  } catch {
    throw badRequest(
      `${what} is not JSON. Import a Parley export (.json) or ChatGPT's conversations.json.`,
    );
  }
  if (isRecord(json) && json.format === PARLEY_EXPORT_FORMAT) {
    if (json.version !== PARLEY_EXPORT_VERSION) {
      const version =
        typeof json.version === "number" ? `version ${json.version}` : "an unknown version";
      throw badRequest(
        `${what} is a Parley export of ${version}; this Parley reads version ${PARLEY_EXPORT_VERSION}.`,
      );
    }
    const envelope = ParleyEnvelope.safeParse(json);
    if (!envelope.success)
      throw badRequest(`${what} is a damaged Parley export: ${issueText(envelope.error)}`);
    const files = new Map<string, ExportedFile>();
    for (const raw of envelope.data.files) {
      // A damaged file entry only loses that file (reported where a message uses it).
      const file = ExportedFileSchema.safeParse(raw);
      if (file.success) files.set(file.data.sha256, file.data);
    }
    return { kind: "parley", document: envelope.data, files };
  }
  // The export holds a list of conversations; one conversation alone is accepted too.
  if (Array.isArray(json) && json.some(isChatGptConversation))
    return { kind: "chatgpt", items: json };
  if (isChatGptConversation(json)) return { kind: "chatgpt", items: [json] };
  throw badRequest(
    `${what} is neither a Parley export nor ChatGPT's conversations.json, so there is nothing Parley can import from it.`,
  );
}

function fromParley(document: { conversations: unknown[] }): ImportCandidate[] {
  return document.conversations.map((raw) => {
    const parsed = ExportedConversationSchema.safeParse(raw);
    if (!parsed.success) {
      const title = isRecord(raw) && typeof raw.title === "string" ? raw.title : "";
      return { title, skipped: `It is damaged: ${issueText(parsed.error)}` };
    }
    const conversation = parsed.data;
    return {
      conversation: {
        title: conversation.title,
        model: conversation.model,
        systemPrompt: conversation.systemPrompt,
        createdAt: conversation.createdAt,
        updatedAt: conversation.updatedAt,
        messages: conversation.messages.map((message) => ({
          ...message,
          key: message.id,
          parentKey: message.parentId,
        })),
        notes: [],
      },
    };
  });
}

/**
 * Parents before children, and the order siblings keep: by time, then the document's order.
 * A child stamped before its parent still comes after it. null when the tree is broken.
 */
function orderForImport(messages: readonly ImportMessage[]): ImportMessage[] | null {
  const byKey = new Map<string, ImportMessage>();
  for (const message of messages) {
    if (byKey.has(message.key)) return null;
    byKey.set(message.key, message);
  }
  for (const message of messages) {
    if (message.parentKey !== null && !byKey.has(message.parentKey)) return null;
  }
  const ordered = treeOrder(
    messages.map((message, index) => ({
      ...message,
      id: message.key,
      parentId: message.parentKey,
      index,
    })),
  );
  return ordered.length === messages.length ? ordered : null;
}

/**
 * The nodes reachable from the roots, parents first; among what may come next, the earliest
 * (then the given order). Nodes in a loop are not reachable and are left out.
 */
function treeOrder<T extends { id: string; parentId: string | null; createdAt: Date }>(
  nodes: readonly T[],
): T[] {
  const children = new Map<string | null, { node: T; index: number }[]>();
  nodes.forEach((node, index) => {
    const siblings = children.get(node.parentId) ?? [];
    siblings.push({ node, index });
    children.set(node.parentId, siblings);
  });
  // A node's time for ordering is at least its parent's, so sorting by it keeps parents first.
  const keyed: { node: T; time: number; depth: number; index: number }[] = [];
  const stack = (children.get(null) ?? []).map((entry) => ({ ...entry, floor: 0, depth: 0 }));
  const seen = new Set<string>();
  while (stack.length > 0) {
    const { node, index, floor, depth } = stack.pop() as (typeof stack)[number];
    if (seen.has(node.id)) continue;
    seen.add(node.id);
    const time = Math.max(floor, node.createdAt.getTime());
    keyed.push({ node, time, depth, index });
    for (const child of children.get(node.id) ?? []) {
      stack.push({ ...child, floor: time, depth: depth + 1 });
    }
  }
  keyed.sort((a, b) => a.time - b.time || a.depth - b.depth || a.index - b.index);
  return keyed.map((entry) => entry.node);
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "it does not match the expected shape.";
  const path = issue.path.join(".");
  return `${path ? `${path}: ` : ""}${issue.message}`;
}

function displayTitle(title: string): string {
  return title.trim() || "Untitled conversation";
}

/** A file name from a title: lowercase words joined by dashes, letters of any script kept. */
function slug(title: string): string {
  return title
    .toLowerCase()
    .normalize("NFKC")
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
