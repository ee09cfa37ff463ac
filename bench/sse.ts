// The benchmark's one Server-Sent Events reader, the same for every target: a fetch body split
// into lines and events, with no EventSource, no tRPC client and no reconnection, so reading
// costs the client as little as it can and the same for all.

import { now } from "./clock.ts";

export interface SseEvent {
  /** The `event:` field ("message" when there is none). */
  event: string;
  /** The `data:` lines, joined by "\n". */
  data: string;
  id: string | undefined;
}

/** An event's size on the wire as written (`event:`, `data:`, `id:` lines and the blank line). */
export function eventSize(event: SseEvent): number {
  const named = event.event === "message" ? 0 : 8 + event.event.length;
  return named + 7 + event.data.length + (event.id === undefined ? 0 : 5 + event.id.length) + 1;
}

/**
 * Reads `response`'s body until it ends or `onEvent` returns true. `at` is when the chunk that
 * completed the event arrived; `onBytes` sees the size of every chunk.
 *
 * It takes the Response, not its body, and holds it to the end: undici cancels the body of a
 * Response that was garbage-collected, and the body then reads as ended, empty (seen under
 * load: at 300 streams, up to half the subscriptions "ended" after 0 bytes).
 */
export async function readSse(
  response: Response,
  onEvent: (event: SseEvent, at: number) => boolean | undefined,
  onBytes: (bytes: number) => void,
): Promise<void> {
  if (!response.body) throw new Error(`the response (${response.status}) has no body`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const at = now();
      onBytes(value.byteLength);
      buffer += decoder.decode(value, { stream: true });
      let start = 0;
      for (let end = buffer.indexOf("\n"); end !== -1; end = buffer.indexOf("\n", start)) {
        const line =
          buffer.charCodeAt(end - 1) === 13
            ? buffer.slice(start, end - 1)
            : buffer.slice(start, end);
        start = end + 1;
        if (line === "") {
          if (data.length > 0 || event !== "") {
            const stop = onEvent({ event: event || "message", data: data.join("\n"), id }, at);
            if (stop) return;
          }
          event = "";
          data = [];
          id = undefined;
          continue;
        }
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value =
          colon === -1 ? "" : line.slice(line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1);
        if (field === "data") data.push(value);
        else if (field === "event") event = value;
        else if (field === "id") id = value;
      }
      buffer = buffer.slice(start);
    }
  } finally {
    reader.cancel().catch(() => {});
    // Reachable until here (see above).
    void response.bodyUsed;
  }
}
