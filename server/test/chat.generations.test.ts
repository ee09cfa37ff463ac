// Generations over real HTTP: send, stream, persist, titles, stop, failures (acceptance 1, 4–7).

import type { GenerationEvent, Message } from "@parley/shared";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  API_MODELS,
  answerRequests,
  type ChatServer,
  type Client,
  eventually,
  expectRisingIds,
  isTitleRequest,
  readStream,
  reasoningOf,
  startChatServer,
  TEST_CHAT_OPTIONS,
  textOf,
} from "./helpers/session.ts";

let server: ChatServer;
const logLines: Record<string, unknown>[] = [];
beforeAll(async () => {
  server = await startChatServer({ logLines });
});
afterAll(() => server.close());
beforeEach(() => server.mock.clear());

describe.each(API_MODELS)("a generation over the $api API", ({ model }) => {
  let client: Client;
  beforeAll(() => {
    client = server.newOwner();
  });

  async function newConversation(title?: string) {
    const { conversationId } = await client.conversations.create.mutate({ model });
    // A titled conversation asks for no title, so the mock sees only the answer's request.
    if (title) await client.conversations.update.mutate({ id: conversationId, title });
    return conversationId;
  }

  async function messageOf(conversationId: string, messageId: string): Promise<Message> {
    const conversation = await client.conversations.get.query({ id: conversationId });
    const message = conversation.messages.find((candidate) => candidate.id === messageId);
    if (!message) throw new Error(`message ${messageId} not found`);
    return message;
  }

  /** The saved message once its generation has ended. */
  function settled(conversationId: string, messageId: string) {
    return eventually(async () => {
      const message = await messageOf(conversationId, messageId);
      expect(message.generationId).toBeNull();
      return message;
    });
  }

  it("streams an answer whose final text is the persisted text, and titles the conversation", async () => {
    const conversationId = await newConversation();
    const sent = await client.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=20 delay=2]] Tell me about rivers",
    });
    expect(sent).toEqual({
      generationId: expect.any(String),
      assistantMessageId: expect.any(String),
      userMessageId: expect.any(String),
    });

    const { events, end } = await readStream(client, { generationId: sent.generationId });
    expect(end).toBe("complete");
    const types = events.map(({ event }) => event.type);
    expect(types[0]).toBe("started");
    expect(types.at(-1)).toBe("final");
    expect(answerRequests(server.mock)[0]?.tokensSent).toBe(20);
    expect(types.filter((type) => type === "title")).toHaveLength(1);
    expectRisingIds(sent.generationId, events);
    expect(events[0]?.event).toEqual({
      type: "started",
      generationId: sent.generationId,
      conversationId,
      messageId: sent.assistantMessageId,
      model,
      text: "",
    });

    const final = events.at(-1)?.event as Extract<GenerationEvent, { type: "final" }>;
    expect(final.text).toBe(textOf(events));
    expect(final.interrupted).toBe(false);
    expect(final.usage).toMatchObject({ outputTokens: 20, totalTokens: expect.any(Number) });

    const saved = await settled(conversationId, sent.assistantMessageId);
    expect(saved).toMatchObject({
      role: "assistant",
      parentId: sent.userMessageId,
      content: final.text,
      interrupted: false,
      error: null,
      model,
      usage: final.usage,
      generationId: null,
    });
    expect(saved.timeToFirstTokenMs).toEqual(expect.any(Number));

    const title = events.find(({ event }) => event.type === "title")?.event;
    const conversation = await client.conversations.get.query({ id: conversationId });
    expect(title).toEqual({ type: "title", title: conversation.title });
    expect(conversation.title).not.toBe("");
    expect(server.mock.requests.filter(isTitleRequest)).toHaveLength(1);
  });

  it("logs the request id, model, duration, time to first token and usage, never the text", async () => {
    const conversationId = await newConversation("Logs");
    const secret = "[[mock tokens=5]] my-secret-question";
    const sent = await client.messages.send.mutate({ conversationId, content: secret });
    const { events } = await readStream(client, { generationId: sent.generationId });
    const answer = textOf(events);
    const line = await eventually(() => {
      const found = logLines.find((candidate) => candidate.generationId === sent.generationId);
      expect(found).toBeDefined();
      return found;
    });
    const sendLine = logLines.find(
      (candidate) => candidate.reqId === line?.reqId && "req" in candidate,
    );
    expect(sendLine?.req).toMatchObject({ url: expect.stringContaining("messages.send") });
    expect(line).toMatchObject({
      msg: "generation ended",
      model,
      outcome: "finished",
      durationMs: expect.any(Number),
      timeToFirstTokenMs: expect.any(Number),
      usage: { outputTokens: 5 },
    });
    const everything = JSON.stringify(logLines);
    expect(everything).not.toContain("my-secret-question");
    expect(everything).not.toContain(answer.trim());
  });

  it("saves an answer cut at the token limit as truncated, and continuing it finishes it", async () => {
    const owner = server.newOwner();
    await owner.settings.update.mutate({ modelParameters: { [model]: { maxOutputTokens: 16 } } });
    const { conversationId } = await owner.conversations.create.mutate({ model });
    await owner.conversations.update.mutate({ id: conversationId, title: "Limits" });
    const sent = await owner.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=30 delay=1]] Go on for a while",
    });
    const cut = await readStream(owner, { generationId: sent.generationId });
    expect(cut.events.at(-1)?.event).toMatchObject({
      type: "final",
      interrupted: false,
      truncated: true,
    });
    const message = (await owner.conversations.get.query({ id: conversationId })).messages.find(
      (candidate) => candidate.id === sent.assistantMessageId,
    );
    expect(message).toMatchObject({ truncated: true, interrupted: false, error: null });
    const cutText = message?.content ?? "";

    // Without the limit, Continue lets the model finish: the same message, no longer truncated.
    await owner.settings.update.mutate({ modelParameters: {} });
    const continued = await owner.messages.send.mutate({
      conversationId,
      mode: "continue",
      messageId: sent.assistantMessageId,
    });
    const rest = await readStream(owner, { generationId: continued.generationId });
    const final = rest.events.at(-1)?.event;
    expect(final).toMatchObject({ type: "final", interrupted: false, truncated: false });
    const grown = (await owner.conversations.get.query({ id: conversationId })).messages.find(
      (candidate) => candidate.id === sent.assistantMessageId,
    );
    expect(grown).toMatchObject({ truncated: false, interrupted: false });
    expect(grown?.content.startsWith(cutText)).toBe(true);
    expect(grown?.content.length).toBeGreaterThan(cutText.length);
  });

  it("streams reasoning apart from the answer and stores it apart", async () => {
    const conversationId = await newConversation("Reasoning");
    const sent = await client.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=6 reasoning=4]] Think first",
    });
    const { events } = await readStream(client, { generationId: sent.generationId });
    // 4 reasoning and 6 answer tokens, the reasoning first.
    expect(answerRequests(server.mock)[0]?.tokensSent).toBe(10);
    expect(events.findIndex(({ event }) => event.type === "reasoning")).toBeLessThan(
      events.findIndex(({ event }) => event.type === "token"),
    );
    const saved = await settled(conversationId, sent.assistantMessageId);
    expect(saved.reasoning).toBe(reasoningOf(events));
    expect(saved.reasoning).not.toBe("");
    expect(saved.content).toBe(textOf(events));
    expect(saved.content).not.toContain(saved.reasoning);
  });

  it("falls back to the first words of the message when the title request fails", async () => {
    const conversationId = await newConversation();
    // The directive reaches the title request too, which fails before answering.
    const sent = await client.messages.send.mutate({
      conversationId,
      content: "[[mock fail=before]] Why do rivers bend so much",
    });
    const { events } = await readStream(client, { generationId: sent.generationId });
    expect(events.find(({ event }) => event.type === "title")?.event).toEqual({
      type: "title",
      title: "[[mock fail=before]] Why do rivers bend",
    });
    const conversation = await client.conversations.get.query({ id: conversationId });
    expect(conversation.title).toBe("[[mock fail=before]] Why do rivers bend");
  });

  it("finishes and saves the answer when every subscriber has gone", async () => {
    const conversationId = await newConversation("Nobody watching");
    const sent = await client.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=40 delay=3]] Keep going",
    });
    const first = await readStream(client, { generationId: sent.generationId }, { take: 3 });
    expect(first.end).toBe("cut");

    const saved = await settled(conversationId, sent.assistantMessageId);
    expect(saved.interrupted).toBe(false);
    const replay = await readStream(client, { generationId: sent.generationId });
    expect(replay.events.at(-1)?.event).toMatchObject({ type: "final", interrupted: false });
    expect(saved.content).toBe(textOf(replay.events));
    expect(answerRequests(server.mock)).toMatchObject([{ outcome: "completed", tokensSent: 40 }]);
  });

  it("checkpoints the answer while it streams", async () => {
    const conversationId = await newConversation("Checkpoints");
    const sent = await client.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=400 delay=5]] A long one",
    });
    let streamed = "";
    const reading = readStream(
      client,
      { generationId: sent.generationId },
      {
        onEvent: ({ event }) => {
          if (event.type === "token") streamed += event.text;
        },
      },
    );
    // The first checkpoint follows the first token; the next one a second later.
    const early = await eventually(async () => {
      const message = await messageOf(conversationId, sent.assistantMessageId);
      expect(message.content).not.toBe("");
      return message;
    });
    const earlyAt = performance.now();
    expect(early).toMatchObject({ interrupted: true, generationId: sent.generationId });
    const later = await eventually(async () => {
      const message = await messageOf(conversationId, sent.assistantMessageId);
      expect(message.content.length).toBeGreaterThan(early.content.length);
      return message;
    });
    // At most one write a second (less the time it took to see the first one).
    expect(performance.now() - earlyAt).toBeGreaterThan(700);
    expect(streamed.startsWith(later.content)).toBe(true);
    await client.generations.stop.mutate({ generationId: sent.generationId });
    await reading;
  });

  it("stops: aborts the upstream at once, keeps the partial answer, and ends every stream with final", async () => {
    const conversationId = await newConversation("Stop");
    const sent = await client.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=5000 delay=5]] Go on forever",
    });
    const watchers = [1, 2].map(() => readStream(client, { generationId: sent.generationId }));
    await eventually(() => expect(answerRequests(server.mock)[0]?.tokensSent).toBeGreaterThan(5));

    const stopAt = performance.now();
    expect(await client.generations.stop.mutate({ generationId: sent.generationId })).toEqual({
      stopped: true,
    });
    const [request] = answerRequests(server.mock);
    expect(request?.outcome).toBe("aborted");
    expect((request?.abortedAt ?? Number.POSITIVE_INFINITY) - stopAt).toBeLessThan(200);

    for (const { events, end } of await Promise.all(watchers)) {
      expect(end).toBe("complete");
      expect(events.at(-1)?.event).toEqual({
        type: "final",
        text: textOf(events),
        interrupted: true,
        truncated: false,
        usage: null,
      });
    }
    const saved = await messageOf(conversationId, sent.assistantMessageId);
    expect(saved).toMatchObject({ interrupted: true, error: null, generationId: null });
    const late = await readStream(client, { generationId: sent.generationId });
    expect(late.end).toBe("complete");
    expect(saved.content).toBe(textOf(late.events));
    expect(saved.content.length).toBeGreaterThan(0);
    expect(late.events.at(-1)?.event).toMatchObject({ type: "final", interrupted: true });

    // Stopping again is harmless.
    expect(await client.generations.stop.mutate({ generationId: sent.generationId })).toEqual({
      stopped: false,
    });
  });

  const failures = [
    {
      name: "an upstream 500 before streaming",
      directive: "fail=before status=500",
      code: "upstream",
      error: /answered 500: Mock upstream failure \(fail=before\)/,
      tokens: 0,
    },
    {
      name: "an upstream error after 5 tokens",
      directive: "fail=after:5",
      code: "upstream",
      error: /Mock upstream failure \(fail=after:5\)/,
      tokens: 5,
    },
    {
      name: "an upstream that hangs after 3 tokens",
      directive: "fail=hang-after:3",
      code: "timeout",
      error: /stopped responding/,
      tokens: 3,
    },
    {
      name: "an upstream that hangs before any event",
      directive: "fail=hang",
      code: "timeout",
      error: /stopped responding/,
      tokens: 0,
    },
    {
      name: "an upstream that returns no text",
      directive: "tokens=0",
      code: "empty",
      error: /^the model returned no output$/,
      tokens: 0,
    },
  ] as const;

  it.each(failures)("reports $name as one error event after one request", async (failure) => {
    const conversationId = await newConversation("Failures");
    const started = performance.now();
    const sent = await client.messages.send.mutate({
      conversationId,
      content: `[[mock ${failure.directive} delay=1]] Try`,
    });
    const { events, end } = await readStream(client, { generationId: sent.generationId });
    expect(end).toBe("complete");
    const errors = events.filter(({ event }) => event.type === "error");
    expect(errors).toHaveLength(1);
    const error = events.at(-1)?.event;
    expect(error).toMatchObject({ type: "error", code: failure.code });
    expect(events.some(({ event }) => event.type === "final")).toBe(false);
    expect(answerRequests(server.mock)[0]?.tokensSent).toBe(failure.tokens);
    if (failure.code === "timeout") {
      expect(performance.now() - started).toBeGreaterThanOrEqual(
        TEST_CHAT_OPTIONS.idleTimeoutMs ?? 0,
      );
    }

    const requests = answerRequests(server.mock);
    expect(requests).toHaveLength(1);
    if (failure.code === "timeout") expect(requests[0]?.outcome).toBe("aborted");

    const saved = await messageOf(conversationId, sent.assistantMessageId);
    expect(saved.error).toMatch(failure.error);
    expect(error).toMatchObject({ message: saved.error });
    expect(saved).toMatchObject({ interrupted: true, content: textOf(events), generationId: null });

    // Nothing retries behind the user's back.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answerRequests(server.mock)).toHaveLength(1);
  });
});
