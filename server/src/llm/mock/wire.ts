// Transport pieces shared by both APIs: OpenAI's error shape, JSON and SSE responses, and the
// abortable pacing that drives a streamed reply.

import type { RequestControl } from "./records.ts";

/** A request the mock refuses, answered as `{ error: { message, type, param, code } }`. */
export class UpstreamError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: { type?: string; param?: string | null; code?: string | null } = {},
  ) {
    super(message);
  }

  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    const type =
      this.details.type ?? (this.status >= 500 ? "server_error" : "invalid_request_error");
    return {
      error: {
        message: this.message,
        type,
        param: this.details.param ?? null,
        code: this.details.code ?? null,
      },
    };
  }
}

export function jsonResponse(status: number, body: unknown, requestId: string): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-request-id": requestId },
  });
}

/** Seconds a 429 asks the client to wait, as OpenAI's rate limits do in `Retry-After`. */
export const MOCK_RETRY_AFTER_SECONDS = 7;

export function errorResponse(error: UpstreamError, requestId: string): Response {
  const response = jsonResponse(error.status, error.body(), requestId);
  if (error.status === 429) response.headers.set("retry-after", String(MOCK_RETRY_AFTER_SECONDS));
  return response;
}

/** One server-sent event; `event:` only where the API names its events (Responses). */
export function sse(data: unknown, event?: string): string {
  const json = typeof data === "string" ? data : JSON.stringify(data);
  return `${event ? `event: ${event}\n` : ""}data: ${json}\n\n`;
}

/**
 * Streams the chunks an API module produces. Pull-based, so nothing is generated ahead of a slow
 * reader; an abort errors the body at once (the in-process reader sees an AbortError, exactly as
 * with a real fetch) and wakes any pending sleep so no work happens after it.
 */
export function sseResponse(
  control: RequestControl,
  signal: AbortSignal,
  chunks: AsyncGenerator<string, void>,
): Response {
  const encoder = new TextEncoder();
  let onAbort = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      onAbort = () => {
        control.abort();
        void chunks.return(undefined);
        controller.error(abortError(signal));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    },
    async pull(controller) {
      let next: IteratorResult<string, void>;
      try {
        next = await chunks.next();
      } catch (error) {
        // A bug in a handler: fail the record rather than leave it pending forever.
        control.settle("failed");
        control.end();
        throw error;
      }
      if (signal.aborted) return; // already errored by onAbort
      if (next.done) {
        signal.removeEventListener("abort", onAbort);
        controller.close();
        control.end();
      } else {
        controller.enqueue(encoder.encode(next.value));
      }
    },
    cancel() {
      // The reader stopped without aborting the request (e.g. a body piped to a closed socket).
      signal.removeEventListener("abort", onAbort);
      control.abort();
      void chunks.return(undefined);
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-request-id": control.record.id,
    },
  });
}

/** Waits `ms`, or less if the signal aborts; never rejects. No timer for 0 ms. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Resolves when the client goes away. Holds no timer, so a hang never keeps the process alive. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true }),
  );
}

/** Rejects like fetch does when the caller aborts before a response exists. */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}
