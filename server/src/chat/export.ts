// Export: conversations out as a Parley export (JSON, whole trees and files) or as Markdown (the
// branch being read). Import is in ./import/.

import {
  buildTree,
  type ExportedConversation,
  type ExportedFile,
  type ExportInput,
  type ExportOutput,
  type FileRef,
  newestBranch,
  PARLEY_EXPORT_FORMAT,
  PARLEY_EXPORT_VERSION,
  ParleyExport,
  parentsFirstByTime,
} from "@parley/shared";
import type { Db } from "../db/client.ts";
import { notFound } from "../errors.ts";
import type { FileService } from "../files/service.ts";
import type { ModelRegistry } from "../llm/registry.ts";
import { documentMarkdown, type MarkdownConversation } from "./export-markdown.ts";
import { messageColumns, toMessage } from "./message-rows.ts";

export type ExportService = ReturnType<typeof createExportService>;

export function createExportService(deps: {
  db: Db;
  models: Pick<ModelRegistry, "list">;
  files: Pick<FileService, "read">;
}) {
  const { db, models, files } = deps;

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
        // Messages come in display order (createdAt, id): the last of siblings is the newest.
        branch: newestBranch(buildTree(conversation.messages), input.leafId),
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
      messages: parentsFirstByTime(buildTree(conversation.messages), (message) =>
        message.createdAt.getTime(),
      ).map((message) => {
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

  return { export: exportConversations };
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
