// Export every conversation to a folder, each as JSON (a Parley export, which
// conversations.import reads back) and as Markdown.
//
//   export PARLEY_TOKEN=parley_…          # a personal API token (README, "Scripting")
//   npx -y pnpm@10 tsx scripts/export-all.ts backups/parley
//
// Writes <folder>/<title>-<id>.json and <folder>/<title>-<id>.md per conversation (the folder
// is created if needed; files of the same conversation are overwritten) and prints each path.

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { ParleyOutputs } from "@parley/server/client";
import { clientFromEnv, run, usage } from "./lib.ts";

type Conversation = ParleyOutputs["conversations"]["list"]["items"][number];

const USAGE = "export-all.ts <folder>";
const FORMATS = [
  { format: "json", extension: "json" },
  { format: "markdown", extension: "md" },
] as const;

run(async () => {
  const { positionals } = parseArgs({ allowPositionals: true });
  const [folder, ...extra] = positionals;
  if (!folder || extra.length > 0) usage(USAGE, "give one folder to write to");

  const client = clientFromEnv();
  const conversations: Conversation[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.conversations.list.query({
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    conversations.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);

  await mkdir(folder, { recursive: true });
  for (const conversation of conversations) {
    const base = `${safeName(conversation.title)}-${conversation.id}`;
    for (const { format, extension } of FORMATS) {
      const { content } = await client.conversations.export.query({ id: conversation.id, format });
      const path = join(folder, `${base}.${extension}`);
      await writeFile(path, content);
      process.stdout.write(`${path}\n`);
    }
  }
  process.stderr.write(`Exported ${conversations.length} conversation(s) to ${folder}.\n`);
  return 0;
});

/** A title as a file name: letters and digits kept, anything else a dash, 60 characters at most. */
function safeName(title: string): string {
  const name = title
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return name || "untitled";
}
