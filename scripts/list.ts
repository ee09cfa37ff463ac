// List your recent conversations as a table: last activity, title, model and id.
//
//   export PARLEY_TOKEN=parley_…          # a personal API token (README, "Scripting")
//   npx -y pnpm@10 tsx scripts/list.ts [--limit 20] [--search "words"]
//
// Newest first. `--search` keeps the conversations whose title or messages contain all the
// words. Pass an id to conversations.get (or open /c/<id> in the app) to see one.

import { parseArgs } from "node:util";
import type { ParleyOutputs } from "@parley/server/client";
import { clientFromEnv, run, usage } from "./lib.ts";

type Conversation = ParleyOutputs["conversations"]["list"]["items"][number];

const USAGE = 'list.ts [--limit N] [--search "words"]';
const TITLE_WIDTH = 48;

run(async () => {
  const { values } = parseArgs({
    options: { limit: { type: "string", default: "20" }, search: { type: "string" } },
  });
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) usage(USAGE, "--limit takes a whole number ≥ 1");

  const client = clientFromEnv();
  const conversations: Conversation[] = [];
  let cursor: string | undefined;
  // A page holds at most 100; follow the cursor for more.
  do {
    const page = await client.conversations.list.query({
      limit: Math.min(limit - conversations.length, 100),
      ...(cursor ? { cursor } : {}),
      ...(values.search ? { search: values.search } : {}),
    });
    conversations.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && conversations.length < limit);

  if (conversations.length === 0) {
    process.stderr.write(values.search ? "No conversation matches.\n" : "No conversations yet.\n");
    return 0;
  }
  const rows = conversations.map((c) => [
    formatTime(c.updatedAt),
    truncate(c.title || "(untitled)", TITLE_WIDTH),
    c.model,
    c.id,
  ]);
  process.stdout.write(table(["UPDATED", "TITLE", "MODEL", "ID"], rows));
  return 0;
});

/** Columns padded to their widest cell, two spaces apart. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((r) => r[i]?.length ?? 0)),
  );
  return [header, ...rows]
    .map((cells) =>
      cells
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")
    .concat("\n");
}

/** Local time, to the minute: 2026-11-30 14:05. */
function formatTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
}

function truncate(text: string, width: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}
