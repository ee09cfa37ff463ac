// Export: the documented, versioned JSON document Parley writes and reads back (`ParleyExport`),
// and the export procedure's input and output. Import's are in ./import.ts.

import { z } from "zod";
import { ConversationIdInput, ConversationInfo, Message, MessageRefInput } from "./chat.ts";
import { FileRef } from "./files.ts";
import { ToolRounds } from "./tools.ts";

/** What a Parley export says it is (`format`), and the one version this Parley reads. */
export const PARLEY_EXPORT_FORMAT = "parley.export";
export const PARLEY_EXPORT_VERSION = 1;

/** A point in time as JSON has it (ISO 8601, e.g. "2026-11-30T00:52:39.000Z"); a Date in code. */
const Timestamp = z.codec(z.iso.datetime({ offset: true }), z.date(), {
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString(),
});

/** One node of an exported conversation's message tree. */
export const ExportedMessage = Message.pick({
  /**
   * The message's id in the exporting Parley. It only links the tree together (`parentId`):
   * importing gives every message a new id.
   */
  id: true,
  /** The id of the message this one answers or follows; null at the root. Siblings are branches. */
  parentId: true,
  /** "user", "assistant" or "system". */
  role: true,
  /** The message text (Markdown). */
  content: true,
  /** A reasoning model's thinking, streamed apart from the answer ("" when none). */
  reasoning: true,
  /** The answer was cut short (stopped or failed). */
  interrupted: true,
  /** What went wrong while answering, in words; null when nothing did. */
  error: true,
  /** The model that wrote an assistant message; null for the others. */
  model: true,
  /** The sampling parameters the answer was written with, when known. */
  parameters: true,
  /** Token counts the provider reported for the answer, when known. */
  usage: true,
  /** The files attached to the message, in order; their bytes are in the document's `files`. */
  files: true,
}).extend({
  /** When the message was written. Siblings are ordered by it (oldest branch first). */
  createdAt: Timestamp,
  /** An answer's tool calls and their results, round by round (absent or [] when none). */
  toolRounds: ToolRounds.default([]),
});
export type ExportedMessage = z.infer<typeof ExportedMessage>;

/** One exported conversation, with its whole message tree (every branch). */
export const ExportedConversation = ConversationInfo.pick({
  /** The conversation's title ("" before one was given). */
  title: true,
  /** The model id it was using; an import falls back to the importer's default if unknown. */
  model: true,
  /** The system prompt every answer saw ("" for none). */
  systemPrompt: true,
}).extend({
  /** When the conversation was started. */
  createdAt: Timestamp,
  /** Its last activity. */
  updatedAt: Timestamp,
  /** Every message of the tree, parents before their children, siblings oldest first. */
  messages: z.array(ExportedMessage),
});
export type ExportedConversation = z.infer<typeof ExportedConversation>;

/** A file attached somewhere in the export, with its bytes; listed once however often used. */
export const ExportedFile = FileRef.extend({
  /** The file's bytes, base64-encoded (standard alphabet, padded). */
  data: z.base64(),
});
export type ExportedFile = z.infer<typeof ExportedFile>;

/**
 * Parley's export document, version 1: what `conversations.export({ format: "json" })` returns
 * and `conversations.import` reads back. Fields may be added in later versions of the same
 * number; a change that breaks a reader gets a new `version`.
 */
export const ParleyExport = z.object({
  /** Always "parley.export": tells this document from other JSON. */
  format: z.literal(PARLEY_EXPORT_FORMAT),
  /** The document's version; this Parley writes and reads 1. */
  version: z.literal(PARLEY_EXPORT_VERSION),
  /** When the export was made. */
  exportedAt: Timestamp,
  /** The exported conversations, most recently active first. */
  conversations: z.array(ExportedConversation),
  /** The bytes of every file the messages refer to (by `sha256`). */
  files: z.array(ExportedFile),
});
export type ParleyExport = z.infer<typeof ParleyExport>;

export const ExportFormat = z.enum(["json", "markdown"]);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const ExportInput = z
  .strictObject({
    /** The conversation to export; all of the caller's when omitted. */
    id: ConversationIdInput.shape.id.optional(),
    /**
     * json: a `ParleyExport` with whole trees and files, to import again. markdown: the branch
     * being read, as a document for people (attachments named, not included).
     */
    format: ExportFormat,
    /**
     * Markdown only, with `id`: the branch through this message (root to it, then the newest
     * answers below it). The newest branch when omitted.
     */
    leafId: MessageRefInput.shape.messageId.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.leafId !== undefined && input.id === undefined) {
      ctx.addIssue({ code: "custom", path: ["leafId"], message: "leafId needs the id it is in" });
    }
  });
export type ExportInput = z.infer<typeof ExportInput>;

/** An export, ready to save as a file. */
export const ExportOutput = z.object({
  /** A suggested file name, e.g. "trip-to-lisbon.md" or "parley-export-2026-11-30.json". */
  filename: z.string(),
  /** "application/json" or "text/markdown; charset=utf-8". */
  mimeType: z.string(),
  /** The document itself. */
  content: z.string(),
});
export type ExportOutput = z.infer<typeof ExportOutput>;
