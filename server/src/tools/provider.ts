// What the tool loop calls: a server of tools (an MCP server, or a built-in one).

import type { ToolServer, ToolSource } from "@parley/shared";

/** A tool's answer, before it is cut to size: an error result has ok false. */
export interface ToolOutput {
  ok: boolean;
  /** What the model reads; with `sources`, the loop writes it (numbering them across the answer). */
  content: string;
  /** Web pages it found (the loop numbers them across the answer). */
  sources?: Omit<ToolSource, "n">[];
}

export interface ToolProvider {
  readonly name: string;
  /** Its status and tools, as `tools.list` shows them. */
  describe(): ToolServer;
  /** Calls one of its tools (by its own name); throws when the call fails or `signal` aborts. */
  call(tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutput>;
  close(): Promise<void>;
}
