// Import: what `conversations.import` and `POST /imports` take and answer. The Parley export
// they read back is in ./export.ts.

import { z } from "zod";

export const IMPORT_LIMITS = {
  /**
   * Characters in a document imported through `conversations.import` (for scripts; the server's
   * body limit for it follows from this). Larger files, and ZIPs, go to `POST /imports`.
   */
  importChars: 50 * 1024 * 1024,
  /** Bytes in one upload to `POST /imports`, unless the server sets IMPORT_MAX_BYTES. */
  uploadBytes: 200 * 1024 * 1024,
  /** Characters in the name of an imported file. */
  filenameChars: 255,
} as const;

export const ImportInput = z.strictObject({
  /**
   * The file's text (JSON): a Parley export, ChatGPT's `conversations.json`, an Open WebUI,
   * LibreChat or chatbot-ui export. ZIPs and large files go to `POST /imports`.
   */
  content: z
    .string()
    .min(1, "The file is empty.")
    .max(IMPORT_LIMITS.importChars, {
      message: `The file is too large to import here (the limit is ${IMPORT_LIMITS.importChars / 1024 / 1024} MB); upload it to /imports instead.`,
    }),
  /** The file's name, for messages about it. */
  filename: z.string().max(IMPORT_LIMITS.filenameChars).optional(),
});
export type ImportInput = z.infer<typeof ImportInput>;

/** Where an imported file came from, as the report names it. */
export const ImportSource = z.enum(["parley", "chatgpt", "open-webui", "librechat", "chatbot-ui"]);
export type ImportSource = z.infer<typeof ImportSource>;

/** An import's outcome: what was created, and what was not, in words for people. */
export const ImportOutput = z.object({
  /** The app the file came from. */
  source: ImportSource,
  /** The conversations created, in the file's order. */
  imported: z.array(
    z.object({
      conversationId: z.string(),
      title: z.string(),
      /** Messages created in it (every branch). */
      messages: z.number().int(),
      /**
       * What was left out of it or changed, one sentence each: system and tool messages, images,
       * text cut to the length limit, a message whose parent was missing ([] when nothing was).
       */
      notes: z.array(z.string()),
    }),
  ),
  /** Whole conversations not imported, each with the reason in plain words. */
  skipped: z.array(z.object({ title: z.string(), reason: z.string() })),
});
export type ImportOutput = z.infer<typeof ImportOutput>;

/**
 * `POST /imports` answers with these as newline-delimited JSON when asked for
 * `application/x-ndjson` (progress while it works, then the report); otherwise with the report
 * alone, as JSON.
 */
export const ImportEvent = z.discriminatedUnion("type", [
  /** Conversations read so far, of `total` in the file. */
  z.object({ type: z.literal("progress"), done: z.number().int(), total: z.number().int() }),
  z.object({ type: z.literal("report"), report: ImportOutput }),
  /** The import stopped; what was imported before it stays. */
  z.object({ type: z.literal("error"), message: z.string() }),
]);
export type ImportEvent = z.infer<typeof ImportEvent>;

/** The multipart field `POST /imports` reads the file from. */
export const IMPORT_FIELD = "file";
