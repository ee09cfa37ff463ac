// The message tree: new, retry, edit, continue and delete, and the exact prompt each sends
// upstream (acceptance 2, on both APIs).

import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  API_MODELS,
  answerRequests,
  type ChatServer,
  type Client,
  eventually,
  promptOf,
  readStream,
  type SendInput,
  sendAndAnswer,
  startChatServer,
  textOf,
} from "./helpers/session.ts";

let server: ChatServer;
beforeAll(async () => {
  server = await startChatServer();
});
afterAll(() => server.close());
beforeEach(() => server.mock.clear());

const SYSTEM = "You are terse.";

describe.each(API_MODELS)("the message tree over the $api API", ({ model }) => {
  let client: Client;
  beforeAll(() => {
    client = server.newOwner();
  });

  async function newConversation() {
    const { conversationId } = await client.conversations.create.mutate({
      model,
      systemPrompt: SYSTEM,
    });
    await client.conversations.update.mutate({ id: conversationId, title: "Tree" });
    return conversationId;
  }

  /** Sends, waits for the answer, and returns it with the prompt the mock received. */
  async function send(input: SendInput) {
    const sent = await sendAndAnswer(server, client, input);
    return { ...sent, text: textOf(sent.events), prompt: promptOf(sent.request) };
  }

  async function tree(conversationId: string) {
    const conversation = await client.conversations.get.query({ id: conversationId });
    return conversation.messages.map(({ id, parentId, role, content }) => ({
      id,
      parentId,
      role,
      content,
    }));
  }

  it("builds exactly the expected tree, sending exactly the root→parent path each time", async () => {
    const conversationId = await newConversation();
    const system = { role: "system", content: SYSTEM };

    const q1 = "[[mock tokens=4]] First question";
    const first = await send({ conversationId, content: q1 });
    expect(first.prompt).toEqual([system, { role: "user", content: q1 }]);

    const q2 = "[[mock tokens=5]] Second question";
    const second = await send({ conversationId, parentId: first.assistantMessageId, content: q2 });
    expect(second.prompt).toEqual([
      system,
      { role: "user", content: q1 },
      { role: "assistant", content: first.text },
      { role: "user", content: q2 },
    ]);

    // retry: another answer to the same question, from the answer's id or the question's.
    const retried = await send({
      conversationId,
      mode: "retry",
      messageId: second.assistantMessageId,
    });
    expect(retried.userMessageId).toBeUndefined();
    expect(retried.prompt).toEqual(second.prompt);
    const retriedAgain = await send({
      conversationId,
      mode: "retry",
      messageId: second.userMessageId,
    });
    expect(retriedAgain.prompt).toEqual(second.prompt);

    // edit: a sibling question with its own answer.
    const q2b = "[[mock tokens=6]] Second question, better";
    const edited = await send({
      conversationId,
      mode: "edit",
      messageId: second.userMessageId,
      content: q2b,
    });
    expect(edited.prompt).toEqual([...second.prompt.slice(0, -1), { role: "user", content: q2b }]);

    // continue: the same answer grows; the model sees it as the last message.
    const continued = await send({
      conversationId,
      mode: "continue",
      messageId: edited.assistantMessageId,
    });
    expect(continued.assistantMessageId).toBe(edited.assistantMessageId);
    expect(continued.userMessageId).toBeUndefined();
    expect(continued.prompt).toEqual([
      ...edited.prompt,
      { role: "assistant", content: edited.text },
    ]);
    expect(continued.events[0]?.event).toMatchObject({ type: "started", text: edited.text });
    expect(continued.text.startsWith(edited.text)).toBe(true);
    expect(continued.text.length).toBeGreaterThan(edited.text.length);

    const u = (id: string | undefined, parentId: string | null, content: string) => ({
      id,
      parentId,
      role: "user",
      content,
    });
    const a = (id: string, parentId: string | undefined, content: string) => ({
      id,
      parentId,
      role: "assistant",
      content,
    });
    expect(await tree(conversationId)).toEqual([
      u(first.userMessageId, null, q1),
      a(first.assistantMessageId, first.userMessageId, first.text),
      u(second.userMessageId, first.assistantMessageId, q2),
      a(second.assistantMessageId, second.userMessageId, second.text),
      a(retried.assistantMessageId, second.userMessageId, retried.text),
      a(retriedAgain.assistantMessageId, second.userMessageId, retriedAgain.text),
      u(edited.userMessageId, first.assistantMessageId, q2b),
      a(edited.assistantMessageId, edited.userMessageId, continued.text),
    ]);

    // The recorded prompt is exactly what the upstream received.
    const recorded = await client.messages.prompt.query({
      conversationId,
      messageId: continued.assistantMessageId,
    });
    expect(recorded).toEqual({
      prompt: { api: continued.request.api, request: continued.request.body },
      model,
      parameters: {},
      toolRounds: [],
    });

    // delete: the question and everything under it.
    expect(
      await client.messages.delete.mutate({
        conversationId,
        messageId: second.userMessageId ?? "",
      }),
    ).toEqual({ deleted: 4 });
    expect(await tree(conversationId)).toEqual([
      u(first.userMessageId, null, q1),
      a(first.assistantMessageId, first.userMessageId, first.text),
      u(edited.userMessageId, first.assistantMessageId, q2b),
      a(edited.assistantMessageId, edited.userMessageId, continued.text),
    ]);

    // A second root message starts another branch at the root.
    const root = await send({ conversationId, content: "[[mock tokens=2]] Start over" });
    expect(root.prompt).toEqual([
      system,
      { role: "user", content: "[[mock tokens=2]] Start over" },
    ]);
  });

  it("refuses sends that do not fit the tree", async () => {
    const conversationId = await newConversation();
    const first = await send({ conversationId, content: "[[mock tokens=3]] Hello" });
    const second = await send({
      conversationId,
      parentId: first.assistantMessageId,
      content: "[[mock tokens=3]] Again",
    });
    const refusal = (input: SendInput) =>
      client.messages.send.mutate(input).then(
        () => undefined,
        (error: unknown) => {
          expect(error).toBeInstanceOf(TRPCClientError);
          const { data, message } = error as TRPCClientError<never>;
          return { code: (data as unknown as { code: string }).code, message };
        },
      );

    expect(
      await refusal({ conversationId, mode: "continue", messageId: first.assistantMessageId }),
    ).toEqual({
      code: "BAD_REQUEST",
      message: "Only the last answer of a branch can be continued.",
    });
    expect(
      await refusal({
        conversationId,
        mode: "edit",
        messageId: first.assistantMessageId,
        content: "x",
      }),
    ).toMatchObject({ code: "BAD_REQUEST" });
    expect(
      await refusal({ conversationId, parentId: first.userMessageId, content: "x" }),
    ).toMatchObject({ code: "BAD_REQUEST" });
    expect(await refusal({ conversationId, mode: "retry", messageId: "nope" })).toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await refusal({ conversationId, content: "   " })).toMatchObject({
      code: "BAD_REQUEST",
    });
    expect(
      await refusal({
        conversationId,
        mode: "retry",
        messageId: second.userMessageId,
        content: "x",
      }),
    ).toMatchObject({ code: "BAD_REQUEST" });

    // While an answer is being written, nothing may build on it.
    const slow = await client.messages.send.mutate({
      conversationId,
      parentId: second.assistantMessageId,
      content: "[[mock tokens=2000 delay=5]] Slowly",
    });
    expect(
      await refusal({ conversationId, parentId: slow.assistantMessageId, content: "x" }),
    ).toEqual({
      code: "CONFLICT",
      message: "An answer on this branch is still being written; wait for it or stop it.",
    });
    expect(
      await refusal({ conversationId, mode: "continue", messageId: slow.assistantMessageId }),
    ).toMatchObject({ code: "CONFLICT" });

    // Deleting it stops it first.
    await client.messages.delete.mutate({ conversationId, messageId: slow.userMessageId ?? "" });
    await eventually(() => expect(answerRequests(server.mock).at(-1)?.outcome).toBe("aborted"));
    const { events } = await readStream(client, { generationId: slow.generationId });
    expect(events.at(-1)?.event).toMatchObject({ type: "final", interrupted: true });
    expect((await tree(conversationId)).map(({ id }) => id)).toEqual([
      first.userMessageId,
      first.assistantMessageId,
      second.userMessageId,
      second.assistantMessageId,
    ]);
  });
});
