// POST /v1/responses: a `response` object, or the typed event stream (`event: <type>` +
// `data: {type, sequence_number, …}`) from `response.created` to `response.completed`.

import { randomUUID } from "node:crypto";
import type {
  Response as OpenAIResponse,
  ResponseOutputItem,
  ResponseOutputMessage,
  ResponseOutputText,
  ResponseReasoningItem,
  ResponseStreamEvent,
  ResponseUsage,
} from "openai/resources/responses/responses";
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

// On the wire `usage` is null until the end, and `output_text` does not exist: the SDK adds it.
type WireResponse = Omit<OpenAIResponse, "output_text" | "usage"> & { usage: ResponseUsage | null };
type EventType = ResponseStreamEvent["type"];
type EventFields<T extends EventType> = Omit<
  Extract<ResponseStreamEvent, { type: T }>,
  "type" | "sequence_number" | "response"
> &
  (Extract<ResponseStreamEvent, { type: T }> extends { response: unknown }
    ? { response: WireResponse }
    : unknown);

/** Builds the `response` object at each stage from the fixed parts of this reply. */
type Snapshot = (
  status: NonNullable<OpenAIResponse["status"]>,
  output: ResponseOutputItem[],
  usage: ResponseUsage | null,
) => WireResponse;

export async function responses(body: Body, context: ApiContext): Promise<Response> {
  const model = requireModel(body);
  const messages = readInput(body);
  const maxOutputTokens = readTokenLimit(body, "max_output_tokens", 16);
  const plan = prepareReply(model, messages, body, {
    maxOutputTokens,
    inputParam: "input",
    defaults: context.defaults,
  });
  const calling = toolReply("responses", body, plan, context);
  if (calling) return calling;
  const ids = { response: `resp_${hex()}`, reasoning: `rs_${hex()}`, message: `msg_${hex()}` };
  const createdAt = unixSeconds();
  const snapshot: Snapshot = (status, output, usage) => ({
    id: ids.response,
    object: "response",
    created_at: createdAt,
    status,
    background: false,
    completed_at: status === "completed" ? unixSeconds() : null,
    error: null,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: typeof body.instructions === "string" ? body.instructions : null,
    max_output_tokens: maxOutputTokens ?? null,
    metadata: isRecord(body.metadata) ? (body.metadata as Record<string, string>) : {},
    model: model.id,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    temperature: 1,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage,
  });

  if (body.stream === true) {
    if (plan.ending === "fail-before") throw plan.failure;
    return sseResponse(context.control, context.signal, events(plan, context, ids, snapshot));
  }

  await awaitWholeReply(plan, context);
  const output: ResponseOutputItem[] = [];
  if (plan.reasoning.length > 0) output.push(reasoningItem(ids.reasoning, plan.reasoning.join("")));
  if (hasMessage(plan)) output.push(messageItem(ids.message, plan.answer.join(""), plan));
  const status = plan.ending === "length" ? "incomplete" : "completed";
  return jsonResponse(200, snapshot(status, output, usage(plan)), context.control.record.id);
}

async function* events(
  plan: ReplyPlan,
  context: ApiContext,
  ids: { reasoning: string; message: string },
  snapshot: Snapshot,
): AsyncGenerator<string, void> {
  if (plan.silent) return await untilAborted(context.signal);

  let sequence = 0;
  const emit = <T extends EventType>(type: T, fields: EventFields<T>): string =>
    sse({ type, sequence_number: sequence++, ...fields }, type);
  const output: ResponseOutputItem[] = [];

  const inProgress = snapshot("in_progress", [], null);
  yield emit("response.created", { response: inProgress }) +
    emit("response.in_progress", { response: inProgress });

  if (plan.reasoning.length > 0) {
    // A reasoning summary is what OpenAI's own models stream (`response.reasoning_text.*` is
    // raw reasoning, sent only by open-weight models on other servers).
    const where = { item_id: ids.reasoning, output_index: output.length, summary_index: 0 };
    yield emit("response.output_item.added", {
      output_index: where.output_index,
      item: { id: ids.reasoning, type: "reasoning", summary: [] },
    }) +
      emit("response.reasoning_summary_part.added", {
        ...where,
        part: { type: "summary_text", text: "" },
      });
    let text = "";
    for await (const delta of paced(plan.reasoning, plan, context)) {
      text += delta;
      yield emit("response.reasoning_summary_text.delta", { ...where, delta });
    }
    if (context.signal.aborted) return;
    const item = reasoningItem(ids.reasoning, text);
    output.push(item);
    yield emit("response.reasoning_summary_text.done", { ...where, text }) +
      emit("response.reasoning_summary_part.done", {
        ...where,
        part: { type: "summary_text", text },
      }) +
      emit("response.output_item.done", { output_index: where.output_index, item });
  }

  let closing = "";
  if (hasMessage(plan)) {
    const where = { item_id: ids.message, output_index: output.length, content_index: 0 };
    yield emit("response.output_item.added", {
      output_index: where.output_index,
      item: {
        id: ids.message,
        type: "message",
        role: "assistant",
        status: "in_progress",
        content: [],
      },
    }) +
      emit("response.content_part.added", {
        ...where,
        part: { type: "output_text", text: "", annotations: [], logprobs: [] },
      });
    let text = "";
    for await (const delta of paced(plan.answer, plan, context)) {
      text += delta;
      yield emit("response.output_text.delta", { ...where, delta, logprobs: [] });
    }
    if (context.signal.aborted) return;

    if (plan.ending === "hang") return await untilAborted(context.signal);
    const item = messageItem(ids.message, text, plan);
    output.push(item);
    if (plan.ending === "fail-after") {
      // The nested `error` object is what OpenAI actually sends (the SDK throws on `data.error`);
      // the flat code/message/param are the documented ResponseErrorEvent fields.
      const { error } = plan.failure.body();
      context.control.settle("failed");
      const { code, message, param } = error;
      yield sse(
        { type: "error", sequence_number: sequence++, code, message, param, error },
        "error",
      ) +
        emit("response.failed", {
          response: {
            ...snapshot("failed", output, usage(plan)),
            error: { code: "server_error", message },
          },
        });
      return;
    }
    closing =
      emit("response.output_text.done", { ...where, text, logprobs: [] }) +
      emit("response.content_part.done", {
        ...where,
        part: item.content[0] as ResponseOutputText,
      }) +
      emit("response.output_item.done", { output_index: where.output_index, item });
  }

  context.control.settle("completed");
  yield closing +
    (plan.ending === "length"
      ? emit("response.incomplete", { response: snapshot("incomplete", output, usage(plan)) })
      : emit("response.completed", { response: snapshot("completed", output, usage(plan)) }));
}

/** A reply whose whole budget went to reasoning has no message, as on OpenAI. */
function hasMessage(plan: ReplyPlan): boolean {
  return plan.answer.length > 0 || plan.ending !== "length";
}

function reasoningItem(id: string, text: string): ResponseReasoningItem {
  return { id, type: "reasoning", summary: [{ type: "summary_text", text }] };
}

function messageItem(id: string, text: string, plan: ReplyPlan): ResponseOutputMessage {
  return {
    id,
    type: "message",
    role: "assistant",
    status: plan.ending === "stop" ? "completed" : "incomplete",
    content: [{ type: "output_text", text, annotations: [], logprobs: [] }],
  };
}

function usage(plan: ReplyPlan): ResponseUsage {
  const reasoning = plan.reasoning.length;
  const output = reasoning + plan.answer.length;
  return {
    input_tokens: plan.inputTokens,
    input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: plan.inputTokens + output,
  };
}

/** `instructions` and `input` (a string, or message items with text and image parts). */
function readInput(body: Body): PromptMessage[] {
  const messages: PromptMessage[] = [];
  if (typeof body.instructions === "string") {
    messages.push({ role: "system", text: body.instructions, images: [] });
  }
  if (typeof body.input === "string") {
    messages.push({ role: "user", text: body.input, images: [] });
    return messages;
  }
  if (!Array.isArray(body.input)) {
    throw new UpstreamError(400, "Missing required parameter: 'input'.", {
      param: "input",
      code: "missing_required_parameter",
    });
  }
  for (const item of body.input) {
    // Other item types (function calls and their outputs, past reasoning) carry no prompt text.
    if (!isRecord(item) || typeof item.role !== "string") continue;
    if (item.type !== undefined && item.type !== "message") continue;
    const message: PromptMessage = { role: item.role, text: "", images: [] };
    if (typeof item.content === "string") message.text = item.content;
    else if (Array.isArray(item.content)) {
      const texts: string[] = [];
      for (const part of item.content) {
        if (!isRecord(part)) continue;
        const isText = part.type === "input_text" || part.type === "output_text";
        if (isText && typeof part.text === "string") texts.push(part.text);
        if (part.type === "input_image")
          message.images.push(String(part.image_url ?? part.file_id));
      }
      message.text = texts.join("\n");
    }
    messages.push(message);
  }
  return messages;
}

function hex(): string {
  return randomUUID().replaceAll("-", "");
}
