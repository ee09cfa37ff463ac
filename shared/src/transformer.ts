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
    if (isStreamText(value)) return value;
    return serializePlain(value) ?? superjson.serialize(value);
  },
  deserialize(value: unknown): unknown {
    return isStreamText(value)
      ? value
      : superjson.deserialize(value as Parameters<typeof superjson.deserialize>[0]);
  },
};

/** A key in a superjson path: dots and backslashes escaped (most keys have neither). */
const escapeKey = (key: string) =>
  key.includes(".") || key.includes("\\") ? key.replace(/\\/g, "\\\\").replace(/\./g, "\\.") : key;

type SuperJsonResult = ReturnType<typeof superjson.serialize>;

/** Thrown inside serializePlain's walk at anything superjson has more to say about. */
const NOT_PLAIN = Symbol("not plain");

/**
 * superjson's output, built in one pass, for the values most responses are: plain objects,
 * arrays, strings, finite numbers, booleans, null and Dates, no object twice. null for anything
 * else, which superjson serializes itself. superjson's general walk copies the path at every
 * node, which made it half of `conversations.get`'s server time on a long conversation.
 */
export function serializePlain(value: unknown): SuperJsonResult | null {
  const dates: Record<string, ["Date"]> = {};
  let annotated = false;
  // Objects already met: superjson would record them as referential equalities.
  const seen = new Set<object>();
  // The keys from the root down; joined only where a Date is, as superjson escapes them.
  const path: string[] = [];
  const walk = (node: unknown): unknown => {
    if (typeof node === "string" || typeof node === "boolean" || node === null) return node;
    if (typeof node === "number") {
      // NaN, ±Infinity and -0 carry annotations.
      if (!Number.isFinite(node) || Object.is(node, -0)) throw NOT_PLAIN;
      return node;
    }
    if (typeof node !== "object" || seen.has(node)) throw NOT_PLAIN;
    seen.add(node);
    if (node instanceof Date) {
      // A Date at the root has no path; an invalid one is superjson's to reject.
      if (path.length === 0 || Number.isNaN(node.getTime())) throw NOT_PLAIN;
      dates[path.map(escapeKey).join(".")] = ["Date"];
      annotated = true;
      return node.toISOString();
    }
    if (Array.isArray(node)) {
      const out: unknown[] = new Array(node.length);
      for (let i = 0; i < node.length; i++) {
        // A hole or undefined: superjson's business.
        if (!(i in node)) throw NOT_PLAIN;
        path.push(String(i));
        out[i] = walk(node[i]);
        path.pop();
      }
      return out;
    }
    const proto = Object.getPrototypeOf(node);
    if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(node)) {
      if (key === "__proto__" || key === "constructor" || key === "prototype") throw NOT_PLAIN;
      path.push(key);
      out[key] = walk((node as Record<string, unknown>)[key]);
      path.pop();
    }
    return out;
  };
  let json: unknown;
  try {
    json = walk(value);
  } catch (error) {
    if (error === NOT_PLAIN) return null;
    throw error;
  }
  return annotated
    ? ({ json, meta: { values: dates, v: 1 } } as SuperJsonResult)
    : ({ json } as SuperJsonResult);
}
