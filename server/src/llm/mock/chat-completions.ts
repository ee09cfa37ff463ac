// POST /v1/chat/completions: `chat.completion`, or a stream of `chat.completion.chunk`s ending
// in `data: [DONE]`.

import { randomUUID } from "node:crypto";
import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import type { ReplyPlan } from "./behaviour.ts";
import type { PromptMessage } from "./models.ts";
import {
  type ApiContext,
  awaitWholeReply,
  type Body,
  isRecord,
  paced,
  prepareReply,
  readTokenLimit,
  requireModel,
  unixSeconds,
} from "./request.ts";
import { toolReply } from "./tools.ts";
import { jsonResponse, sse, sseResponse, UpstreamError, untilAborted } from "./wire.ts";

// Reasoning goes in `reasoning_content`, the field DeepSeek, vLLM and others use; OpenAI's own
// Chat Completions never streams reasoning, so the SDK types do not name it.
type Delta = ChatCompletionChunk.Choice.Delta & { reasoning_content?: string };
type Message = ChatCompletion.Choice["message"] & { reasoning_content?: string };

interface ReplyIds {
  id: string;
  created: number;
  model: string;
}

export async function chatCompletions(body: Body, context: ApiContext): Promise<Response> {
  const model = requireModel(body);
  const messages = readMessages(body.messages);
  const plan = prepareReply(model, messages, body, {
    maxOutputTokens:
      readTokenLimit(body, "max_completion_tokens", 1) ?? readTokenLimit(body, "max_tokens", 1),
    inputParam: "messages",
    defaults: context.defaults,
  });
  const calling = toolReply("chat", body, plan, context);
  if (calling) return calling;
  const ids: ReplyIds = {
    id: `chatcmpl-${randomUUID().replaceAll("-", "")}`,
    created: unixSeconds(),
    model: model.id,
  };

  if (body.stream === true) {
    if (plan.ending === "fail-before") throw plan.failure;
    const includeUsage =
      isRecord(body.stream_options) && body.stream_options.include_usage === true;
    return sseResponse(context.control, context.signal, chunks(plan, context, ids, includeUsage));
  }

  await awaitWholeReply(plan, context);
  const message: Message = {
    role: "assistant",
    content: plan.answer.join(""),
    refusal: null,
    annotations: [],
    ...(plan.reasoning.length > 0 ? { reasoning_content: plan.reasoning.join("") } : {}),
  };
  const completion: ChatCompletion = {
    ...ids,
    object: "chat.completion",
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(plan) }],
    usage: usage(plan),
  };
  return jsonResponse(200, completion, context.control.record.id);
}

async function* chunks(
  plan: ReplyPlan,
  context: ApiContext,
  ids: ReplyIds,
  includeUsage: boolean,
): AsyncGenerator<string, void> {
  if (plan.silent) return await untilAborted(context.signal);

  // With include_usage, OpenAI puts `usage: null` on every chunk and the totals on a last one.
  const chunk = (choices: ChatCompletionChunk.Choice[], usage: CompletionUsage | null = null) =>
    sse({
      ...ids,
      object: "chat.completion.chunk",
      choices,
      ...(includeUsage ? { usage } : {}),
    } satisfies ChatCompletionChunk);
  const delta = (delta: Delta, finish_reason: ChatCompletionChunk.Choice["finish_reason"] = null) =>
    chunk([{ index: 0, delta, logprobs: null, finish_reason }]);

  yield delta({ role: "assistant", content: "", refusal: null });
  for await (const token of paced(plan.reasoning, plan, context)) {
    yield delta({ reasoning_content: token });
  }
  for await (const token of paced(plan.answer, plan, context)) yield delta({ content: token });
  if (context.signal.aborted) return;

  if (plan.ending === "hang") return await untilAborted(context.signal);
  if (plan.ending === "fail-after") {
    // A bare `data: {"error": …}` event, as OpenAI sends: the SDK throws it as an APIError.
    context.control.settle("failed");
    yield sse(plan.failure.body());
    return;
  }
  context.control.settle("completed");
  yield delta({}, finishReason(plan)) +
    (includeUsage ? chunk([], usage(plan)) : "") +
    sse("[DONE]");
}

function finishReason(plan: ReplyPlan): "stop" | "length" {
  return plan.ending === "length" ? "length" : "stop";
}

function usage(plan: ReplyPlan): CompletionUsage {
  const reasoning = plan.reasoning.length;
  const output = reasoning + plan.answer.length;
  return {
    prompt_tokens: plan.inputTokens,
    completion_tokens: output,
    total_tokens: plan.inputTokens + output,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function readMessages(value: unknown): PromptMessage[] {
  if (!Array.isArray(value)) {
    throw new UpstreamError(400, "Missing required parameter: 'messages'.", {
      param: "messages",
      code: "missing_required_parameter",
    });
  }
  if (value.length === 0) {
    throw new UpstreamError(
      400,
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      { param: "messages", code: "empty_array" },
    );
  }
  return value.map((message, index) => {
    if (!isRecord(message) || typeof message.role !== "string") {
      throw new UpstreamError(
        400,
        `Invalid 'messages[${index}]': expected a message with a role.`,
        {
          param: `messages[${index}]`,
          code: "invalid_value",
        },
      );
    }
    const prompt: PromptMessage = { role: message.role, text: "", images: [] };
    if (typeof message.content === "string") prompt.text = message.content;
    else if (Array.isArray(message.content)) {
      const texts: string[] = [];
      for (const part of message.content) {
        if (!isRecord(part)) continue;
        if (part.type === "text" && typeof part.text === "string") texts.push(part.text);
        if (part.type === "image_url" && isRecord(part.image_url)) {
          prompt.images.push(String(part.image_url.url));
        }
      }
      prompt.text = texts.join("\n");
    }
    return prompt;
  });
}
