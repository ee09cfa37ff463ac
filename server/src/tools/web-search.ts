// The built-in `web.search` tool: a SearXNG instance's JSON API (`/search?format=json`), its
// results numbered so the answer can cite them as [n] and the message can list its sources.

import type { ToolServer, ToolSource } from "@parley/shared";
import { z } from "zod";
import type { ToolOutput, ToolProvider } from "./provider.ts";

export const WEB_SERVER = "web";
const DEFAULT_RESULTS = 5;
const MAX_RESULTS = 10;

const SearchInput = z.object({
  query: z.string().min(1),
  max_results: z.number().int().min(1).max(MAX_RESULTS).optional(),
});

// What Parley reads of SearXNG's answer (it has many more fields).
const SearxngAnswer = z.object({
  results: z.array(
    z.object({
      url: z.string(),
      title: z.string().default(""),
      content: z.string().default(""),
    }),
  ),
});

const INPUT_SCHEMA = {
  type: "object",
  properties: {
    query: { type: "string", description: "What to search for." },
    max_results: {
      type: "integer",
      minimum: 1,
      maximum: MAX_RESULTS,
      description: `How many results (default ${DEFAULT_RESULTS}).`,
    },
  },
  required: ["query"],
  additionalProperties: false,
};

export function createWebSearch(searxngUrl: string): ToolProvider {
  const base = searxngUrl.endsWith("/") ? searxngUrl : `${searxngUrl}/`;
  return {
    name: WEB_SERVER,
    describe(): ToolServer {
      return {
        name: WEB_SERVER,
        status: "ready",
        tools: [
          {
            id: `${WEB_SERVER}.search`,
            name: "search",
            description:
              "Search the web. Returns numbered results (title, URL, snippet); cite them in the answer as [n].",
            inputSchema: INPUT_SCHEMA,
          },
        ],
      };
    },
    async call(tool, args, signal): Promise<ToolOutput> {
      if (tool !== "search") return { ok: false, content: `No tool "${tool}" in web.` };
      const input = SearchInput.parse(args);
      const url = new URL("search", base);
      url.searchParams.set("q", input.query);
      url.searchParams.set("format", "json");
      const response = await fetch(url, { signal, headers: { accept: "application/json" } });
      if (!response.ok) {
        return { ok: false, content: `The search service answered ${response.status}.` };
      }
      const answer = SearxngAnswer.safeParse(await response.json());
      if (!answer.success) {
        return { ok: false, content: "The search service's answer was not SearXNG's JSON." };
      }
      const sources: Omit<ToolSource, "n">[] = answer.data.results
        .slice(0, input.max_results ?? DEFAULT_RESULTS)
        .map((result) => ({ title: result.title, url: result.url, snippet: result.content }));
      return { ok: true, content: "", sources };
    },
    async close() {},
  };
}

/** Results as the model reads them (the answer cites them as [n]). */
export function numberedSources(sources: readonly ToolSource[]): string {
  if (sources.length === 0) return "No results.";
  return sources
    .map((source) => `[${source.n}] ${source.title}\n${source.url}\n${source.snippet}`)
    .join("\n\n");
}
