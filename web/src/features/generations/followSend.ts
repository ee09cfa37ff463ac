import type { SendMessageInput, SendMessageOutput } from "@parley/shared";
import type { GenerationStore } from "./store.ts";

/**
 * `messages.send` (through `send`), with its answer followed from before the send returns: the
 * stream, opened by the answer's id (`messageId`: the one chosen for a new answer, or the
 * continued message's), waits on the server for the generation to begin, so the first words
 * show without another round trip. Rejects as the send does (the answer is then dropped).
 */
export async function followSend(
  store: GenerationStore,
  send: (input: SendMessageInput) => Promise<SendMessageOutput>,
  input: SendMessageInput,
  answer: { messageId: string; baseText?: string },
): Promise<SendMessageOutput> {
  const continues = input.mode === "continue";
  const sent = send(continues ? input : { ...input, assistantMessageId: answer.messageId });
  const release = store.start(
    {
      messageId: answer.messageId,
      conversationId: input.conversationId,
      baseText: answer.baseText ?? "",
      continues,
    },
    sent,
  );
  try {
    return await sent;
  } finally {
    release();
  }
}

/**
 * A new conversation's first message (`messages.send` with `newConversation`), then its answer
 * followed: the stream opens once the send has returned, because a visitor's first send is
 * what makes its session, and a stream opened before would have none. Rejects as the send does.
 */
export async function startAndFollow(
  store: GenerationStore,
  send: (input: SendMessageInput) => Promise<SendMessageOutput>,
  input: SendMessageInput,
  answer: { messageId: string },
): Promise<SendMessageOutput> {
  const result = await send({ ...input, assistantMessageId: answer.messageId });
  const release = store.start(
    {
      messageId: answer.messageId,
      conversationId: input.conversationId,
      baseText: "",
      continues: false,
    },
    Promise.resolve(result),
  );
  release();
  return result;
}
