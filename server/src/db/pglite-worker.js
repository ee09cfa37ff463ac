// PGlite in a worker thread, serving the PostgreSQL protocol on a Unix socket, so that its
// WebAssembly never runs on the server's event loop (see pglite.ts, which starts it).
// Plain JavaScript: a worker thread does not inherit the TypeScript loader (tsx, Vitest).
import { readFile } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** @type {{ dataDir: string, socketPath: string, dump: string | undefined }} */
const { dataDir, socketPath, dump } = workerData;
const port = parentPort;
if (!port) throw new Error("pglite-worker.js runs as a worker thread");

const db = await PGlite.create(
  dataDir,
  dump ? { loadDataDir: new Blob([await readFile(dump)]) } : {},
);
// PGlite is one session: one connection, and the server's pool to it holds one client. The
// server's queue would interleave the protocol messages of several connections.
const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 1 });
await server.start();

port.on("message", async (message) => {
  if (message !== "close") return;
  await server.stop();
  // Closing checkpoints, so the next open needs no recovery.
  await db.close();
  port.postMessage("closed");
});
port.postMessage("ready");
