// How Parley reaches model providers over HTTP: one connection pool for every provider, sized
// for hundreds of concurrent streams, and one retry for a request that never got an answer
// because the connection failed before anything came back (a reused keep-alive socket that
// the server had just closed, a refused connection). Anything that got an answer (an error
// status, a stream that broke after its first byte) is never retried: one failure is one
// request, and retrying is the user's decision.

import { Agent, fetch as undiciFetch } from "undici";

/** Sockets kept per provider: more than the streams one instance runs at its busiest. */
const CONNECTIONS_PER_ORIGIN = 1_024;
/**
 * Idle sockets are closed after this: shorter than servers' usual keep-alive (Node's 5 s,
 * nginx's 75 s), so Parley rarely reuses one the server is closing.
 */
const KEEP_ALIVE_MS = 4_000;

const agent = new Agent({
  connections: CONNECTIONS_PER_ORIGIN,
  keepAliveTimeout: KEEP_ALIVE_MS,
  // Servers' Keep-Alive hints are believed, less this margin.
  keepAliveTimeoutThreshold: 1_000,
  connect: { timeout: 10_000 },
});

/** Failures where the request got no answer at all, so sending it again is safe. */
const CONNECTION_FAILURES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

function failedBeforeAnswer(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_FAILURES.has(code)) return true;
    current = current.cause;
  }
  return false;
}

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The fetch given to the `openai` SDK for every configured provider. */
export const upstreamFetch: Fetch = async (input, init) => {
  const send = () =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher: agent,
    }) as unknown as Promise<Response>;
  try {
    return await send();
  } catch (error) {
    // Only a body that can be sent again (the SDK sends JSON text), and never after an abort.
    const replayable = init?.body === undefined || typeof init.body === "string";
    if (init?.signal?.aborted || !replayable || !failedBeforeAnswer(error)) throw error;
    return send();
  }
};
