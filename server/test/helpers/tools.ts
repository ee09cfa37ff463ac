// Tool tests: a chat server whose MCP_SERVERS are the test tool servers (one over stdio, one over
// Streamable HTTP), and helpers to read tool steps out of a generation's events.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GenerationEvent, ToolServer } from "@parley/shared";
import type { DatabaseKind } from "./database.ts";
import { type HttpToolServer, startHttpToolServer } from "./mcp/http-server.ts";
import type { ToolEvent } from "./mcp/tools.ts";
import { type ChatServer, type Client, eventually, startChatServer } from "./session.ts";

const STDIO_SERVER = fileURLToPath(new URL("./mcp/stdio-server.ts", import.meta.url));

/** MCP_SERVERS' entry for the stdio test server, its events written to `eventsFile`. */
export function stdioServerConfig(eventsFile: string, env: Record<string, string> = {}) {
  return {
    command: process.execPath,
    args: ["--import", "tsx", STDIO_SERVER],
    env: { EVENTS_FILE: eventsFile, ...env },
  };
}

export interface ToolsFixture {
  server: ChatServer;
  http: HttpToolServer;
  eventsFile: string;
  /** What the stdio server saw, and its pid. */
  stdioEvents(): Promise<{ events: ToolEvent[]; pid: number }>;
  close(): Promise<void>;
}

/** Servers `local` (stdio) and `remote` (Streamable HTTP), both ready. */
export async function startToolsFixture(
  options: { database?: DatabaseKind; env?: Record<string, string> } = {},
): Promise<ToolsFixture> {
  const dir = await mkdtemp(join(tmpdir(), "parley-mcp-"));
  const eventsFile = join(dir, "events.jsonl");
  const http = await startHttpToolServer();
  const server = await startChatServer({
    database: options.database,
    env: {
      MCP_SERVERS: JSON.stringify({
        local: stdioServerConfig(eventsFile),
        remote: { url: http.url },
      }),
      ...options.env,
    },
    toolBackoff: { initialMs: 100, maxMs: 500 },
  });
  await waitForServers(server.client, ["local", "remote"]);
  return {
    server,
    http,
    eventsFile,
    async stdioEvents() {
      const lines = (await readFile(eventsFile, "utf8")).trim().split("\n");
      const parsed = lines.map((line) => JSON.parse(line) as ToolEvent & { pid?: number });
      const pid = parsed.findLast((line) => line.pid !== undefined)?.pid ?? 0;
      return { events: parsed.filter((line) => line.pid === undefined), pid };
    },
    async close() {
      await server.close();
      await http.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `names` are all ready, and returns every server as tools.list shows it. */
export async function waitForServers(client: Client, names: string[]): Promise<ToolServer[]> {
  return eventually(async () => {
    const { servers } = await client.tools.list.query();
    for (const name of names) {
      const server = servers.find((candidate) => candidate.name === name);
      if (server?.status !== "ready") throw new Error(`${name} is ${server?.status ?? "missing"}`);
    }
    return servers;
  }, 15_000);
}

export type ToolCall = Extract<GenerationEvent, { type: "tool_call" }>;
export type ToolResult = Extract<GenerationEvent, { type: "tool_result" }>;

export function toolCalls(events: readonly { event: GenerationEvent }[]): ToolCall[] {
  return events.flatMap(({ event }) => (event.type === "tool_call" ? [event] : []));
}

export function toolResults(events: readonly { event: GenerationEvent }[]): ToolResult[] {
  return events.flatMap(({ event }) => (event.type === "tool_result" ? [event] : []));
}
