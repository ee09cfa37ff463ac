// PGlite in a worker thread, serving the PostgreSQL protocol on a Unix socket, so that its
// WebAssembly never runs on the server's event loop (see pglite.ts, which starts it).
// Plain JavaScript: a worker thread does not inherit the TypeScript loader (tsx, Vitest).
//
// The protocol is relayed here rather than by @electric-sql/pglite-socket: that server (0.2.18)
// drops the connection on the second failing statement of a session (its queue rejects, and the
// socket is closed under whatever query comes next). This relay hands PGlite whole messages, in
// turn (below), and writes back what it answers; PGlite itself speaks the protocol, errors
// included.
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
const SYNC = 0x53; // 'S': ends an extended-protocol query
const QUERY = 0x51; // 'Q': a simple query, whole in itself
const FLUSH = 0x48; // 'H'
const TERMINATE = 0x58; // 'X'
const READY_FOR_QUERY = 0x5a; // 'Z', whose last byte says: 'I' idle, 'T' or 'E' in a transaction
const SYNC_MESSAGE = Uint8Array.of(SYNC, 0, 0, 0, 4);

// PGlite is one session, and the server's pool holds several connections to it, so that
// several statements are in flight at once and their answers come back together (with one,
// each statement waited for a turn of the server's event loop before the next could be sent).
// Connections take turns a unit at a time: a unit is a simple query, or the messages of an
// extended query up to its Sync, and runs whole, so no other connection's messages come between
// its Parse, Bind and Execute. A connection whose unit leaves a transaction open keeps the
// session (the others wait) until its transaction ends or it goes away.

/** Connections with a whole unit waiting, oldest first (each at most once). */
const waiting = [];
/** The connection whose transaction (or unfinished extended query) holds the session. */
let holder = null;
let pumping = false;
/** Resolves when the pump is idle (the database may close then). */
let idle = Promise.resolve();

function pump() {
  if (pumping) return;
  pumping = true;
  idle = (async () => {
    try {
      for (;;) {
        let connection;
        if (holder) {
          if (holder.closed) {
            await endSession();
            holder = null;
            continue;
          }
          if (holder.units.length === 0) break;
          connection = holder;
        } else {
          connection = waiting.shift();
          if (!connection) break;
          connection.queued = false;
          if (connection.closed || connection.units.length === 0) continue;
        }
        const unit = connection.units.shift();
        const keeps = await connection.run(unit).catch(() => {
          // Its next units go nowhere; it still holds the session, which is reset next.
          connection.closed = true;
          connection.socket.destroy();
          return true;
        });
        holder = keeps ? connection : null;
        if (holder !== connection) queue(connection);
      }
    } finally {
      pumping = false;
    }
  })();
}

/** `connection` waits its turn, if it has a unit to run. */
function queue(connection) {
  if (connection.queued || connection.closed || connection.units.length === 0) return;
  connection.queued = true;
  waiting.push(connection);
}

/** A connection went away holding the session: its query is ended and its transaction undone. */
async function endSession() {
  const status = readyStatus(await answer(SYNC_MESSAGE));
  if (status !== "I") await answer(simpleQuery("ROLLBACK"));
}

/** PGlite's answer to one message, whole. */
async function answer(bytes) {
  const chunks = [];
  await db.execProtocolRawStream(bytes, {
    // A view into PGlite's memory, reused for the next chunk: copied.
    onRawData: (chunk) => chunks.push(Buffer.from(chunk)),
  });
  // Most answers are one chunk, already a copy: joined only when there are several.
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/** The transaction status of an answer ending with ReadyForQuery, else undefined. */
function readyStatus(bytes) {
  const at = bytes.length - 6;
  if (at < 0 || bytes[at] !== READY_FOR_QUERY) return undefined;
  return String.fromCharCode(bytes[bytes.length - 1]);
}

function simpleQuery(sql) {
  const text = Buffer.from(`${sql}\0`);
  const message = Buffer.alloc(5 + text.length);
  message[0] = QUERY;
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}

/** Serves one connection: its units, whole, to PGlite in turn; PGlite's answers back. */
function serve(socket) {
  sockets.add(socket);
  let buffer = Buffer.alloc(0);
  let started = false;
  /** Messages of the unit not yet whole. */
  let partial = [];
  const connection = { socket, units: [], queued: false, closed: false, run };

  socket.on("data", (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    let whole = false;
    for (;;) {
      const message = takeMessage();
      if (!message) break;
      if (message.kind === "ssl") {
        // Declined; the startup follows.
        socket.write("N");
        continue;
      }
      if (message.kind === "cancel" || message.kind === "terminate") {
        // Units before it, from the same chunk, still run.
        socket.end();
        break;
      }
      partial.push(message.bytes);
      const type = message.kind === "startup" ? undefined : message.bytes[0];
      if (type === undefined || type === SYNC || type === QUERY || type === FLUSH) {
        connection.units.push({ messages: partial, flush: type === FLUSH });
        partial = [];
        whole = true;
      }
    }
    if (whole) {
      if (holder !== connection) queue(connection);
      pump();
    }
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    connection.closed = true;
    sockets.delete(socket);
    // A transaction left open by a client that went away must not outlive it.
    if (holder === connection) pump();
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
    if (message[0] === TERMINATE) return { kind: "terminate" };
    return { kind: "message", bytes: new Uint8Array(message) };
  }

  /** Runs a unit and writes back its answer; true when the connection keeps the session. */
  async function run(unit) {
    const answers = [];
    for (const message of unit.messages) answers.push(await answer(message));
    const whole = answers.length === 1 ? answers[0] : Buffer.concat(answers);
    if (whole.length > 0 && !connection.closed) socket.write(whole);
    if (unit.flush) return true;
    const status = readyStatus(whole);
    return status === "T" || status === "E";
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
  pump();
  await idle;
  // Closing checkpoints, so the next open needs no recovery.
  await db.close();
  port.postMessage("closed");
});
port.postMessage("ready");
