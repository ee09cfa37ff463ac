// One MCP server, through the official SDK's client: connected at start, its tools listed, and
// reconnected with backoff whenever it fails to start or drops. Never throws at its users: a
// server that is down is a status, and a call to it an error result.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { McpServerConfig, ToolServer, ToolServerStatus } from "@parley/shared";
import type { ToolOutput, ToolProvider } from "./provider.ts";

/** What the connection logs: start, failure, recovery. */
export interface ToolLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface Backoff {
  /** The wait before the first retry; doubled after each failure. */
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 60_000 };

/** How long starting a server (connect and list tools) may take before it counts as failed. */
const START_TIMEOUT_MS = 20_000;
/** The SDK's own per-request timeout is not used: the tool loop's signal times calls out. */
const NO_SDK_TIMEOUT_MS = 24 * 3600 * 1000;
/** Characters of a stdio server's stderr kept to explain why it failed. */
const STDERR_TAIL_CHARS = 400;

export const CLIENT_INFO = { name: "parley", version: "1.0.0" };

/** A transport to a server as configured (a process for stdio, a URL for Streamable HTTP). */
export function transportFor(config: McpServerConfig): () => {
  transport: Transport;
  stderr?: () => string;
} {
  return () => {
    if ("url" in config) {
      return {
        transport: new StreamableHTTPClientTransport(new URL(config.url), {
          requestInit: { headers: config.headers },
        }),
      };
    }
    const transport = new StdioClientTransport({
      command: config.command,
      args: config.args,
      // Only the SDK's short list of safe variables (PATH, HOME…) and the configured ones:
      // never Parley's own secrets.
      env: { ...getDefaultEnvironment(), ...config.env },
      stderr: "pipe",
    });
    let tail = "";
    // Drained, or a chatty server would block on a full pipe; the end says why it failed.
    transport.stderr?.on("data", (chunk: Buffer) => {
      tail = (tail + chunk.toString("utf8")).slice(-STDERR_TAIL_CHARS);
    });
    return { transport, stderr: () => tail.trim() };
  };
}

export function createMcpConnection(options: {
  name: string;
  connect: ReturnType<typeof transportFor>;
  log: ToolLog;
  backoff?: Backoff;
}): ToolProvider & { ready(): Promise<void> } {
  const { name, log } = options;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  let client: Client | undefined;
  let status: ToolServerStatus = "connecting";
  let error: string | undefined;
  let tools: Tool[] = [];
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  let settled: () => void = () => {};
  const firstAttempt = new Promise<void>((resolve) => {
    settled = resolve;
  });

  async function connect() {
    if (closed) return;
    status = "connecting";
    const { transport, stderr } = options.connect();
    const candidate = new Client(CLIENT_INFO);
    let up = false;
    candidate.onclose = () => {
      if (client === candidate) client = undefined;
      if (up && !closed) fail("the connection to the server closed", stderr);
    };
    try {
      await candidate.connect(transport, { timeout: START_TIMEOUT_MS });
      tools = await listAll(candidate);
      if (closed) {
        await candidate.close();
        return;
      }
      client = candidate;
      up = true;
      status = "ready";
      error = undefined;
      failures = 0;
      log.info({ mcpServer: name, tools: tools.length }, "MCP server ready");
    } catch (cause) {
      await candidate.close().catch(() => {});
      fail(messageOf(cause), stderr);
    } finally {
      settled();
    }
  }

  function fail(reason: string, stderr?: () => string) {
    if (closed) return;
    const detail = stderr?.();
    status = "failed";
    error = detail ? `${reason} (${detail})` : reason;
    const waitMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** failures);
    failures += 1;
    log.warn({ mcpServer: name, err: error, retryInMs: waitMs }, "MCP server unavailable");
    clearTimeout(retry);
    retry = setTimeout(() => void connect(), waitMs);
    retry.unref();
  }

  void connect();

  return {
    name,
    /** Resolves once the first attempt to connect has succeeded or failed. */
    ready: () => firstAttempt,
    describe(): ToolServer {
      return {
        name,
        status,
        ...(error ? { error } : {}),
        tools: tools.map((tool) => ({
          id: `${name}.${tool.name}`,
          name: tool.name,
          description: tool.description ?? tool.title ?? "",
          inputSchema: tool.inputSchema as Record<string, unknown>,
        })),
      };
    },
    async call(tool, args, signal): Promise<ToolOutput> {
      const connected = client;
      if (!connected) {
        return {
          ok: false,
          content: `The tool server "${name}" is not available${error ? `: ${error}` : " yet"}.`,
        };
      }
      // Aborting `signal` (stop, timeout) makes the SDK send notifications/cancelled.
      const result = (await connected.callTool({ name: tool, arguments: args }, undefined, {
        signal,
        timeout: NO_SDK_TIMEOUT_MS,
      })) as CallToolResult;
      return { ok: result.isError !== true, content: resultText(result) };
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.close().catch(() => {});
      client = undefined;
    },
  };
}

async function listAll(client: Client): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined, {
      timeout: START_TIMEOUT_MS,
    });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

/** A result as the text a model reads: its text parts, and a word for each other part. */
function resultText(result: CallToolResult): string {
  const parts = (result.content ?? []).map((part) => {
    switch (part.type) {
      case "text":
        return part.text;
      case "resource":
        return "text" in part.resource ? part.resource.text : `[resource ${part.resource.uri}]`;
      case "resource_link":
        return `[${part.name}](${part.uri})`;
      default:
        return `[${part.type}]`;
    }
  });
  if (parts.length === 0 && result.structuredContent) {
    return JSON.stringify(result.structuredContent);
  }
  return parts.join("\n");
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
