// Serves a mock upstream over real HTTP, for clients in other processes (the browser e2e run,
// benchmarks) and for tests that want real sockets.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { MockUpstream } from "./upstream.ts";

export interface MockUpstreamServer {
  /** e.g. `http://127.0.0.1:41234/v1`, ready for `new OpenAI({ baseURL })`. */
  baseURL: string;
  /** Stops listening and drops every connection; open streams are recorded as aborted. */
  close(): Promise<void>;
}

export async function listenMockUpstream(
  mock: MockUpstream,
  options: { port?: number; host?: string } = {},
): Promise<MockUpstreamServer> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer((request, response) => void relay(mock, request, response));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostname = host.includes(":") ? `[${host}]` : host;
  return {
    baseURL: `http://${hostname}:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Headers that describe this hop, not the request.
const HOP_HEADERS = new Set([
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
]);

async function relay(mock: MockUpstream, request: IncomingMessage, response: ServerResponse) {
  // The socket closing before the response finished is the client going away.
  const abort = new AbortController();
  response.on("close", () => {
    if (!response.writableFinished) abort.abort();
  });

  try {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || HOP_HEADERS.has(name)) continue;
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
    }
    const method = request.method ?? "GET";
    const reply = await mock.fetch(`http://mock.local${request.url ?? "/"}`, {
      method,
      headers,
      body: method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks).toString(),
      signal: abort.signal,
    });

    response.writeHead(reply.status, Object.fromEntries(reply.headers));
    response.flushHeaders(); // a hanging stream still gets its headers
    if (reply.body) {
      await pipeline(Readable.fromWeb(reply.body as NodeReadableStream<Uint8Array>), response);
    } else {
      response.end();
    }
  } catch (error) {
    if (abort.signal.aborted) return; // the client left; the record already says so
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.writeHead(500, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        error: {
          message: `Mock upstream bug: ${String(error)}`,
          type: "server_error",
          param: null,
          code: null,
        },
      }),
    );
  }
}
