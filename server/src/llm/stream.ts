// Calling a model: one request shape and one stream of parts over both OpenAI APIs (Responses
// and Chat Completions), through the official SDK. Every call makes exactly one HTTP request:
// retries are the user's decision, never the SDK's.

import type { ModelParameters, RecordedPrompt, TokenUsage, ToolRound } from "@parley/shared";
import { APIConnectionError, APIError } from "openai";
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import type {
  ResponseCreateParamsNonStreaming,
  ResponseCreateParamsStreaming,
  ResponseUsage,
} from "openai/resources/responses/responses";
import type { ModelRoute } from "./registry.ts";
import {
  answerItems,
  type ToolCallRequest,
  type ToolDefinition,
  toolsParameter,
} from "./tool-format.ts";
import { UpstreamFailure } from "./upstream-failure.ts";

/** A piece of a user message with attachments: text (a document, or what they wrote) or an image. */
export type PromptPart =
  | { type: "text"; text: string }
  | {
      type: "image";
      url: string;
      /** The stored file `url` was made from: a recorded prompt refers to it instead of its bytes. */
      file?: { sha256: string; mimeType: string };
    };

export interface PromptMessage {
  role: "system" | "user" | "assistant";
  /** A string, or parts when the message has attachments. */
  content: string | PromptPart[];
  /** An answer's tool calls, sent in the API's format around its text. */
  toolRounds?: readonly ToolRound[];
}

export interface PromptInput {
  /** The system prompt ("" for none). */
  system: string;
  /** The conversation, oldest first. */
  messages: PromptMessage[];
  parameters: ModelParameters;
  /** Functions the model may call (none when empty or omitted). */
  tools?: readonly ToolDefinition[];
}

/** The request body exactly as handed to the SDK (and recorded on the answer). */
export type UpstreamRequest = RecordedPrompt;

export type StreamPart =
  | { type: "text"; delta: string }
  | { type: "reasoning"; delta: string }
  | { type: "usage"; usage: TokenUsage }
  /** The calls the model asked for, whole, once its reply is complete. */
  | { type: "tool_calls"; calls: ToolCallRequest[] }
  /** A piece of a tool call arrived: the model is not silent, though it shows nothing. */
  | { type: "tool_call_delta" }
  /** `length`: cut by the output token limit. */
  | { type: "finish"; reason: "stop" | "length" | "other" };

/** The body of a streamed request for `route`: what `streamCompletion` sends. */
export function buildRequest(
  route: Pick<ModelRoute, "api" | "upstreamModel">,
  input: PromptInput,
  options: { stream: boolean } = { stream: true },
): UpstreamRequest {
  const { parameters } = input;
  if (route.api === "responses") {
    const body: Record<string, unknown> = {
      model: route.upstreamModel,
      ...(input.system ? { instructions: input.system } : {}),
      input: input.messages.flatMap((message) =>
        message.toolRounds?.length && typeof message.content === "string"
          ? answerItems("responses", message.content, message.toolRounds)
          : [{ role: message.role, content: responsesContent(message.content) }],
      ),
      // Parley keeps the conversation itself; nothing needs to stay at the provider.
      store: false,
      ...(parameters.temperature !== undefined ? { temperature: parameters.temperature } : {}),
      ...(parameters.maxOutputTokens !== undefined
        ? { max_output_tokens: parameters.maxOutputTokens }
        : {}),
      ...(parameters.reasoningEffort !== undefined
        ? { reasoning: { effort: parameters.reasoningEffort, summary: "auto" } }
        : {}),
      ...(input.tools?.length ? { tools: toolsParameter("responses", input.tools) } : {}),
      stream: options.stream,
    };
    return { api: "responses", request: body };
  }
  const messages = [
    ...(input.system ? [{ role: "system" as const, content: input.system }] : []),
    ...input.messages.flatMap((message) =>
      message.toolRounds?.length && typeof message.content === "string"
        ? answerItems("chat", message.content, message.toolRounds)
        : [{ role: message.role, content: chatContent(message.content) }],
    ),
  ];
  const body: Record<string, unknown> = {
    model: route.upstreamModel,
    messages,
    ...(parameters.temperature !== undefined ? { temperature: parameters.temperature } : {}),
    // `max_tokens` rather than `max_completion_tokens`: every compatible server knows it.
    ...(parameters.maxOutputTokens !== undefined ? { max_tokens: parameters.maxOutputTokens } : {}),
    ...(parameters.reasoningEffort !== undefined
      ? { reasoning_effort: parameters.reasoningEffort }
      : {}),
    ...(input.tools?.length ? { tools: toolsParameter("chat", input.tools) } : {}),
    stream: options.stream,
    ...(options.stream ? { stream_options: { include_usage: true } } : {}),
  };
  return { api: "chat", request: body };
}

/** Parts in the Responses API's shape (`detail: "auto"` is what OpenAI assumes anyway). */
function responsesContent(content: PromptMessage["content"]) {
  if (typeof content === "string") return content;
  return content.map((part) =>
    part.type === "text"
      ? { type: "input_text", text: part.text }
      : { type: "input_image", image_url: part.url, detail: "auto" },
  );
}

/** Parts in the Chat Completions shape. */
function chatContent(content: PromptMessage["content"]) {
  if (typeof content === "string") return content;
  return content.map((part) =>
    part.type === "text"
      ? { type: "text", text: part.text }
      : { type: "image_url", image_url: { url: part.url } },
  );
}

/** Per-request SDK options: one attempt, cancelled by `signal`. */
function requestOptions(signal: AbortSignal, timeoutMs?: number) {
  return { signal, maxRetries: 0, ...(timeoutMs ? { timeout: timeoutMs } : {}) };
}

/**
 * Streams a request built by `buildRequest`. Throws `UpstreamFailure` when the provider fails
 * before or during the stream. When `signal` aborts, the iteration just ends: callers check
 * the signal to tell an abort from a finished answer.
 */
export async function* streamCompletion(
  route: Pick<ModelRoute, "client">,
  request: UpstreamRequest,
  signal: AbortSignal,
): AsyncGenerator<StreamPart, void> {
  try {
    if (request.api === "responses") yield* streamResponses(route, request, signal);
    else yield* streamChat(route, request, signal);
  } catch (error) {
    if (signal.aborted) return;
    throw toUpstreamFailure(error);
  }
}

async function* streamResponses(
  route: Pick<ModelRoute, "client">,
  request: UpstreamRequest,
  signal: AbortSignal,
): AsyncGenerator<StreamPart, void> {
  const body = request.request as unknown as ResponseCreateParamsStreaming;
  const stream = await route.client.responses.create(body, requestOptions(signal));
  const calls: ToolCallRequest[] = [];
  for await (const event of stream) {
    switch (event.type) {
      case "response.function_call_arguments.delta":
        yield { type: "tool_call_delta" };
        break;
      case "response.output_item.done":
        if (event.item.type === "function_call") {
          const { call_id, name, arguments: args } = event.item;
          calls.push({ callId: call_id, name, arguments: args });
        }
        break;
      case "response.output_text.delta":
        if (event.delta) yield { type: "text", delta: event.delta };
        break;
      case "response.reasoning_summary_text.delta":
      case "response.reasoning_text.delta":
        if (event.delta) yield { type: "reasoning", delta: event.delta };
        break;
      case "response.reasoning_summary_part.added":
        // Summary parts are paragraphs of one text.
        if (event.summary_index > 0) yield { type: "reasoning", delta: "\n\n" };
        break;
      case "response.completed":
      case "response.incomplete":
        if (event.response.usage)
          yield { type: "usage", usage: fromResponseUsage(event.response.usage) };
        if (calls.length > 0) yield { type: "tool_calls", calls };
        yield {
          type: "finish",
          reason: event.type === "response.completed" ? "stop" : "length",
        };
        return;
      case "response.failed":
        throw new UpstreamFailure(
          `The model provider failed: ${event.response.error?.message ?? "no reason given"}`,
        );
      case "error":
        throw new UpstreamFailure(`The model provider failed: ${event.message}`);
    }
  }
}

async function* streamChat(
  route: Pick<ModelRoute, "client">,
  request: UpstreamRequest,
  signal: AbortSignal,
): AsyncGenerator<StreamPart, void> {
  const body = request.request as unknown as ChatCompletionCreateParamsStreaming;
  const stream = await route.client.chat.completions.create(body, requestOptions(signal));
  let finish: StreamPart | undefined;
  // Calls arrive in pieces, by index: the id and name first, the arguments bit by bit.
  const calls: ToolCallRequest[] = [];
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    // Reasoning rides in `reasoning_content` (DeepSeek, vLLM) or `reasoning` (OpenRouter, Ollama).
    const delta = choice?.delta as
      | (ChatCompletionChunk.Choice.Delta & { reasoning_content?: string; reasoning?: string })
      | undefined;
    const reasoning = delta?.reasoning_content ?? delta?.reasoning;
    if (reasoning) yield { type: "reasoning", delta: reasoning };
    if (delta?.content) yield { type: "text", delta: delta.content };
    if (delta?.tool_calls?.length) yield { type: "tool_call_delta" };
    for (const piece of delta?.tool_calls ?? []) {
      const call = calls[piece.index] ?? { callId: "", name: "", arguments: "" };
      calls[piece.index] = call;
      if (piece.id) call.callId = piece.id;
      if (piece.function?.name) call.name += piece.function.name;
      if (piece.function?.arguments) call.arguments += piece.function.arguments;
    }
    if (choice?.finish_reason) {
      const reason = choice.finish_reason;
      finish = {
        type: "finish",
        reason: reason === "stop" || reason === "length" ? reason : "other",
      };
    }
    if (chunk.usage) yield { type: "usage", usage: fromChatUsage(chunk.usage) };
  }
  const asked = calls.filter(Boolean);
  if (asked.length > 0) yield { type: "tool_calls", calls: asked };
  if (finish) yield finish;
}

/** A whole (not streamed) answer's text, for short side requests such as titles. */
export async function complete(
  route: Pick<ModelRoute, "client">,
  request: UpstreamRequest,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<string> {
  try {
    if (request.api === "responses") {
      const body = request.request as unknown as ResponseCreateParamsNonStreaming;
      const response = await route.client.responses.create(body, requestOptions(signal, timeoutMs));
      return response.output_text;
    }
    const body = request.request as unknown as ChatCompletionCreateParamsNonStreaming;
    const completion = await route.client.chat.completions.create(
      body,
      requestOptions(signal, timeoutMs),
    );
    return completion.choices[0]?.message.content ?? "";
  } catch (error) {
    throw toUpstreamFailure(error);
  }
}

export function fromResponseUsage(usage: ResponseUsage): TokenUsage {
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    ...(usage.output_tokens_details?.reasoning_tokens !== undefined
      ? { reasoningTokens: usage.output_tokens_details.reasoning_tokens }
      : {}),
    totalTokens: usage.total_tokens,
  };
}

export function fromChatUsage(usage: CompletionUsage): TokenUsage {
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    ...(reasoning !== undefined && reasoning !== null ? { reasoningTokens: reasoning } : {}),
    totalTokens: usage.total_tokens,
  };
}

/** Any error of an SDK call, as an UpstreamFailure. */
export function toUpstreamFailure(error: unknown): UpstreamFailure {
  if (error instanceof UpstreamFailure) return error;
  if (error instanceof APIConnectionError) {
    return new UpstreamFailure(`Could not reach the model provider: ${error.message}`, undefined, {
      unreachable: true,
    });
  }
  if (error instanceof APIError) {
    const status = error.status;
    const detail = (error.error as { message?: unknown } | undefined)?.message;
    const reason = typeof detail === "string" && detail ? detail : error.message;
    return new UpstreamFailure(
      status
        ? `The model provider answered ${status}: ${reason}`
        : `The model provider failed: ${reason}`,
      status,
      { retryAfter: error.headers?.get("retry-after") ?? undefined },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamFailure(`The model provider failed: ${message}`);
}
