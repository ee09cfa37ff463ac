// A ZIP read entry by entry (ChatGPT's data export: conversations in one or more JSON files,
// attachments beside them). Only the central directory is held in memory; an entry's bytes are
// streamed when it is read, and checked against the size the directory declares, so a ZIP bomb
// is refused before it is unpacked and cannot unpack past what it declared.

import { basename } from "node:path";
import yauzl from "yauzl";
import { formatBytes } from "../../files/service.ts";
import type { DocumentBytes } from "./json.ts";

/** The ZIP cannot be read as one; `message` says why in plain words. */
export class ZipRefused extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413 = 400,
  ) {
    super(message);
    this.name = "ZipRefused";
  }
}

export interface ArchiveLimits {
  /** The largest JSON entry, unpacked. */
  jsonBytes: number;
  /** The largest attachment, unpacked (larger ones are left out). */
  fileBytes: number;
  /** The most entries a ZIP may list. */
  entries: number;
}

export interface Archive {
  /** The JSON files in it (folders of other systems' metadata aside), by name. */
  json: { name: string; bytes: DocumentBytes }[];
  /** Whether it holds the attachment ChatGPT names by this id. */
  has(id: string): boolean;
  /** Reads an attachment ChatGPT names by id ("file-…", "file_…"): its name and bytes, or why not. */
  file(id: string): Promise<{ name: string; bytes: Uint8Array } | { problem: string } | undefined>;
  close(): void;
}

/** ChatGPT's attachment files start with the id their message names. */
const FILE_ID = /^(file[-_][A-Za-z0-9]+)(?:[-_.](.*))?$/;

export async function openArchive(path: string, limits: ArchiveLimits): Promise<Archive> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: true,
      validateEntrySizes: true,
      strictFileNames: false,
    });
  } catch {
    throw new ZipRefused("is not a ZIP file that can be read (it may be damaged or cut short).");
  }
  if (zip.entryCount > limits.entries) {
    zip.close();
    throw new ZipRefused(
      `lists ${zip.entryCount.toLocaleString("en")} files; Parley reads ZIPs of up to ${limits.entries.toLocaleString("en")}.`,
    );
  }
  let entries: yauzl.Entry[];
  try {
    entries = await listEntries(zip);
  } catch {
    zip.close();
    throw new ZipRefused("is a damaged ZIP file (its list of files cannot be read).");
  }

  const json: Archive["json"] = [];
  const files = new Map<string, yauzl.Entry>();
  for (const entry of entries) {
    const name = entry.fileName;
    if (name.endsWith("/") || name.startsWith("__MACOSX/") || basename(name).startsWith(".")) {
      continue;
    }
    const id = FILE_ID.exec(basename(name))?.[1];
    if (id && !files.has(id)) files.set(id, entry);
    if (!name.toLowerCase().endsWith(".json")) continue;
    if (entry.isEncrypted()) {
      zip.close();
      throw new ZipRefused(`holds "${name}" encrypted; Parley cannot read it.`);
    }
    if (entry.uncompressedSize > limits.jsonBytes) {
      zip.close();
      throw new ZipRefused(
        `holds "${name}", which unpacks to ${formatBytes(entry.uncompressedSize)}; Parley reads JSON files of up to ${formatBytes(limits.jsonBytes)}.`,
        413,
      );
    }
    json.push({ name, bytes: { open: () => entryBytes(zip, entry) } });
  }
  json.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  return {
    json,
    has: (id) => files.has(id),
    async file(id) {
      const entry = files.get(id);
      if (!entry) return undefined;
      const name = FILE_ID.exec(basename(entry.fileName))?.[2] || basename(entry.fileName);
      if (entry.isEncrypted()) return { problem: "is encrypted in the ZIP" };
      if (entry.uncompressedSize > limits.fileBytes) {
        return { problem: `is larger than the ${formatBytes(limits.fileBytes)} upload limit` };
      }
      try {
        const parts: Uint8Array[] = [];
        for await (const chunk of entryBytes(zip, entry)) parts.push(chunk);
        return { name, bytes: Buffer.concat(parts) };
      } catch {
        return { problem: "is damaged in the ZIP" };
      }
    },
    close: () => zip.close(),
  };
}

function listEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on("entry", (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once("end", () => resolve(entries));
    zip.once("error", reject);
    zip.readEntry();
  });
}

/** An entry's bytes as they unpack; an entry larger than it declared fails (yauzl checks). */
async function* entryBytes(zip: yauzl.ZipFile, entry: yauzl.Entry): AsyncGenerator<Uint8Array> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await zip.openReadStreamPromise(entry);
  } catch {
    throw new ZipRefused(`holds "${entry.fileName}" in a form Parley cannot unpack.`);
  }
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch {
    throw new ZipRefused(`holds "${entry.fileName}", which is damaged.`);
  }
}
