// The tool loop of one answer: call the model; when it asks for tools, run them (at the same
// time), hand the results back and call it again, until it answers without calling any or
// TOOL_MAX_ROUNDS is reached. Whatever goes wrong with a call (bad arguments, an unknown tool,
// a failure, a timeout, a crashed server, a stop) becomes an error result the model reads and
// the user sees; the answer goes on.
//
// It yields what `streamCompletion` yields (text, reasoning, one summed usage, one finish) plus
// each call's start and end (the `tool_call` and `tool_result` events) and, after each round,
// every round so far (`tool_rounds`, for the message to store).

import type {
  TokenUsage,
  ToolCallEvent,
  ToolResultEvent,
  ToolRound,
  ToolStep,
} from "@parley/shared";
import type { ModelRoute } from "../llm/registry.ts";
import { type StreamPart, streamCompletion, type UpstreamRequest } from "../llm/stream.ts";
import { type ToolCallRequest, withRound } from "../llm/tool-format.ts";
import { messageOf } from "./mcp.ts";
import type { ToolOutput } from "./provider.ts";
import type { OfferedTool, Toolset } from "./service.ts";
import { numberedSources } from "./web-search.ts";

export type ToolLoopPart =
  | StreamPart
  | ToolCallEvent
  | ToolResultEvent
  | { type: "tool_rounds"; rounds: ToolRound[] };

export interface ToolLimits {
  timeoutMs: number;
  resultMaxChars: number;
  maxRounds: number;
}

export interface ToolLoopInput {
  route: Pick<ModelRoute, "client">;
  /** The first request, with the toolset's functions in it (see buildRequest's `tools`). */
  request: UpstreamRequest;
  /** The tools offered and their limits; without any, this is one plain model call. */
  tools: { toolset: Toolset; limits: ToolLimits } | undefined;
  signal: AbortSignal;
  /** What the answer already holds (a continued answer's text and rounds). */
  base: { text: string; rounds: readonly ToolRound[] };
}

export async function* runToolLoop(input: ToolLoopInput): AsyncGenerator<ToolLoopPart, void> {
  const { route, signal } = input;
  if (!input.tools || input.tools.toolset.byName.size === 0) {
    yield* streamCompletion(route, input.request, signal);
    return;
  }
  const { toolset, limits } = input.tools;
  let request = input.request;
  const rounds = input.base.rounds.map((round) => ({ ...round }));
  let at = input.base.text.length;
  let sources = rounds.reduce(
    (count, round) => count + round.calls.reduce((n, call) => n + (call.sources?.length ?? 0), 0),
    0,
  );
  let usage: TokenUsage | undefined;

  for (let round = 1; ; round += 1) {
    let text = "";
    let calls: ToolCallRequest[] = [];
    let finish: StreamPart | undefined;
    for await (const part of streamCompletion(route, request, signal)) {
      if (part.type === "text") text += part.delta;
      if (part.type === "usage") usage = added(usage, part.usage);
      else if (part.type === "tool_calls") calls = part.calls;
      else if (part.type === "finish") finish = part;
      else yield part;
    }
    at += text.length;
    if (calls.length === 0 || signal.aborted) {
      if (usage) yield { type: "usage", usage };
      if (finish) yield finish;
      return;
    }

    for (const call of calls) {
      yield {
        type: "tool_call",
        callId: call.callId,
        tool: toolset.byName.get(call.name)?.id ?? call.name,
        arguments: call.arguments,
      };
    }
    // One round past the limit: its calls are not run, and the model is told to answer.
    const limited = round > limits.maxRounds;
    // In the order the model asked for them, as the next request sends them back.
    const steps: ToolStep[] = [];
    for await (const { index, step, found } of runCalls(calls, toolset, signal, limits, limited)) {
      // Web pages are numbered across the answer in the order their results came.
      if (found) {
        step.sources = found.map((source, i) => ({ n: sources + i + 1, ...source }));
        step.content = cut(numberedSources(step.sources), limits.resultMaxChars);
        sources += found.length;
      }
      steps[index] = step;
      yield {
        type: "tool_result",
        callId: step.callId,
        ok: step.ok,
        content: step.content,
        durationMs: step.durationMs,
        ...(step.sources ? { sources: step.sources } : {}),
      };
    }
    const current: ToolRound = {
      at,
      calls: steps,
      resultsSent: false,
      ...(round === limits.maxRounds + 1 ? { last: true } : {}),
    };
    // Stopped, or calling again after being told not to: the answer ends here.
    if (signal.aborted || round > limits.maxRounds + 1) {
      rounds.push(current);
      yield { type: "tool_rounds", rounds: [...rounds] };
      if (usage) yield { type: "usage", usage };
      if (!signal.aborted) yield { type: "finish", reason: "other" };
      return;
    }
    request = withRound(request, text, current);
    rounds.push({ ...current, resultsSent: true });
    yield { type: "tool_rounds", rounds: [...rounds] };
  }
}

/** Runs a round's calls at the same time, yielding each one's step as it finishes. */
async function* runCalls(
  calls: readonly ToolCallRequest[],
  toolset: Toolset,
  signal: AbortSignal,
  limits: ToolLimits,
  limited: boolean,
): AsyncGenerator<Ran & { index: number }, void> {
  const pending = new Map<number, Promise<Ran & { index: number }>>();
  calls.forEach((call, index) => {
    const offered = toolset.byName.get(call.name);
    pending.set(
      index,
      runCall(call, offered, signal, limits, limited).then((ran) => ({ index, ...ran })),
    );
  });
  while (pending.size > 0) {
    const done = await Promise.race(pending.values());
    pending.delete(done.index);
    yield done;
  }
}

/** A call's step, and the web pages it found (not numbered yet). */
interface Ran {
  step: ToolStep;
  found?: ToolOutput["sources"];
}

async function runCall(
  call: ToolCallRequest,
  offered: OfferedTool | undefined,
  signal: AbortSignal,
  limits: ToolLimits,
  limited: boolean,
): Promise<Ran> {
  const started = performance.now();
  const step = (ok: boolean, content: string, found?: ToolOutput["sources"]): Ran => ({
    step: {
      callId: call.callId,
      tool: offered?.id ?? call.name,
      name: call.name,
      arguments: call.arguments,
      ok,
      content: cut(content, limits.resultMaxChars),
      durationMs: Math.round(performance.now() - started),
    },
    ...(found ? { found } : {}),
  });
  if (limited) {
    return step(
      false,
      `Not run: this answer reached its limit of ${limits.maxRounds} rounds of tool calls.`,
    );
  }
  if (!offered) return step(false, `There is no tool named "${call.name}".`);
  let args: unknown;
  try {
    args = call.arguments.trim() === "" ? {} : JSON.parse(call.arguments);
  } catch (error) {
    return step(false, `The arguments are not valid JSON (${messageOf(error)}).`);
  }
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    return step(false, "The arguments must be a JSON object.");
  }
  const problem = offered.check(args);
  if (problem) return step(false, `The arguments do not match the tool's input schema: ${problem}`);
  if (signal.aborted) return step(false, "Stopped before the tool ran.");

  const timeout = AbortSignal.timeout(limits.timeoutMs);
  try {
    const output = await offered.provider.call(
      offered.tool,
      args as Record<string, unknown>,
      AbortSignal.any([signal, timeout]),
    );
    return step(output.ok, output.content, output.sources);
  } catch (error) {
    if (signal.aborted) return step(false, "Stopped before the tool finished.");
    if (timeout.aborted) {
      return step(
        false,
        `The tool did not finish within ${limits.timeoutMs / 1000} s and was cancelled.`,
      );
    }
    return step(false, `The tool failed: ${messageOf(error)}`);
  }
}

/** `text` cut to `max` characters, saying how much was left out. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = `\n[… ${text.length - max} more characters cut]`;
  return text.slice(0, Math.max(0, max - note.length)) + note;
}

function added(total: TokenUsage | undefined, usage: TokenUsage): TokenUsage {
  if (!total) return usage;
  const reasoning =
    total.reasoningTokens === undefined && usage.reasoningTokens === undefined
      ? undefined
      : (total.reasoningTokens ?? 0) + (usage.reasoningTokens ?? 0);
  return {
    inputTokens: total.inputTokens + usage.inputTokens,
    outputTokens: total.outputTokens + usage.outputTokens,
    ...(reasoning === undefined ? {} : { reasoningTokens: reasoning }),
    totalTokens: total.totalTokens + usage.totalTokens,
  };
}
