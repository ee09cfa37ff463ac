// Ask Parley one question and stream the answer to stdout as it is written.
//
//   export PARLEY_TOKEN=parley_…          # a personal API token (README, "Scripting")
//   export PARLEY_URL=http://localhost:3000   # the default
//   npx -y pnpm@10 tsx scripts/ask.ts "Why is the sky blue?" [--model parley-demo]
//
// Sends the question in a new conversation (one request starts both) and prints the answer's
// tokens as they arrive, then a newline. It subscribes to the answer by the id it gives it,
// while the send is still on its way, so the first token is not held up by a round trip. Exit
// codes: 0 answered; 1 the answer or a request failed (reason on stderr); 2 bad arguments; 130
// Ctrl+C (143 SIGTERM), which first stops the generation on the server: the partial answer
// stays in the conversation, marked interrupted.

import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import type { ParleyClient } from "@parley/server/client";
import { clientFromEnv, run, ScriptError, usage } from "./lib.ts";

const USAGE = 'ask.ts "question" [--model id]';
/** How long the stream may stay disconnected (it resumes where it left off) before we give up. */
const RECONNECT_GRACE_MS = 15_000;
/** How long to wait for the stopped answer's last event after Ctrl+C. */
const STOP_GRACE_MS = 5_000;

run(async () => {
  const { values, positionals } = parseArgs({
    options: { model: { type: "string" } },
    allowPositionals: true,
  });
  const question = positionals.join(" ").trim();
  if (!question) usage(USAGE, "no question given");

  const stop = stopRequested();
  const client = clientFromEnv();
  const assistantMessageId = randomUUID();
  const answer = followAnswer(client, assistantMessageId);
  let generationId: string;
  try {
    ({ generationId } = await client.messages.send.mutate({
      conversationId: randomUUID(),
      newConversation: values.model ? { model: values.model } : {},
      content: question,
      assistantMessageId,
    }));
  } catch (error) {
    answer.close();
    throw error;
  }

  const first = await Promise.race([answer.final, stop.promise]);
  if ("stopWith" in first) {
    // The server keeps generating without us: only generations.stop ends it.
    await client.generations.stop.mutate({ generationId });
    // The stop ends the stream with `final`; print what arrived meanwhile, so stdout holds
    // exactly the partial answer the server kept.
    await Promise.race([answer.final.catch(() => undefined), sleep(STOP_GRACE_MS)]);
    answer.close();
    process.stdout.write("\n");
    process.stderr.write("Stopped: the partial answer is kept, marked interrupted.\n");
    return first.stopWith;
  }
  process.stdout.write("\n");
  if (first.interrupted) throw new ScriptError("the answer was stopped before it finished");
  return 0;
});

/** Streams the text of the answer `messageId` to stdout; `final` settles with its last event. */
function followAnswer(client: ParleyClient, messageId: string) {
  let settle: { resolve(end: { interrupted: boolean }): void; reject(error: unknown): void };
  const final = new Promise<{ interrupted: boolean }>((resolve, reject) => {
    settle = { resolve, reject };
  });
  let disconnected: NodeJS.Timeout | undefined;
  const subscription = client.generations.stream.subscribe(
    { messageId },
    {
      onData({ data: event }) {
        if (event.type === "started" || event.type === "token") process.stdout.write(event.text);
        if (event.type === "final") settle.resolve(event);
        if (event.type === "error") {
          settle.reject(new ScriptError(`the answer failed (${event.code}): ${event.message}`));
        }
      },
      onError: (error) => settle.reject(error),
      onComplete: () =>
        settle.reject(new ScriptError("the stream ended before the answer was complete")),
      // A dropped connection resumes after the last event id; only a long outage is an error.
      onConnectionStateChange(state) {
        if (state.state === "pending") {
          clearTimeout(disconnected);
          disconnected = undefined;
        }
        if (state.state === "connecting" && state.error && !disconnected) {
          disconnected = setTimeout(() => {
            settle.reject(
              new ScriptError(`lost the connection to Parley: ${state.error?.message}`),
            );
          }, RECONNECT_GRACE_MS);
        }
      },
    },
  );
  const close = () => {
    clearTimeout(disconnected);
    subscription.unsubscribe();
  };
  final.then(close, close);
  return { final, close };
}

/**
 * Ctrl+C (SIGINT) or SIGTERM as a promise of the exit code to end with. Wrappers forward the
 * signal again (`npx` sends SIGTERM right after the Ctrl+C), so any signal within a second of
 * the first is that same request; one later quits at once.
 */
function stopRequested() {
  const state = { code: 0, promise: undefined as unknown as Promise<{ stopWith: number }> };
  state.promise = new Promise((resolve) => {
    let firstAt = 0;
    const onSignal = (code: number) => {
      if (!state.code) {
        state.code = code;
        firstAt = performance.now();
        resolve({ stopWith: code });
      } else if (performance.now() - firstAt > 1_000) {
        process.exit(state.code);
      }
    };
    process.on("SIGINT", () => onSignal(130));
    process.on("SIGTERM", () => onSignal(143));
  });
  return state;
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
