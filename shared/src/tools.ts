import { z } from "zod";

/** Tool limits that are not settings. */
export const TOOL_LIMITS = {
  /** Tool ids (or `<server>.*`) chosen for one message. */
  perMessage: 100,
  /** Characters of one tool id. */
  idChars: 200,
} as const;

/**
 * A tool's id, `<server>.<tool>`: the server's name as configured in MCP_SERVERS (or `web` for
 * the built-in web search), then the tool's name as the server gives it.
 */
export const ToolId = z.string().min(3).max(TOOL_LIMITS.idChars);
export type ToolId = z.infer<typeof ToolId>;

/** One tool a server offers. */
export const ToolInfo = z.object({
  id: ToolId,
  name: z.string(),
  description: z.string(),
  /** The JSON Schema its arguments must match. */
  inputSchema: z.record(z.string(), z.unknown()),
});
export type ToolInfo = z.infer<typeof ToolInfo>;

/** connecting: starting (or retrying after a failure); ready: its tools can be called; failed: down, retried with backoff. */
export const ToolServerStatus = z.enum(["connecting", "ready", "failed"]);
export type ToolServerStatus = z.infer<typeof ToolServerStatus>;

export const ToolServer = z.object({
  name: z.string(),
  status: ToolServerStatus,
  /** Why it is down (failed), in words. */
  error: z.string().optional(),
  /** Its tools (the last ones it listed, while it is down). */
  tools: z.array(ToolInfo),
});
export type ToolServer = z.infer<typeof ToolServer>;

export const ToolsListOutput = z.object({
  servers: z.array(ToolServer),
  /** Whether the caller may use tools (guests only when the server allows it). */
  allowed: z.boolean(),
});
export type ToolsListOutput = z.infer<typeof ToolsListOutput>;

/** Tools chosen for a message: tool ids, or `<server>.*` for every tool of a server. */
export const ToolSelection = z.array(ToolId).max(TOOL_LIMITS.perMessage);
export type ToolSelection = z.infer<typeof ToolSelection>;

/** A web page a tool found (web search): the answer cites it as [n], n its place in the list. */
export const ToolSource = z.object({
  /** Its number in the answer's list of sources, which the answer cites as [n]. */
  n: z.number().int().positive(),
  title: z.string(),
  url: z.string(),
  snippet: z.string(),
});
export type ToolSource = z.infer<typeof ToolSource>;

/** One tool call of an answer and its result, as the model and the user saw them. */
export const ToolStep = z.object({
  /** The call's id, as the model gave it. */
  callId: z.string(),
  /** The tool's id (`<server>.<tool>`), or the name the model used when no such tool was offered. */
  tool: z.string(),
  /** The function name the provider saw (tool ids are made valid for it). */
  name: z.string(),
  /** The arguments exactly as the model wrote them (JSON text, or not, when the model erred). */
  arguments: z.string(),
  /** false: the result is an error (bad arguments, unknown tool, the tool failed, timed out, or was stopped). */
  ok: z.boolean(),
  /** What the model was given back (cut to TOOL_RESULT_MAX_CHARS). */
  content: z.string(),
  durationMs: z.number().int().nonnegative(),
  /** Web pages the result lists (numbered from 1 across the whole answer). */
  sources: z.array(ToolSource).optional(),
});
export type ToolStep = z.infer<typeof ToolStep>;

/** The calls a model asked for at once, after writing the answer up to `at`. */
export const ToolRound = z.object({
  /** Characters of the answer's text written before these calls. */
  at: z.number().int().nonnegative(),
  /** In the order the model asked for them (they ran at the same time). */
  calls: z.array(ToolStep),
  /** The results went back to the model (false when stopped, or when it called tools again after its last round). */
  resultsSent: z.boolean(),
  /**
   * The round past TOOL_MAX_ROUNDS: its calls were not run, and the request that sent their
   * results told the model to call no more (`tool_choice: "none"`) and answer.
   */
  last: z.boolean().optional(),
});
export type ToolRound = z.infer<typeof ToolRound>;

export const ToolRounds = z.array(ToolRound);
export type ToolRounds = z.infer<typeof ToolRounds>;

/** A tool call's start, in a generation's events. */
export const ToolCallEvent = z.object({
  type: z.literal("tool_call"),
  callId: z.string(),
  tool: z.string(),
  arguments: z.string(),
});
export type ToolCallEvent = z.infer<typeof ToolCallEvent>;

/** A tool call's end, in a generation's events. */
export const ToolResultEvent = z.object({
  type: z.literal("tool_result"),
  callId: z.string(),
  ok: z.boolean(),
  content: z.string(),
  durationMs: z.number().int().nonnegative(),
  sources: z.array(ToolSource).optional(),
});
export type ToolResultEvent = z.infer<typeof ToolResultEvent>;

/** A server's name in MCP_SERVERS: the first part of its tools' ids. */
export const ToolServerName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,40}$/, "letters, digits, _ and - (at most 40)");

/** One MCP server in MCP_SERVERS, in the shape MCP clients use: a command (stdio) or a URL (Streamable HTTP). */
export const McpServerConfig = z.union([
  z.strictObject({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    /** Added to the few variables a server inherits (PATH, HOME…): never Parley's secrets. */
    env: z.record(z.string(), z.string()).default({}),
  }),
  z.strictObject({
    url: z.url({ protocol: /^https?$/ }),
    headers: z.record(z.string(), z.string()).default({}),
  }),
]);
export type McpServerConfig = z.infer<typeof McpServerConfig>;

/** MCP_SERVERS: server name → how to reach it. `web` is the built-in web search's. */
export const McpServersConfig = z
  .record(ToolServerName, McpServerConfig)
  .refine((servers) => !("web" in servers), "the name web is the built-in web search's");
export type McpServersConfig = z.infer<typeof McpServersConfig>;
