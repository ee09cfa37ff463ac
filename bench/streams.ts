// The two ways the benchmark reads an answer: straight from the mock upstream with the openai
// SDK, and through Parley (send mutation, then the generations.stream subscription).

import type { ModelRoute } from "../server/src/llm/registry.ts";
import { buildRequest, streamCompletion } from "../server/src/llm/stream.ts";
import type { createClient } from "../server/test/helpers/server.ts";
import { now } from "./clock.ts";

export type ParleyClient = ReturnType<typeof createClient>;

/** What one stream looked like from its client, on the shared clock. */
export interface StreamSample {
  tag: string;
  /** The client starts: SDK request, or `messages.send`. */
  start: number;
  /** When each answer token reached the client. */
  tokens: number[];
  /** The stream ended normally (SDK: finish reason; Parley: a `final` event). */
  finished: boolean;
  error?: string;
  /** Parley: when `messages.send` returned. */
  sent?: number;
  /** Parley: when the subscription's first event (`started`) arrived. */
  firstEvent?: number;
}

/**
 * The baseline: the official `openai` SDK, with the client Parley itself would build for this
 * model and the very request body Parley sends for a one-message conversation, read through
 * Parley's thin adapter over the SDK stream (`streamCompletion`, a switch on event types) so
 * nothing but Parley's engine and transport is left out.
 */
export async function directStream(
  route: ModelRoute,
  tag: string,
  content: string,
  timeoutMs: number,
): Promise<StreamSample> {
  const request = buildRequest(route, {
    system: "",
    messages: [{ role: "user", content }],
    parameters: {},
  });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const sample: StreamSample = { tag, start: now(), tokens: [], finished: false };
  try {
    for await (const part of streamCompletion(route, request, controller.signal)) {
      if (part.type === "text") sample.tokens.push(now());
      else if (part.type === "finish") sample.finished = true;
    }
    if (controller.signal.aborted) sample.error = `timed out after ${timeoutMs} ms`;
  } catch (error) {
    sample.error = String(error);
  } finally {
    clearTimeout(timer);
  }
  return sample;
}

/**
 * Through Parley, as the web app does: `messages.send` (a new root message in an existing,
 * already titled conversation), then `generations.stream` until `final` or `error`.
 */
export async function parleyStream(
  client: ParleyClient,
  conversationId: string,
  tag: string,
  content: string,
  timeoutMs: number,
): Promise<StreamSample> {
  const sample: StreamSample = { tag, start: now(), tokens: [], finished: false };
  const deadline = sample.start + timeoutMs;
  let generationId: string;
  try {
    ({ generationId } = await client.messages.send.mutate({
      conversationId,
      content,
      mode: "new",
    }));
  } catch (error) {
    sample.error = `send: ${String(error)}`;
    return sample;
  }
  sample.sent = now();
  await new Promise<void>((resolve) => {
    let done = false;
    let unsubscribe = () => {};
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      if (error !== undefined) sample.error = error;
      resolve();
    };
    const timer = setTimeout(
      () => finish(`timed out after ${timeoutMs} ms`),
      Math.max(0, deadline - now()),
    );
    const subscription = client.generations.stream.subscribe(
      { generationId },
      {
        onData({ data: event }) {
          const at = now();
          sample.firstEvent ??= at;
          if (event.type === "token") sample.tokens.push(at);
          else if (event.type === "final") {
            sample.finished = !event.interrupted;
            finish(event.interrupted ? "final event says interrupted" : undefined);
          } else if (event.type === "error") finish(`error event: ${event.code}: ${event.message}`);
        },
        onError(error) {
          finish(`subscription: ${String(error)}`);
        },
        onComplete() {
          finish("the stream ended without a final event");
        },
      },
    );
    unsubscribe = () => subscription.unsubscribe();
    if (done) unsubscribe();
  });
  return sample;
}
