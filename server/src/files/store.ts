// Where file bytes live, by SHA-256. One interface so an object store (S3) can follow the
// filesystem one; the database says which files exist and who may read them.

import { randomUUID } from "node:crypto";
import { access, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";

export interface FileStore {
  /** Stores `bytes` under `sha256` (the caller's hash of them); nothing happens if already there. */
  put(sha256: string, bytes: Uint8Array): Promise<void>;
  /** The bytes, or undefined when none are stored under `sha256`. */
  get(sha256: string): Promise<Uint8Array | undefined>;
  /** Whether bytes are stored under `sha256`. */
  has(sha256: string): Promise<boolean>;
  /** Removes the bytes stored under `sha256` (nothing happens if there are none). */
  delete(sha256: string): Promise<void>;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Files under `dir/ab/cd/<sha256>`: two levels of 256 directories keep any one directory small.
 * A file appears whole or not at all (written to a temporary name, synced, then renamed), so a
 * crash mid-write never leaves a truncated file under a real hash.
 */
export function createFilesystemStore(dir: string): FileStore {
  const pathOf = (sha256: string) => {
    // The hash becomes a path: anything else could walk out of `dir`.
    if (!SHA256.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    return join(dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };

  return {
    async put(sha256, bytes) {
      const path = pathOf(sha256);
      if (await exists(path)) return;
      const shard = join(path, "..");
      await mkdir(shard, { recursive: true });
      // Same directory, so the rename stays on one filesystem and is atomic.
      const temporary = join(shard, `.${sha256}.${randomUUID()}.tmp`);
      try {
        const handle = await open(temporary, "wx");
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
        // Two uploads of the same bytes may race here; either rename leaves the same content.
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },

    async get(sha256) {
      try {
        return new Uint8Array(await readFile(pathOf(sha256)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },

    has: (sha256) => exists(pathOf(sha256)),

    async delete(sha256) {
      await rm(pathOf(sha256), { force: true });
    },
  };
}

async function exists(path: string) {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
