// PGlite in a worker thread, serving the PostgreSQL protocol on a Unix socket, so that its
// WebAssembly never runs on the server's event loop (see pglite.ts, which starts it).
// Plain JavaScript: a worker thread does not inherit the TypeScript loader (tsx, Vitest).
//
// The protocol is relayed here rather than by @electric-sql/pglite-socket: that server (0.2.18)
// drops the connection on the second failing statement of a session (its queue rejects, and the
// socket is closed under whatever query comes next). This relay hands PGlite one whole message
// at a time, in order, and writes back what it answers; PGlite itself speaks the protocol,
// errors included.
//
// Answers come from execProtocolRawStream, not execProtocolRaw: PGlite 0.5's execProtocolRaw
// also parses every answer into JavaScript messages and keeps them (until a call through
// execProtocol, which this relay never makes), so each row ever read stayed in memory and a
// 1 MB answer took ten times as long (7.0 ms against 0.6, in a loop of 300).
import { readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

/** @type {{ dataDir: string, socketPath: string, dump: string | undefined }} */
const { dataDir, socketPath, dump } = workerData;
const port = parentPort;
if (!port) throw new Error("pglite-worker.js runs as a worker thread");

const db = await PGlite.create(
  dataDir,
  dump ? { loadDataDir: new Blob([await readFile(dump)]) } : {},
);

/** Open connections, cut when the database closes. */
const sockets = new Set();

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;

/**
 * PGlite is one session: every connection's messages run one after another through this chain
 * (the server's pool holds one connection; a second, after a drop, waits its turn).
 */
let turn = Promise.resolve();
const inTurn = (work) => {
  const next = turn.then(work);
  turn = next.catch(() => {});
  return next;
};

/** Serves one connection: its messages, whole, to PGlite in order; PGlite's answers back. */
function serve(socket) {
  sockets.add(socket);
  let buffer = Buffer.alloc(0);
  let started = false;
  let closed = false;

  socket.on("data", (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (;;) {
      const message = takeMessage();
      if (!message) break;
      void inTurn(() => handle(message)).catch(() => socket.destroy());
    }
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    closed = true;
    sockets.delete(socket);
    // A transaction left open by a client that went away must not outlive it.
    void inTurn(async () => {
      if (db.isInTransaction()) await db.exec("ROLLBACK");
    }).catch(() => {});
  });

  /** The next whole message in the buffer (a startup message has no type byte). */
  function takeMessage() {
    const headerBytes = started ? 5 : 4;
    if (buffer.length < headerBytes) return undefined;
    const length = started ? 1 + buffer.readInt32BE(1) : buffer.readInt32BE(0);
    if (buffer.length < length) return undefined;
    const message = buffer.subarray(0, length);
    buffer = buffer.subarray(length);
    if (!started) {
      const code = message.readInt32BE(4);
      // SSL is declined and cancel requests are not supported (each comes before a startup).
      if (code === SSL_REQUEST) return { kind: "ssl" };
      if (code === CANCEL_REQUEST) return { kind: "cancel" };
      started = true;
      return { kind: "startup", bytes: new Uint8Array(message) };
    }
    return { kind: "message", bytes: new Uint8Array(message) };
  }

  async function handle(message) {
    if (closed) return;
    if (message.kind === "ssl") return void socket.write("N");
    if (message.kind === "cancel") return void socket.end();
    // Terminate ('X'): the client is done.
    if (message.kind === "message" && message.bytes[0] === 0x58) return void socket.end();
    const answer = [];
    await db.execProtocolRawStream(message.bytes, {
      // A view into PGlite's memory, reused for the next chunk: copied.
      onRawData: (chunk) => answer.push(Buffer.from(chunk)),
    });
    // Most answers are one chunk, already a copy: joined only when there are several.
    if (answer.length > 0 && !closed) {
      socket.write(answer.length === 1 ? answer[0] : Buffer.concat(answer));
    }
  }
}

await rm(socketPath, { force: true });
const server = createServer(serve);
await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(socketPath, () => resolve(undefined));
});

port.on("message", async (message) => {
  if (message !== "close") return;
  const stopped = new Promise((resolve) => server.close(() => resolve(undefined)));
  for (const socket of sockets) socket.destroy();
  await stopped;
  await turn;
  // Closing checkpoints, so the next open needs no recovery.
  await db.close();
  port.postMessage("closed");
});
port.postMessage("ready");
