// The tools of the test MCP servers, written with the SDK's server side. The same tools are
// served over stdio (a process) and Streamable HTTP (in the test's process).

import { appendFileSync } from "node:fs";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";

/** What a server saw, for tests to check (cancellations above all). */
export interface ToolEvent {
  kind: "called" | "cancelled" | "finished";
  tool: string;
  /** Date.now() when it happened (comparable across processes). */
  at: number;
}

export function testToolServer(record: (event: ToolEvent) => void): McpServer {
  const server = new McpServer({ name: "parley-test-tools", version: "1.0.0" });
  const note = (kind: ToolEvent["kind"], tool: string) => record({ kind, tool, at: Date.now() });

  server.registerTool(
    "echo",
    { description: "Says the text back.", inputSchema: { text: z.string() } },
    async ({ text }) => {
      note("called", "echo");
      return { content: [{ type: "text", text: `echo: ${text}` }] };
    },
  );
  server.registerTool(
    "add",
    { description: "Adds two numbers.", inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => {
      note("called", "add");
      return { content: [{ type: "text", text: String(a + b) }] };
    },
  );
  server.registerTool(
    "slow",
    {
      description: "Waits, then says how long.",
      inputSchema: { ms: z.number().int().min(0).max(600_000) },
    },
    async ({ ms }, extra) => {
      note("called", "slow");
      const cancelled = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        extra.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      note(cancelled ? "cancelled" : "finished", "slow");
      return { content: [{ type: "text", text: `waited ${ms} ms` }] };
    },
  );
  server.registerTool("fail", { description: "Always fails.", inputSchema: {} }, async () => {
    note("called", "fail");
    throw new Error("the tool broke on purpose");
  });
  server.registerTool(
    "big",
    { description: "Returns that many characters.", inputSchema: { chars: z.number().int() } },
    async ({ chars }) => ({ content: [{ type: "text", text: "x".repeat(chars) }] }),
  );
  return server;
}

/** A recorder that appends each event as a JSON line to `file` (for a server in another process). */
export function fileRecorder(file: string | undefined): (event: ToolEvent) => void {
  return (event) => {
    if (file) appendFileSync(file, `${JSON.stringify(event)}\n`);
  };
}
