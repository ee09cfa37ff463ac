// Parley's own export (`ParleyExport`, version 1): whole trees with every field, and the bytes
// of the attached files. The files are stored first (each checked as an upload is), then the
// conversations are read one at a time.

import {
  ExportedConversation,
  ExportedFile,
  PARLEY_EXPORT_FORMAT,
  PARLEY_EXPORT_VERSION,
} from "@parley/shared";
import type { z } from "zod";
import { badRequest } from "../../errors.ts";
import { type FormatReader, isRecord, type SavedFile } from "./conversation.ts";
import type { DocumentShape, JsonDocument } from "./json.ts";

export function isParley(shape: DocumentShape): boolean {
  return shape.kind === "object" && shape.values.format === PARLEY_EXPORT_FORMAT;
}

/** Stores a file's bytes for the importer, or says why it cannot. */
export type SaveFile = (file: { name: string; bytes: Uint8Array }) => Promise<SavedFile>;

export function readParley(document: JsonDocument, what: string, save: SaveFile): FormatReader {
  const { shape } = document;
  if (shape.kind !== "object") throw badRequest(`${what} is not a Parley export.`);
  const version = shape.values.version;
  if (version !== PARLEY_EXPORT_VERSION) {
    const which = typeof version === "number" ? `version ${version}` : "an unknown version";
    throw badRequest(
      `${what} is a Parley export of ${which}; this Parley reads version ${PARLEY_EXPORT_VERSION}.`,
    );
  }
  const conversations = shape.arrays.conversations;
  if (!conversations) {
    throw badRequest(`${what} is a damaged Parley export: its list of conversations is missing.`);
  }
  if (!shape.arrays.files) {
    throw badRequest(`${what} is a damaged Parley export: its list of files is missing.`);
  }

  /** Each file the export carries, stored, by the hash the export gives it. */
  const saved = new Map<string, SavedFile>();
  return {
    source: "parley",
    total: conversations.length,
    async *conversations() {
      for await (const element of document.elements("files")) {
        // A damaged file entry only loses that file (reported where a message uses it).
        const file = "value" in element ? ExportedFile.safeParse(element.value) : undefined;
        if (!file?.success || saved.has(file.data.sha256)) continue;
        const outcome = await save({
          name: file.data.name,
          bytes: new Uint8Array(Buffer.from(file.data.data, "base64")),
        });
        const matches = "problem" in outcome || outcome.ref.sha256 === file.data.sha256;
        saved.set(file.data.sha256, matches ? outcome : { problem: "does not match its checksum" });
      }
      for await (const element of document.elements("conversations")) {
        if ("problem" in element) {
          yield { title: "", skipped: `It could not be read: ${element.problem}.` };
          continue;
        }
        const raw = element.value;
        const parsed = ExportedConversation.safeParse(raw);
        if (!parsed.success) {
          const title = isRecord(raw) && typeof raw.title === "string" ? raw.title : "";
          yield { title, skipped: `It is damaged: ${plainIssue(parsed.error)}` };
          continue;
        }
        const conversation = parsed.data;
        yield {
          conversation: {
            title: conversation.title,
            model: conversation.model,
            systemPrompt: conversation.systemPrompt,
            createdAt: conversation.createdAt,
            updatedAt: conversation.updatedAt,
            messages: conversation.messages.map(({ id, parentId, files, ...message }) => ({
              ...message,
              key: id,
              parentKey: parentId,
              attachments: files.map((file) => ({ key: file.sha256, name: file.name })),
            })),
            notes: [],
          },
        };
      }
    },
    async attachment(key) {
      return saved.get(key) ?? { problem: "is missing from the export" };
    },
  };
}

/** What people call the fields of an exported conversation. */
const FIELD_WORDS: Record<string, string> = {
  title: "title",
  model: "model",
  systemPrompt: "system prompt",
  createdAt: "time",
  updatedAt: "time of its last activity",
  messages: "list of messages",
  id: "id",
  parentId: "link to the message before it",
  role: "role (user, assistant or system)",
  content: "text",
  reasoning: "reasoning",
  interrupted: "interrupted mark",
  error: "error text",
  parameters: "settings",
  usage: "token counts",
  files: "list of files",
};

/** A validation problem as a sentence: "its message 3 has no valid time." */
function plainIssue(error: z.ZodError): string {
  const path = error.issues[0]?.path ?? [];
  const inMessage = path[0] === "messages" && typeof path[1] === "number";
  const field = String((inMessage ? path[2] : path[0]) ?? "");
  const words = FIELD_WORDS[field] ?? "contents";
  if (inMessage && path.length > 2) {
    return `its message ${Number(path[1]) + 1} has a missing or wrong ${words}.`;
  }
  return `its ${words} ${inMessage ? `(message ${Number(path[1]) + 1}) ` : ""}is missing or wrong.`;
}
