// Tool calling, on both APIs. A request that offers tools (`tools`) is answered with calls when
// the last user message asks for them:
//
//   [[tool:NAME {"json": "arguments"}]]      call NAME with these arguments (one round)
//   [[tool:NAME {"json": "arguments"} x3]]   … in each of the first 3 rounds
//
// Several directives make parallel calls. NAME is a function name the request offers, or a
// Parley tool id (`server.tool`, offered as `server__tool`); any other name is called as it is
// (an unknown tool). Without a directive, a message that names an offered tool (its part after
// `__`, `_` read as a space) calls it with arguments made from its schema, as the demo shows.
// Once the prompt ends with tool results and nothing is left to call, the answer is text that
// quotes them (also when `tool_choice` is "none"). Like OpenAI, a prompt whose calls and results do not pair up is refused (400).

import { randomUUID } from "node:crypto";
import type { ReplyPlan } from "./behaviour.ts";
import { type ApiContext, type Body, isRecord, unixSeconds } from "./request.ts";
import { sleep, sse, sseResponse, UpstreamError } from "./wire.ts";

const DIRECTIVE = /\[\[tool:([A-Za-z0-9_.-]+)(?:\s+(\{.*?\}))?(?:\s+x(\d+))?\]\]/gs;

type Api = "chat" | "responses";

interface Call {
  callId: string;
  name: string;
  arguments: string;
}

/** What the prompt holds after its last user message. */
interface Turn {
  userText: string;
  /** Rounds of calls already made (and answered) since the last user message. */
  rounds: number;
  /** The last round's results, with the names of the calls they answer. */
  results: { name: string; output: string }[];
}

/**
 * The reply to a request that offers tools: a streamed Response of calls, or undefined after
 * making `plan` quote the tool results (when the prompt ends with them) or leaving it be.
 */
export function toolReply(
  api: Api,
  body: Body,
  plan: ReplyPlan,
  context: ApiContext,
): Response | undefined {
  const offered = offeredTools(api, body.tools);
  const turn = readTurn(api, body);
  if (offered.length === 0 || body.stream !== true || !turn) return undefined;
  // tool_choice "none": the model may not call tools, and answers.
  const calls = body.tool_choice === "none" ? [] : callsFor(turn, offered);
  if (calls.length > 0) return callsResponse(api, body, calls, plan, context);
  if (turn.rounds > 0) {
    const quote = turn.results
      .map((result) => `The tool ${result.name} answered: "${result.output}"`)
      .join("\n\n");
    plan.answer = quote.split(/(?=\s)/);
    if (plan.ending === "length") plan.ending = "stop";
  }
  return undefined;
}

interface Offered {
  name: string;
  parameters: unknown;
}

function offeredTools(api: Api, tools: unknown): Offered[] {
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((tool) => {
    if (!isRecord(tool) || tool.type !== "function") return [];
    const fn = api === "chat" && isRecord(tool.function) ? tool.function : tool;
    return typeof fn.name === "string" ? [{ name: fn.name, parameters: fn.parameters }] : [];
  });
}

function callsFor(turn: Turn, tools: readonly Offered[]): Call[] {
  const offered = tools.map((tool) => tool.name);
  const calls: Call[] = [];
  const seed = randomUUID().replaceAll("-", "").slice(0, 12);
  const add = (name: string, args: string) =>
    calls.push({ callId: `call_${seed}${calls.length}`, name, arguments: args });
  let directed = false;
  for (const match of turn.userText.matchAll(DIRECTIVE)) {
    directed = true;
    const [, name = "", args = "{}", times = "1"] = match;
    if (Number(times) <= turn.rounds) continue;
    const dotted = name.replace(/[^A-Za-z0-9_-]/g, "__");
    add(offered.includes(name) ? name : offered.includes(dotted) ? dotted : name, args);
  }
  if (directed || turn.rounds > 0) return calls;
  // The demo: a message that names an offered tool calls it.
  const words = turn.userText.toLowerCase();
  for (const tool of tools) {
    const short = (tool.name.split("__").at(-1) ?? tool.name).replaceAll("_", " ").toLowerCase();
    if (short.length > 2 && words.includes(short)) {
      add(tool.name, JSON.stringify(exampleArguments(tool.parameters, turn.userText)));
    }
  }
  return calls;
}

/** Arguments for a schema's required properties, taken from the message where it can. */
function exampleArguments(schema: unknown, text: string): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (!isRecord(schema) || !isRecord(schema.properties) || !Array.isArray(schema.required)) {
    return args;
  }
  const words = text.replace(DIRECTIVE, "").match(/[\p{L}\p{N}]+/gu) ?? [];
  const named = words.filter((word) => /^\p{Lu}/u.test(word)).slice(1);
  const number = words.find((word) => /^\d+$/.test(word));
  for (const key of schema.required) {
    const property = schema.properties[String(key)];
    const type = isRecord(property) ? property.type : undefined;
    if (type === "integer" || type === "number") {
      const minimum =
        isRecord(property) && typeof property.minimum === "number" ? property.minimum : 1;
      args[String(key)] = number ? Number(number) : minimum;
    } else {
      args[String(key)] = named.at(-1) ?? words.at(-1) ?? "example";
    }
  }
  return args;
}

function readTurn(api: Api, body: Body): Turn | undefined {
  const items = api === "chat" ? body.messages : body.input;
  if (!Array.isArray(items)) return undefined;
  checkPairs(api, items);
  const lastUser = items.findLastIndex((item) => isRecord(item) && item.role === "user");
  if (lastUser < 0) return undefined;
  const after = items.slice(lastUser + 1).filter(isRecord);
  const names = new Map<string, string>();
  let rounds = 0;
  let results: Turn["results"] = [];
  let inCalls = false;
  for (const item of after) {
    const calls = callsIn(api, item);
    if (calls.length > 0) {
      if (!inCalls) {
        rounds += 1;
        results = [];
      }
      inCalls = true;
      for (const call of calls) names.set(call.callId, call.name);
      continue;
    }
    inCalls = false;
    const result = resultIn(api, item);
    if (result) results.push({ name: names.get(result.callId) ?? "?", output: result.output });
  }
  return { userText: textOf(items[lastUser]), rounds, results };
}

function textOf(message: unknown): string {
  if (!isRecord(message)) return "";
  if (typeof message.content === "string") return message.content;
  if (!Array.isArray(message.content)) return "";
  return message.content
    .filter(isRecord)
    .map((part) => (typeof part.text === "string" ? part.text : ""))
    .join("\n");
}

function callsIn(api: Api, item: Record<string, unknown>): Call[] {
  if (api === "responses") {
    if (item.type !== "function_call") return [];
    return [{ callId: String(item.call_id), name: String(item.name), arguments: "" }];
  }
  if (item.role !== "assistant" || !Array.isArray(item.tool_calls)) return [];
  return item.tool_calls.filter(isRecord).map((call) => ({
    callId: String(call.id),
    name: isRecord(call.function) ? String(call.function.name) : "",
    arguments: "",
  }));
}

function resultIn(
  api: Api,
  item: Record<string, unknown>,
): { callId: string; output: string } | undefined {
  if (api === "responses") {
    return item.type === "function_call_output"
      ? { callId: String(item.call_id), output: String(item.output) }
      : undefined;
  }
  return item.role === "tool"
    ? { callId: String(item.tool_call_id), output: textOf(item) }
    : undefined;
}

/** Refuses, as OpenAI does, calls without results and results without calls. */
function checkPairs(api: Api, items: readonly unknown[]) {
  const param = api === "chat" ? "messages" : "input";
  const open = new Set<string>();
  items.forEach((item, index) => {
    if (!isRecord(item)) return;
    const result = resultIn(api, item);
    if (result) {
      if (!open.delete(result.callId)) {
        throw new UpstreamError(
          400,
          api === "chat"
            ? `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`
            : `No function call found for function call output with call_id ${result.callId}.`,
          { param: `${param}[${index}]` },
        );
      }
      return;
    }
    // In Chat Completions the results must come right after their calls.
    if (api === "chat" && open.size > 0) throw unanswered(open, param);
    for (const call of callsIn(api, item)) open.add(call.callId);
  });
  if (open.size > 0) throw unanswered(open, param);
}

function unanswered(open: Set<string>, param: string): UpstreamError {
  return new UpstreamError(
    400,
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(", ")}`,
    { param },
  );
}

function callsResponse(
  api: Api,
  body: Body,
  calls: Call[],
  plan: ReplyPlan,
  context: ApiContext,
): Response {
  const model = String(body.model);
  const usage = { input: plan.inputTokens, output: calls.length * 10 };
  const chunks =
    api === "chat" ? chatChunks(model, calls, usage) : responseEvents(model, calls, usage);
  async function* paced(): AsyncGenerator<string, void> {
    const all = [...chunks];
    for (const [index, chunk] of all.entries()) {
      await sleep(plan.delayMs, context.signal);
      if (context.signal.aborted) return;
      if (index === all.length - 1) context.control.settle("completed");
      yield chunk;
    }
  }
  return sseResponse(context.control, context.signal, paced());
}

function* chatChunks(
  model: string,
  calls: readonly Call[],
  usage: { input: number; output: number },
): Generator<string> {
  const ids = { id: `chatcmpl-${randomUUID().replaceAll("-", "")}`, created: unixSeconds(), model };
  const chunk = (delta: unknown, finish: string | null = null) =>
    sse({
      ...ids,
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      usage: null,
    });
  yield chunk({ role: "assistant", content: null, refusal: null });
  for (const [index, call] of calls.entries()) {
    yield chunk({
      tool_calls: [
        { index, id: call.callId, type: "function", function: { name: call.name, arguments: "" } },
      ],
    });
    // In two pieces, as providers send them.
    const half = Math.ceil(call.arguments.length / 2);
    for (const piece of [call.arguments.slice(0, half), call.arguments.slice(half)]) {
      yield chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
    }
  }
  yield chunk({}, "tool_calls") +
    sse({
      ...ids,
      object: "chat.completion.chunk",
      choices: [],
      usage: {
        prompt_tokens: usage.input,
        completion_tokens: usage.output,
        total_tokens: usage.input + usage.output,
      },
    }) +
    sse("[DONE]");
}

function* responseEvents(
  model: string,
  calls: readonly Call[],
  usage: { input: number; output: number },
): Generator<string> {
  let sequence = 0;
  const emit = (type: string, fields: Record<string, unknown>) =>
    sse({ type, sequence_number: sequence++, ...fields }, type);
  const response = (status: string, output: unknown[], withUsage: boolean) => ({
    id: `resp_${randomUUID().replaceAll("-", "")}`,
    object: "response",
    created_at: unixSeconds(),
    status,
    model,
    output,
    parallel_tool_calls: true,
    tool_choice: "auto",
    tools: [],
    usage: withUsage
      ? {
          input_tokens: usage.input,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: usage.output,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: usage.input + usage.output,
        }
      : null,
  });
  yield emit("response.created", { response: response("in_progress", [], false) }) +
    emit("response.in_progress", { response: response("in_progress", [], false) });
  const output: unknown[] = [];
  for (const [index, call] of calls.entries()) {
    const item = {
      id: `fc_${randomUUID().replaceAll("-", "")}`,
      type: "function_call",
      call_id: call.callId,
      name: call.name,
      arguments: "",
      status: "in_progress",
    };
    const where = { item_id: item.id, output_index: index };
    yield emit("response.output_item.added", { output_index: index, item });
    yield emit("response.function_call_arguments.delta", { ...where, delta: call.arguments });
    const done = { ...item, arguments: call.arguments, status: "completed" };
    output.push(done);
    yield emit("response.function_call_arguments.done", {
      ...where,
      name: call.name,
      arguments: call.arguments,
    }) + emit("response.output_item.done", { output_index: index, item: done });
  }
  yield emit("response.completed", { response: response("completed", output, true) });
}
