import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";

/** A PGlite database running in a worker thread, reachable over the PostgreSQL protocol. */
export interface PGliteServer {
  /** The directory of the Unix socket: `host` for a PostgreSQL client (port 5432). */
  socketDir: string;
  /** Stops serving and closes the database cleanly (a checkpoint: no recovery on the next open). */
  close(): Promise<void>;
}

export const PGLITE_PORT = 5432;

/** Whether a PGlite database was created in `dataDir`. */
export function pgliteExists(dataDir: string): boolean {
  return existsSync(join(dataDir, "PG_VERSION"));
}

const prestarted = new Map<string, Promise<PGliteServer>>();

/**
 * Starts PGlite on `dataDir` now, for the next startPGlite on it to take: opening takes seconds,
 * which a process can spend loading its modules meanwhile.
 */
export function prestartPGlite(dataDir: string) {
  const starting = startPGliteWorker(dataDir);
  // A failure is for the one that takes it to see.
  starting.catch(() => {});
  prestarted.set(dataDir, starting);
}

/**
 * Starts PGlite in a worker thread on `dataDir` ("memory://" for a database in memory; `dump`,
 * a file from PGlite's dumpDataDir, to start it from), and serves it on a Unix socket in a
 * private temporary directory: only this user can connect, and no port is taken.
 */
export function startPGlite(dataDir: string, dump?: string): Promise<PGliteServer> {
  const early = dump ? undefined : prestarted.get(dataDir);
  prestarted.delete(dataDir);
  return early ?? startPGliteWorker(dataDir, dump);
}

async function startPGliteWorker(dataDir: string, dump?: string): Promise<PGliteServer> {
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const socketDir = mkdtempSync(join(tmpdir(), "parley-pglite-"));
  const socketPath = join(socketDir, `.s.PGSQL.${PGLITE_PORT}`);
  const worker = new Worker(new URL("./pglite-worker.js", import.meta.url), {
    workerData: { dataDir, socketPath, dump },
  });
  let exited = false;
  worker.once("exit", () => {
    exited = true;
    rmSync(socketDir, { recursive: true, force: true });
  });

  const reply = (expected: string) =>
    new Promise<void>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        if (message !== expected) return;
        worker.off("error", onError);
        worker.off("exit", onExit);
        worker.off("message", onMessage);
        resolve();
      };
      const onError = (error: Error) => {
        worker.off("exit", onExit);
        worker.off("message", onMessage);
        reject(error);
      };
      const onExit = (code: number) => {
        worker.off("error", onError);
        worker.off("message", onMessage);
        reject(new Error(`the PGlite worker exited (code ${code}) before it was ${expected}`));
      };
      worker.on("message", onMessage);
      worker.once("error", onError);
      worker.once("exit", onExit);
    });

  // Past this point an error in the worker has no listener: it ends the process, since the
  // database is gone.
  await reply("ready");
  let closing: Promise<void> | undefined;
  return {
    socketDir,
    close() {
      closing ??= (async () => {
        if (exited) return;
        const closed = reply("closed");
        worker.postMessage("close");
        await closed;
        // A database recovered at open leaves a timer behind; the database is closed, so end.
        await worker.terminate();
      })();
      return closing;
    },
  };
}
