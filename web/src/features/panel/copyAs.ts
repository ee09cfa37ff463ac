// "Copy as": the call the panel would make, as a shell command or as a script using the typed
// client. Both carry the input exactly as the tRPC client sends it (superjson's envelope).

import type { ProcedureKind } from "@parley/shared";
import superjson from "superjson";

/** The token placeholder used when the panel runs as the session (a cookie is not portable). */
export const TOKEN_PLACEHOLDER = "$PARLEY_TOKEN";

/** A single-quoted shell word: nothing inside is expanded. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The request body / `input` parameter of a call without batching: superjson's `{ json, meta? }`. */
function envelope(input: unknown): string {
  return JSON.stringify(superjson.serialize(input));
}

/**
 * A curl command for the call. Queries (and subscriptions, as an SSE stream) are GETs with the
 * input in `?input=`; mutations POST it as JSON. Without a token, the Authorization header names
 * $PARLEY_TOKEN, left for the shell to expand.
 */
export function curlCommand(options: {
  origin: string;
  kind: ProcedureKind;
  path: string;
  input: unknown;
  token: string | null;
}): string {
  const { origin, kind, path, input, token } = options;
  const auth = token
    ? shellQuote(`Authorization: Bearer ${token}`)
    : `"Authorization: Bearer ${TOKEN_PLACEHOLDER}"`;
  const base = `${origin}/trpc/${path}`;
  if (kind === "mutation") {
    // Always a body, as the tRPC client sends (superjson writes `undefined` as a marked null).
    const body = shellQuote(envelope(input));
    return `curl -sS -X POST -H ${auth} -H 'Content-Type: application/json' --data-raw ${body} ${shellQuote(base)}`;
  }
  const url = input === undefined ? base : `${base}?input=${encodeURIComponent(envelope(input))}`;
  const stream = kind === "subscription" ? " -N -H 'Accept: text/event-stream'" : "";
  return `curl -sS${stream} -H ${auth} ${shellQuote(url)}`;
}

/** A value as TypeScript source: JSON, with Dates as `new Date(…)`. */
function literal(value: unknown, indent: string): string {
  const dates: string[] = [];
  const json = JSON.stringify(
    value,
    function (this: Record<string, unknown>, key, item: unknown) {
      const original = this[key];
      if (original instanceof Date) {
        dates.push(original.toISOString());
        return `__DATE_${dates.length - 1}__`;
      }
      return item;
    },
    2,
  );
  return json
    .replace(/"__DATE_(\d+)__"/g, (_, index: string) => `new Date("${dates[Number(index)]}")`)
    .replaceAll("\n", `\n${indent}`);
}

/** A script that makes the same call with the typed client (`@parley/server/client`). */
export function typeScriptSnippet(options: {
  origin: string;
  kind: ProcedureKind;
  path: string;
  input: unknown;
}): string {
  const { origin, kind, path, input } = options;
  const args = input === undefined ? "" : literal(input, "");
  const lines = [
    `import { createParleyClient } from "@parley/server/client";`,
    "",
    "const client = createParleyClient({",
    `  url: ${JSON.stringify(origin)},`,
    `  token: process.env.PARLEY_TOKEN ?? "",`,
    "});",
    "",
  ];
  if (kind === "subscription") {
    const subscribeArgs = input === undefined ? "undefined" : args;
    lines.push(
      `const subscription = client.${path}.subscribe(${subscribeArgs}, {`,
      "  onData: (event) => console.log(event),",
      "  onError: (error) => {",
      "    console.error(error.message);",
      "    process.exitCode = 1;",
      "  },",
      "  onComplete: () => subscription.unsubscribe(),",
      "});",
    );
  } else {
    const method = kind === "query" ? "query" : "mutate";
    lines.push(
      `const result = await client.${path}.${method}(${args});`,
      "console.dir(result, { depth: null });",
    );
  }
  return lines.join("\n");
}
