// Importing conversations from a file: a Parley export, ChatGPT's conversations.json or its ZIP,
// or an export of Open WebUI, LibreChat or chatbot-ui. This module finds out which it is, runs
// that format's reader, writes each conversation as it comes (one transaction each, so a large
// file is never held in memory whole) and builds the report: what was imported, with notes on
// what was left out of it, and what was skipped, with the reason, in plain words.

import { createReadStream } from "node:fs";
import { open as openFile } from "node:fs/promises";
import {
  FILE_LIMITS,
  type FileRef,
  type ImportInput,
  type ImportOutput,
  storableText,
  type UsageLimits,
} from "@parley/shared";
import type { Db } from "../../db/client.ts";
import { badRequest, DomainError } from "../../errors.ts";
import { cleanName, FileRejected, type FileService } from "../../files/service.ts";
import type { ModelRegistry } from "../../llm/registry.ts";
import { createConversationWithTree, startingModel } from "../new-conversations.ts";
import type { SettingsService } from "../settings.ts";
import { isChatbotUi, readChatbotUi } from "./chatbot-ui.ts";
import { isChatGpt, readChatGpt } from "./chatgpt.ts";
import {
  type FormatReader,
  type ImportAttachment,
  type ImportConversation,
  mendTree,
  type SavedFile,
} from "./conversation.ts";
import { bytesOfText, type DocumentBytes, type JsonDocument, NotJson, readJson } from "./json.ts";
import { isLibreChat, readLibreChat } from "./librechat.ts";
import { isOpenWebUi, readOpenWebUi } from "./open-webui.ts";
import { isParley, readParley } from "./parley.ts";
import { type Archive, openArchive, ZipRefused } from "./zip.ts";

/** The longest error text or model name an import keeps. */
const IMPORTED_FIELD_CHARS = 1_000;
/** The most files a ZIP may list (ChatGPT's hold one per attachment). */
const ZIP_MAX_ENTRIES = 100_000;
const READ_CHUNK = 1024 * 1024;

export type ImportService = ReturnType<typeof createImportService>;

/** An uploaded file on disk, and the name it was uploaded under. */
export interface ImportUpload {
  path: string;
  filename?: string;
  /**
   * The most a JSON file inside a ZIP may unpack to (it is read piece by piece, never whole:
   * this bounds the time a ZIP bomb could take, not memory).
   */
  unpackedBytes: number;
}

/** An import whose format is known and checked, ready to run. */
export interface PreparedImport {
  /** Conversations in the file. */
  total: number;
  run(onProgress?: (progress: ImportProgress) => void): Promise<ImportOutput>;
  /** Lets go of the file (a ZIP stays open while it is read). */
  close(): void;
}

export interface ImportProgress {
  /** Conversations read so far (imported or skipped). */
  done: number;
  /** Conversations in the file. */
  total: number;
}

const SUPPORTED =
  "Import a Parley export, ChatGPT's conversations.json or its ZIP, or an export of Open WebUI, LibreChat or chatbot-ui.";

export function createImportService(deps: {
  db: Db;
  models: Pick<ModelRegistry, "route" | "list">;
  settings: Pick<SettingsService, "get">;
  limits: UsageLimits;
  files: Pick<FileService, "maxBytes" | "save">;
}) {
  const { db, models, settings, limits, files } = deps;

  /** A JSON document sent as text (conversations.import), imported at once. */
  async function importText(ownerId: string, input: ImportInput): Promise<ImportOutput> {
    const what = describe(input.filename);
    const document = await readDocument(what, bytesOfText(input.content));
    return prepare(ownerId, [document], what, undefined).run();
  }

  /**
   * An uploaded file (JSON, or a ZIP of JSON files and attachments) made ready to import: its
   * format found and checked (BAD_REQUEST, PAYLOAD_TOO_LARGE), nothing written yet. `close()`
   * once done with it.
   */
  async function prepareUpload(ownerId: string, upload: ImportUpload): Promise<PreparedImport> {
    const what = describe(upload.filename);
    if (!(await isZip(upload.path))) {
      const document = await readDocument(what, fileBytes(upload.path));
      return prepare(ownerId, [document], what, undefined);
    }
    let archive: Archive;
    try {
      archive = await openArchive(upload.path, {
        jsonBytes: upload.unpackedBytes,
        fileBytes: files.maxBytes,
        entries: ZIP_MAX_ENTRIES,
      });
    } catch (error) {
      throw refusal(error, what);
    }
    try {
      const documents: JsonDocument[] = [];
      for (const entry of archive.json) {
        try {
          documents.push(await readJson(entry.name, entry.bytes));
        } catch (error) {
          // Other JSON files of an export (user.json…) may be anything; conversations may not.
          if (error instanceof NotJson && !/conversations/i.test(entry.name)) continue;
          throw refusal(error, what, entry.name);
        }
      }
      const prepared = prepare(ownerId, documents, what, archive);
      return {
        total: prepared.total,
        run: async (onProgress) => {
          try {
            return await prepared.run(onProgress);
          } catch (error) {
            throw refusal(error, what);
          }
        },
        close: () => archive.close(),
      };
    } catch (error) {
      archive.close();
      throw refusal(error, what);
    }
  }

  /** Finds each document's format (and checks its envelope) before anything is written. */
  function prepare(
    ownerId: string,
    documents: readonly JsonDocument[],
    what: string,
    archive: Archive | undefined,
  ): PreparedImport {
    const readers: FormatReader[] = [];
    for (const document of documents) {
      const reader = readerFor(document, what, archive, (file) => saveFile(ownerId, file));
      if (reader) readers.push(reader);
      else if (!archive) {
        throw badRequest(
          document.shape.kind === "array" && document.shape.length === 0
            ? `${what} has no conversations in it.`
            : `${what} is not an export Parley knows, so there is nothing it can import from it. ${SUPPORTED}`,
        );
      }
    }
    if (readers.length === 0) {
      throw badRequest(`${what} holds no conversations Parley can read. ${SUPPORTED}`);
    }
    const total = readers.reduce((sum, reader) => sum + reader.total, 0);
    return {
      total,
      run: (onProgress) => run(ownerId, readers, total, archive, onProgress),
      close: () => {},
    };
  }

  async function run(
    ownerId: string,
    readers: readonly FormatReader[],
    total: number,
    archive: Archive | undefined,
    onProgress?: (progress: ImportProgress) => void,
  ): Promise<ImportOutput> {
    const report: ImportOutput = {
      source: readers[0]?.source ?? "parley",
      imported: [],
      skipped: [],
    };
    let room = limits.conversationsPerOwner - (await db.conversation.count({ where: { ownerId } }));
    const preferences = await settings.get(ownerId);
    /** Attachments stored for this import, by the key their source names them with. */
    const stored = new Map<string, SavedFile>();
    let done = 0;
    onProgress?.({ done, total });

    for (const reader of readers) {
      const attachment = async (wanted: ImportAttachment): Promise<SavedFile> => {
        if (wanted.bytes) return saveFile(ownerId, { name: wanted.name, bytes: wanted.bytes });
        const key = wanted.key ?? "";
        let outcome = stored.get(key);
        if (!outcome) {
          if (reader.attachment) outcome = await reader.attachment(key, wanted.name);
          else {
            const file = await archive?.file(key);
            outcome = !file
              ? { problem: "is not in the file" }
              : "problem" in file
                ? file
                : await saveFile(ownerId, file);
          }
          stored.set(key, outcome);
        }
        return outcome;
      };

      for await (const candidate of reader.conversations()) {
        done += 1;
        if ("skipped" in candidate) {
          report.skipped.push({ title: displayTitle(candidate.title), reason: candidate.skipped });
        } else if (room <= 0) {
          report.skipped.push({
            title: displayTitle(candidate.conversation.title),
            reason: `You have reached the limit of ${limits.conversationsPerOwner.toLocaleString("en")} conversations; delete some to import more.`,
          });
        } else {
          const outcome = await write(ownerId, candidate.conversation, preferences, attachment);
          if ("skipped" in outcome) report.skipped.push(outcome.skipped);
          else {
            room -= 1;
            report.imported.push(outcome.imported);
          }
        }
        onProgress?.({ done, total });
      }
    }
    return report;
  }

  /** Writes one conversation within the limits, or says why it cannot be. */
  async function write(
    ownerId: string,
    conversation: ImportConversation,
    preferences: Awaited<ReturnType<typeof settings.get>>,
    attachment: (wanted: ImportAttachment) => Promise<SavedFile>,
  ): Promise<
    { imported: ImportOutput["imported"][number] } | { skipped: ImportOutput["skipped"][number] }
  > {
    const notes = [...conversation.notes];
    const title = storableText(conversation.title).trim().slice(0, limits.titleChars);
    const ordered = mendTree(conversation.messages, notes);
    if (ordered.length === 0) {
      const why = notes.length > 0 ? ` ${notes.join(" ")}` : "";
      return {
        skipped: {
          title: displayTitle(title),
          reason: `Nothing to import: it has no messages.${why}`,
        },
      };
    }
    const kept = ordered.slice(0, limits.messagesPerConversation);
    if (kept.length < ordered.length) {
      notes.push(
        `Kept the first ${kept.length.toLocaleString("en")} of ${ordered.length.toLocaleString("en")} messages (the limit per conversation).`,
      );
    }
    let cut = 0;
    let unstorable = 0;
    for (const message of kept) {
      if (message.content.length > limits.messageChars) {
        message.content = message.content.slice(0, limits.messageChars);
        cut += 1;
      }
      // Fields Parley writes itself, bounded so an edited export cannot store megabytes in them.
      message.reasoning = message.reasoning.slice(0, limits.messageChars);
      message.error = message.error?.slice(0, IMPORTED_FIELD_CHARS) ?? null;
      message.model = message.model?.slice(0, IMPORTED_FIELD_CHARS) ?? null;
      // What the database cannot hold (a NUL, half a surrogate pair) goes; the rest stays.
      const before = message.content.length + message.reasoning.length;
      message.content = storableText(message.content);
      message.reasoning = storableText(message.reasoning);
      message.error = message.error === null ? null : storableText(message.error);
      message.model = message.model === null ? null : storableText(message.model);
      unstorable += before - message.content.length - message.reasoning.length;
    }
    if (unstorable > 0) {
      notes.push(
        `Removed ${unstorable === 1 ? "1 character" : `${unstorable} characters`} that cannot be stored (NUL, or half of a surrogate pair).`,
      );
    }
    if (cut > 0) {
      notes.push(
        `Cut ${cut === 1 ? "1 message" : `${cut} messages`} to ${limits.messageChars.toLocaleString("en")} characters.`,
      );
    }
    let systemPrompt = storableText(conversation.systemPrompt);
    if (systemPrompt.length > limits.systemPromptChars) {
      systemPrompt = systemPrompt.slice(0, limits.systemPromptChars);
      notes.push(
        `Cut the system prompt to ${limits.systemPromptChars.toLocaleString("en")} characters.`,
      );
    }

    // Files are stored through the file service, so its type and size checks apply.
    const attached = new Map<string, FileRef[]>();
    const refused: string[] = [];
    for (const message of kept) {
      const refs: FileRef[] = [];
      for (const wanted of message.attachments) {
        const outcome = await attachment(wanted);
        const label = wanted.name ? `"${wanted.name}"` : "an image";
        if ("problem" in outcome) {
          const line = `${label} ${outcome.problem}`;
          if (!refused.includes(line)) refused.push(line);
        } else if (refs.length >= FILE_LIMITS.perMessage) {
          refused.push(`${label}: a message takes up to ${FILE_LIMITS.perMessage} files`);
        } else if (!refs.some((other) => other.sha256 === outcome.ref.sha256)) {
          // Names are shown and sent in headers: cleaned as an upload's would be.
          refs.push({
            ...outcome.ref,
            name: wanted.name ? cleanName(wanted.name) : outcome.ref.name,
          });
        }
      }
      if (refs.length > 0) attached.set(message.key, refs);
    }
    if (refused.length > 0) notes.push(`Left out attachments: ${refused.join("; ")}.`);

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
      kept.map(({ key, parentKey, attachments: _attachments, ...message }) => ({
        ...message,
        id: key,
        parentId: parentKey,
        updatedAt: message.createdAt,
        files: attached.get(key) ?? [],
      })),
    );
    return { imported: { conversationId, title, messages: kept.length, notes } };
  }

  /** Stores an attachment for the owner, or says why it cannot be (refused like an upload). */
  async function saveFile(
    ownerId: string,
    file: { name: string; bytes: Uint8Array },
  ): Promise<SavedFile> {
    try {
      return { ref: await files.save(ownerId, file) };
    } catch (error) {
      if (error instanceof FileRejected) return { problem: `was refused: ${error.message}` };
      throw error;
    }
  }

  return { importText, prepareUpload };
}

/** The reader for the document's format, or undefined when Parley does not know it. */
function readerFor(
  document: JsonDocument,
  what: string,
  archive: Archive | undefined,
  save: (file: { name: string; bytes: Uint8Array }) => Promise<SavedFile>,
): FormatReader | undefined {
  const { shape } = document;
  if (isParley(shape)) return readParley(document, what, save);
  if (isChatGpt(shape)) return readChatGpt(document, archive);
  if (isOpenWebUi(shape)) return readOpenWebUi(document);
  if (isLibreChat(shape)) return readLibreChat(document);
  if (isChatbotUi(shape)) return readChatbotUi(document);
  return undefined;
}

/** Reads the document's shape; BAD_REQUEST when it is not JSON. */
async function readDocument(what: string, bytes: DocumentBytes): Promise<JsonDocument> {
  try {
    return await readJson(what, bytes);
  } catch (error) {
    throw refusal(error, what);
  }
}

/** A file on disk, read in 1 MB pieces from the start each time. */
function fileBytes(path: string): DocumentBytes {
  return { open: () => createReadStream(path, { highWaterMark: READ_CHUNK }) };
}

async function isZip(path: string): Promise<boolean> {
  const handle = await openFile(path, "r");
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    // "PK\3\4" starts a ZIP with files; "PK\5\6" is an empty one.
    return (
      bytesRead === 4 &&
      buffer[0] === 0x50 &&
      buffer[1] === 0x4b &&
      (buffer[2] === 3 || buffer[2] === 5)
    );
  } finally {
    await handle.close();
  }
}

/** What went wrong reading the file, as the error the caller gets (anything else is ours). */
function refusal(error: unknown, what: string, entry?: string): unknown {
  if (error instanceof DomainError) return error;
  if (error instanceof NotJson) {
    return badRequest(
      entry
        ? `${what} holds "${entry}", which is not JSON (it breaks off or has a mistake near byte ${error.offset.toLocaleString("en")}).`
        : `${what} is not JSON or a ZIP (it breaks off or has a mistake near byte ${error.offset.toLocaleString("en")}). ${SUPPORTED}`,
    );
  }
  if (error instanceof ZipRefused) {
    const message = `${what} ${error.message}`;
    return error.status === 413 ? new DomainError("too_large", message) : badRequest(message);
  }
  return error;
}

function describe(filename: string | undefined): string {
  return filename ? `"${filename}"` : "This file";
}

function displayTitle(title: string): string {
  return title.trim() || "Untitled conversation";
}
