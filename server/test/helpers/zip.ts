// Builds ZIP files in tests and benchmarks (yazl): from buffers in memory, or streamed to disk
// from files and generated streams, as an export's ZIP would be.

import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import yazl from "yazl";

export interface ZipEntry {
  name: string;
  /** The bytes, or a stream of them (read once). */
  data: Uint8Array | string | Readable;
  /** Store without compression (as ZIPs usually keep images). */
  store?: boolean;
}

function zipOf(entries: readonly ZipEntry[]): yazl.ZipFile {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    const options = { compress: !entry.store, mtime: new Date(Date.UTC(2024, 5, 1)) };
    if (typeof entry.data === "string" || entry.data instanceof Uint8Array) {
      zip.addBuffer(Buffer.from(entry.data), entry.name, options);
    } else {
      zip.addReadStream(entry.data, entry.name, options);
    }
  }
  zip.end();
  return zip;
}

/** A ZIP in memory. */
export async function zipBuffer(entries: readonly ZipEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of zipOf(entries).outputStream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** A ZIP written to `path` as it is made (large entries never in memory). */
export async function writeZip(path: string, entries: readonly ZipEntry[]): Promise<void> {
  await pipeline(zipOf(entries).outputStream, createWriteStream(path));
}
