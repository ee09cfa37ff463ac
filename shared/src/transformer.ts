// How values cross the wire: superjson (dates and the like survive), except the events that
// carry streamed text, which go as plain JSON. They are most of what a server sends, and plain
// JSON costs nothing to encode or decode; they hold only strings, so nothing is lost.

import superjson from "superjson";

type StreamText = { type: "token" | "reasoning"; text: string; pad: string };

function isStreamText(value: unknown): value is StreamText {
  if (typeof value !== "object" || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === "token" || type === "reasoning";
}

/**
 * The tRPC transformer of the server, the web app and scripts. superjson always serializes to
 * `{ json, meta? }`, never to an object with a `type` of its own, so the two cannot be confused.
 */
export const wireTransformer = {
  serialize(value: unknown): unknown {
    return isStreamText(value) ? value : superjson.serialize(value);
  },
  deserialize(value: unknown): unknown {
    return isStreamText(value)
      ? value
      : superjson.deserialize(value as Parameters<typeof superjson.deserialize>[0]);
  },
};
