// Attachments: saving uploads once per content, and deciding who may read or attach them.

import { createHash } from "node:crypto";
import { FILE_LIMITS, type FileRef } from "@parley/shared";
import type { Db } from "../db/client.ts";
import { Prisma } from "../db/generated/client.ts";
import { DomainError } from "../errors.ts";
import { sniff } from "./sniff.ts";
import type { FileStore } from "./store.ts";

/** An upload Parley will not keep: too large, or of a type it does not read. */
export class FileRejected extends DomainError {
  constructor(kind: "too_large" | "unsupported_type", message: string) {
    super(kind, message);
    this.name = "FileRejected";
  }
}

/** Who asks to read a file: a user or guest, and/or a viewer of a share. */
export interface FileViewer {
  viewerId?: string | null;
  shareId?: string;
}

export type FileService = ReturnType<typeof createFileService>;

const ACCEPTED_IN_WORDS =
  "images (PNG, JPEG, GIF, WebP), PDF, and text files (plain text, Markdown, CSV, JSON, code, SVG, HTML)";

/**
 * Namespaces the advisory locks taken on a file's hash (pg_advisory_xact_lock's first key), so
 * saving a file and sweeping it away never interleave.
 */
const FILE_LOCK = 0x66696c65;

/** A transaction-scoped lock on one file's hash (released when the transaction ends). */
const lockFile = (db: Pick<Db, "$executeRaw">, sha256: string) =>
  db.$executeRaw`SELECT pg_advisory_xact_lock(${FILE_LOCK}::int, hashtext(${sha256}))`;

export function createFileService(deps: {
  db: Db;
  store: FileStore;
  maxBytes: number;
  /** Pages of a PDF read into a prompt (PDF_MAX_PAGES). */
  pdfMaxPages?: number;
  /** Bytes of uploads one owner may keep; 0 = no quota. */
  quotaBytes?: number;
}) {
  const { db, store, maxBytes, quotaBytes = 0 } = deps;

  /** Bytes of the files `ownerId` uploaded (each counted once), leaving out `except`. */
  async function usedBytes(ownerId: string, except: string): Promise<number> {
    const [row] = await db.$queryRaw<{ used: bigint | number | null }[]>`
      SELECT SUM(f."size") AS used FROM "FileUpload" u JOIN "File" f ON f."sha256" = u."sha256"
      WHERE u."ownerId" = ${ownerId} AND u."sha256" <> ${except}`;
    return Number(row?.used ?? 0);
  }

  /** The name a reader sees for a file, if they may read it at all. */
  async function access(viewer: FileViewer, sha256: string): Promise<{ name: string } | undefined> {
    const { viewerId, shareId } = viewer;
    if (viewerId) {
      const upload = await db.fileUpload.findUnique({
        where: { ownerId_sha256: { ownerId: viewerId, sha256 } },
        select: { name: true },
      });
      if (upload) return upload;
      const attached = await db.messageFile.findFirst({
        where: { sha256, message: { conversation: { ownerId: viewerId } } },
        select: { name: true },
      });
      if (attached) return attached;
    }
    if (shareId) {
      const shared = await db.shareFile.findFirst({
        where: { shareId, sha256, share: { revokedAt: null } },
        select: { name: true },
      });
      if (shared) return shared;
    }
    return undefined;
  }

  return {
    pdfMaxPages: deps.pdfMaxPages ?? 100,
    maxBytes,

    /** Sniffs, size-checks and stores an upload (once per content); records who uploaded it. */
    async save(ownerId: string, upload: { name: string; bytes: Uint8Array }): Promise<FileRef> {
      const { bytes } = upload;
      const name = cleanName(upload.name);
      if (bytes.length > maxBytes) {
        throw new FileRejected(
          "too_large",
          `"${name}" is larger than the ${formatBytes(maxBytes)} upload limit.`,
        );
      }
      const sniffed = sniff(bytes, name);
      if (!sniffed.accepted) {
        const what = sniffed.looksLike ? ` It looks like ${sniffed.looksLike}.` : "";
        throw new FileRejected(
          "unsupported_type",
          `"${name}" is not a type of file Parley accepts.${what} Accepted: ${ACCEPTED_IN_WORDS}.`,
        );
      }
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      if (quotaBytes > 0) {
        const used = await usedBytes(ownerId, sha256);
        if (used + bytes.length > quotaBytes) {
          throw new FileRejected(
            "too_large",
            `"${name}" does not fit in your ${formatBytes(quotaBytes)} of uploads (${formatBytes(used)} used). Delete conversations with files you no longer need: their files are freed soon after.`,
          );
        }
      }
      // Bytes first: a File row must never point at bytes that are not there.
      await store.put(sha256, bytes);
      const [, , , file] = await db.$transaction([
        // A sweep removing these same bytes waits for this, or this for it (then see below).
        lockFile(db, sha256),
        // The same bytes stored once: a second upload finds the row (and keeps its type).
        db.file.createMany({
          data: [{ sha256, size: bytes.length, mimeType: sniffed.mimeType }],
          skipDuplicates: true,
        }),
        db.fileUpload.upsert({
          where: { ownerId_sha256: { ownerId, sha256 } },
          create: { ownerId, sha256, name },
          // Uploaded again: the grace period before an unused upload is removed starts over.
          update: { name, createdAt: new Date() },
        }),
        db.file.findUniqueOrThrow({ where: { sha256 } }),
      ]);
      // A sweep that ran between the put and the transaction took the bytes away: put them back.
      if (!(await store.has(sha256))) await store.put(sha256, bytes);
      return { sha256, name, mimeType: file.mimeType, size: file.size };
    },

    /** A stored file's bytes and type (no access check: see canRead). */
    async read(sha256: string): Promise<{ bytes: Uint8Array; mimeType: string } | undefined> {
      const file = await db.file.findUnique({ where: { sha256 } });
      if (!file) return undefined;
      const bytes = await store.get(sha256);
      return bytes && { bytes, mimeType: file.mimeType };
    },

    /** The bytes of a file whose row the caller has already read (no access check, no query). */
    async bytesOf(file: FileRef): Promise<{ bytes: Uint8Array; mimeType: string } | undefined> {
      const bytes = await store.get(file.sha256);
      return bytes && { bytes, mimeType: file.mimeType };
    },

    /**
     * The uploader, the owner of a conversation with a message using it, or (with `shareId`) a
     * viewer of a share that is not revoked and includes it.
     */
    async canRead(viewer: FileViewer, sha256: string): Promise<boolean> {
      return (await access(viewer, sha256)) !== undefined;
    },

    /** canRead, with the name this viewer knows the file by ("" when they know none). */
    access,

    /**
     * The files `ownerId` may attach to a message in `conversationId`: ones they uploaded, or
     * ones already attached in that conversation (an edit keeps its files). `missing` lists the
     * rest, which callers refuse without saying whether they exist.
     */
    async attachable(
      ownerId: string,
      conversationId: string,
      hashes: readonly string[],
    ): Promise<{ files: FileRef[]; missing: string[] }> {
      const wanted = [...new Set(hashes)];
      const [uploads, attached] = await Promise.all([
        db.fileUpload.findMany({
          where: { ownerId, sha256: { in: wanted } },
          select: { sha256: true, name: true, file: { select: { mimeType: true, size: true } } },
        }),
        db.messageFile.findMany({
          where: { sha256: { in: wanted }, message: { conversationId } },
          select: { sha256: true, name: true, file: { select: { mimeType: true, size: true } } },
        }),
      ]);
      const found = new Map<string, FileRef>();
      for (const row of [...attached, ...uploads]) {
        found.set(row.sha256, { sha256: row.sha256, name: row.name, ...row.file });
      }
      return {
        files: sortFiles(wanted.flatMap((sha256) => found.get(sha256) ?? [])),
        missing: wanted.filter((sha256) => !found.has(sha256)),
      };
    },

    /**
     * The sweep: removes uploads older than `graceMs` that no message of their owner uses (never
     * sent, or whose conversations were deleted), then files nothing refers to any more (no
     * upload, message or share), bytes included. Returns how many of each went.
     */
    async removeUnused(graceMs: number, now: Date = new Date()) {
      const cutoff = new Date(now.getTime() - graceMs);
      const uploads = await db.$executeRaw`
        DELETE FROM "FileUpload" u WHERE u."createdAt" < ${cutoff} AND NOT EXISTS (
          SELECT 1 FROM "MessageFile" mf
          JOIN "Message" m ON m."id" = mf."messageId"
          JOIN "Conversation" c ON c."id" = m."conversationId"
          WHERE mf."sha256" = u."sha256" AND c."ownerId" = u."ownerId")`;
      const orphans = await db.$queryRaw<{ sha256: string }[]>`
        SELECT f."sha256" FROM "File" f WHERE f."createdAt" < ${cutoff} AND ${unreferenced}`;
      let files = 0;
      for (const { sha256 } of orphans) {
        // One at a time under the file's lock, so an upload of the same bytes waits or wins.
        files += await db.$transaction(async (tx) => {
          await lockFile(tx, sha256);
          const removed = await tx.$executeRaw`
            DELETE FROM "File" f WHERE f."sha256" = ${sha256} AND ${unreferenced}`;
          if (removed > 0) await store.delete(sha256);
          return removed;
        });
      }
      return { uploads, files };
    },

    /** The files attached to each of `messageIds` (messages with none are left out). */
    async ofMessages(messageIds: readonly string[]): Promise<Map<string, FileRef[]>> {
      const rows = await db.messageFile.findMany({
        where: { messageId: { in: [...messageIds] } },
        select: fileColumns,
      });
      return groupFiles(rows);
    },
  };
}

/** No upload, message or share refers to the file `f`. */
const unreferenced = Prisma.sql`
  NOT EXISTS (SELECT 1 FROM "FileUpload" u WHERE u."sha256" = f."sha256")
  AND NOT EXISTS (SELECT 1 FROM "MessageFile" mf WHERE mf."sha256" = f."sha256")
  AND NOT EXISTS (SELECT 1 FROM "ShareFile" sf WHERE sf."sha256" = f."sha256")`;

/** What a message's attachments are read with (see `messageFiles`). */
export const fileColumns = {
  messageId: true,
  sha256: true,
  name: true,
  file: { select: { mimeType: true, size: true } },
} as const;

interface FileRow {
  messageId: string;
  sha256: string;
  name: string;
  file: { mimeType: string; size: number };
}

/** A message's MessageFile rows as FileRefs, in the order the model reads them. */
export function messageFiles(rows: readonly Omit<FileRow, "messageId">[]): FileRef[] {
  return sortFiles(
    rows.map((row) => ({
      sha256: row.sha256,
      name: row.name,
      mimeType: row.file.mimeType,
      size: row.file.size,
    })),
  );
}

function groupFiles(rows: readonly FileRow[]): Map<string, FileRef[]> {
  const byMessage = new Map<string, FileRow[]>();
  for (const row of rows) {
    const list = byMessage.get(row.messageId) ?? [];
    list.push(row);
    byMessage.set(row.messageId, list);
  }
  return new Map([...byMessage].map(([messageId, list]) => [messageId, messageFiles(list)]));
}

/**
 * One order for a message's files everywhere (its view, its prompt, later prompts): the table
 * keeps no position, so by name, then hash.
 */
function sortFiles(files: FileRef[]): FileRef[] {
  return files.sort(
    (a, b) =>
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
      (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0),
  );
}

/** A name to show and to send in a header: no path, no control characters, not too long. */
export function cleanName(raw: string): string {
  const base = raw.split(/[/\\]/).at(-1) ?? "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  const name = base.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return name.slice(0, FILE_LIMITS.nameChars) || "file";
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${bytes} bytes`;
}
