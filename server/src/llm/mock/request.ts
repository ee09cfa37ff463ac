// Validation both APIs share, with OpenAI's wording and codes so clients see familiar errors.

import type { MockDefaults, ReplyPlan } from "./behaviour.ts";
import { planReply, readSettings } from "./behaviour.ts";
import { findMockModel, type MockModel, type PromptMessage } from "./models.ts";
import type { RequestControl } from "./records.ts";
import { abortError, sleep, UpstreamError, untilAborted } from "./wire.ts";

/** What a handler needs besides the body. */
export interface ApiContext {
  control: RequestControl;
  signal: AbortSignal;
  defaults: MockDefaults;
}

export type Body = Record<string, unknown>;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function requireModel(body: Body): MockModel {
  if (typeof body.model !== "string" || body.model === "") {
    throw new UpstreamError(400, "You must provide a model parameter.", { param: "model" });
  }
  const model = findMockModel(body.model);
  if (!model) {
    throw new UpstreamError(
      404,
      `The model \`${body.model}\` does not exist or you do not have access to it.`,
      { param: "model", code: "model_not_found" },
    );
  }
  return model;
}

/** An optional positive token limit; `min` is 16 for the Responses API, as on OpenAI. */
export function readTokenLimit(body: Body, key: string, min: number): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new UpstreamError(400, `Invalid type for '${key}': expected an integer.`, {
      param: key,
      code: "invalid_type",
    });
  }
  if (value < min) {
    throw new UpstreamError(
      400,
      `Invalid '${key}': integer below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
      { param: key, code: "integer_below_min_value" },
    );
  }
  return value;
}

/** Reads options, refuses images a model cannot see, and plans the reply. */
export function prepareReply(
  model: MockModel,
  messages: PromptMessage[],
  body: Body,
  options: { maxOutputTokens: number | undefined; inputParam: string; defaults: MockDefaults },
): ReplyPlan {
  if (!model.vision && messages.some((message) => message.images.length > 0)) {
    throw new UpstreamError(
      400,
      `Model \`${model.id}\` does not accept image inputs; use a vision model such as parley-demo-vision.`,
      { param: options.inputParam, code: "image_input_not_supported" },
    );
  }
  const settings = readSettings(model, messages, body.metadata, options.defaults);
  return planReply(model, messages, settings, options.maxOutputTokens);
}

/**
 * A non-streamed reply takes as long as the streamed one would, then arrives whole; a hang lasts
 * until the client aborts. Throws `plan.failure` for either fault, and an AbortError on abort.
 */
export async function awaitWholeReply(plan: ReplyPlan, context: ApiContext): Promise<void> {
  if (plan.ending === "fail-before") throw plan.failure;
  const tokens = plan.reasoning.length + plan.answer.length;
  if (plan.ending === "hang") await untilAborted(context.signal);
  else await sleep(plan.delayMs * tokens, context.signal);
  if (context.signal.aborted) throw abortError(context.signal);
  if (plan.ending === "fail-after") throw plan.failure;
  context.control.record.tokensSent = tokens;
}

/** Yields each token after its delay, counting it as sent; stops at once when aborted. */
export async function* paced(
  tokens: readonly string[],
  plan: ReplyPlan,
  context: ApiContext,
): AsyncGenerator<string, void> {
  for (const token of tokens) {
    await sleep(plan.delayMs, context.signal);
    if (context.signal.aborted) return;
    context.control.record.tokensSent += 1;
    yield token;
  }
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
