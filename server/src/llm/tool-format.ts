// Tool calling in each API's own format: the functions a request offers, and the calls and
// results of a round as request items. The tool loop appends rounds with these, and later
// turns replay them with the same functions, so the two send the same bytes.

import type { ToolRound, RecordedPrompt as UpstreamRequest } from "@parley/shared";

/** A function offered to the model. */
export interface ToolDefinition {
  /** Valid for the provider (`^[A-Za-z0-9_-]{1,64}$`). */
  name: string;
  description: string;
  /** A JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

/** A call the model asked for, as it wrote it. */
export interface ToolCallRequest {
  callId: string;
  name: string;
  /** JSON text, unchecked. */
  arguments: string;
}

export type Api = UpstreamRequest["api"];

/** The request's `tools` parameter. */
export function toolsParameter(api: Api, tools: readonly ToolDefinition[]): unknown[] {
  if (api === "responses") {
    // `strict` would require every property and no others; MCP schemas rarely say so.
    return tools.map((tool) => ({ type: "function", ...tool, strict: false }));
  }
  return tools.map((tool) => ({ type: "function", function: tool }));
}

/**
 * An answer as request items: for each round, what it wrote before the calls, the calls and
 * their results; then the text after the last round. Assistant text goes in string content.
 */
export function answerItems(api: Api, content: string, rounds: readonly ToolRound[]): unknown[] {
  const items: unknown[] = [];
  let at = 0;
  for (const round of rounds) {
    items.push(...roundItems(api, content.slice(at, round.at), round));
    at = Math.max(at, round.at);
  }
  const rest = content.slice(at);
  if (rest !== "") items.push({ role: "assistant", content: rest });
  return items;
}

/** One round: the text written before its calls (may be ""), the calls, then their results. */
export function roundItems(api: Api, text: string, round: ToolRound): unknown[] {
  if (api === "responses") {
    return [
      ...(text === "" ? [] : [{ role: "assistant", content: text }]),
      ...round.calls.map((call) => ({
        type: "function_call",
        call_id: call.callId,
        name: call.name,
        arguments: call.arguments,
      })),
      ...round.calls.map((call) => ({
        type: "function_call_output",
        call_id: call.callId,
        output: call.content,
      })),
    ];
  }
  return [
    {
      role: "assistant",
      content: text === "" ? null : text,
      tool_calls: round.calls.map((call) => ({
        id: call.callId,
        type: "function",
        function: { name: call.name, arguments: call.arguments },
      })),
    },
    ...round.calls.map((call) => ({
      role: "tool",
      tool_call_id: call.callId,
      content: call.content,
    })),
  ];
}

/**
 * The request that sends a round's results back: `request` with the round's items appended,
 * and after the last round allowed, `tool_choice: "none"` so that the model answers.
 */
export function withRound(
  request: UpstreamRequest,
  text: string,
  round: ToolRound,
): UpstreamRequest {
  const key = request.api === "responses" ? "input" : "messages";
  const items = request.request[key];
  return {
    api: request.api,
    request: {
      ...request.request,
      [key]: [...(Array.isArray(items) ? items : []), ...roundItems(request.api, text, round)],
      ...(round.last ? { tool_choice: "none" } : {}),
    },
  };
}

/** The ids of calls whose results a request already carries (rounds an answer continues from). */
export function answeredCallIds(request: UpstreamRequest): Set<string> {
  const key = request.api === "responses" ? "input" : "messages";
  const items = request.request[key];
  const ids = new Set<string>();
  for (const item of Array.isArray(items) ? items : []) {
    if (typeof item !== "object" || item === null) continue;
    const { type, role, call_id, tool_call_id } = item as Record<string, unknown>;
    if (type === "function_call_output" && typeof call_id === "string") ids.add(call_id);
    if (role === "tool" && typeof tool_call_id === "string") ids.add(tool_call_id);
  }
  return ids;
}

/**
 * Every request a generation sent after its first (`request`, as recorded): one per round whose
 * results went back to the model, each the previous one with that round appended.
 */
export function followUpRequests(
  request: UpstreamRequest,
  content: string,
  rounds: readonly ToolRound[],
): UpstreamRequest[] {
  const earlier = answeredCallIds(request);
  const own = rounds.filter((round) => !round.calls.some((call) => earlier.has(call.callId)));
  // A continued answer's earlier rounds and text are in the request already.
  const earlierEnd = Math.max(
    0,
    ...rounds.filter((round) => !own.includes(round)).map((r) => r.at),
  );
  let at = earlierEnd + continuedText(request, content.slice(earlierEnd)).length;
  const requests: UpstreamRequest[] = [];
  let current = request;
  for (const round of own) {
    if (!round.resultsSent) break;
    current = withRound(current, content.slice(at, round.at), round);
    requests.push(current);
    at = round.at;
  }
  return requests;
}

/** The assistant text a continued answer's request ends with, when `rest` starts with it; else "". */
function continuedText(request: UpstreamRequest, rest: string): string {
  const key = request.api === "responses" ? "input" : "messages";
  const items = request.request[key];
  const last = Array.isArray(items)
    ? (items.at(-1) as Record<string, unknown> | undefined)
    : undefined;
  if (last?.role !== "assistant" || typeof last.content !== "string") return "";
  return rest.startsWith(last.content) ? last.content : "";
}
