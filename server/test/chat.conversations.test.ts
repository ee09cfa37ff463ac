// Conversations, settings, limits and owner isolation (acceptance 8), on every test database,
// with a smoke run of a generation on each.

import { DEFAULT_SETTINGS, USAGE_LIMITS } from "@parley/shared";
import type { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseKinds } from "./helpers/database.ts";
import { codeOf } from "./helpers/errors.ts";
import {
  answerRequests,
  type ChatServer,
  type Client,
  eventually,
  readStream,
  startChatServer,
  textOf,
} from "./helpers/session.ts";

/** A send that starts the conversation `conversationId` with `content`. */
function startWith(
  client: Client,
  conversationId: string,
  content = "Hi",
  newConversation: { model?: string; systemPrompt?: string } = {},
) {
  return client.messages.send.mutate({ conversationId, newConversation, content });
}

async function messageOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return (error as Error).message;
  }
}

describe.each(testDatabaseKinds())("conversations on %s", (database) => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer({
      database,
      chat: {
        limits: { ...USAGE_LIMITS, conversationsPerOwner: 8, messagesPerConversation: 4 },
        logTtlMs: 1_500,
      },
      env: { GUEST_MESSAGE_LIMIT: "5" },
    });
  });
  afterAll(() => server.close());

  it("runs a generation to its saved final text, and stops one", async () => {
    const client = server.newOwner();
    const { conversationId } = await client.conversations.create.mutate({});
    const sent = await client.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=8]] Hello there",
    });
    const { events } = await readStream(client, { generationId: sent.generationId });
    expect(events.at(-1)?.event).toMatchObject({ type: "final", interrupted: false });
    const conversation = await client.conversations.get.query({ id: conversationId });
    expect(conversation.title).not.toBe("");
    expect(conversation.messages.find(({ id }) => id === sent.assistantMessageId)).toMatchObject({
      content: textOf(events),
      interrupted: false,
    });

    const slow = await client.messages.send.mutate({
      conversationId,
      parentId: sent.assistantMessageId,
      content: "[[mock tokens=3000 delay=5]] Slowly",
    });
    await readStream(client, { generationId: slow.generationId }, { take: 4 });
    await client.generations.stop.mutate({ generationId: slow.generationId });
    const stopped = await client.conversations.get.query({ id: conversationId });
    expect(stopped.messages.find(({ id }) => id === slow.assistantMessageId)).toMatchObject({
      interrupted: true,
      generationId: null,
    });
  });

  it("forgets a finished generation's events after a while; the message stays", async () => {
    const client = server.newOwner();
    const { conversationId } = await client.conversations.create.mutate({});
    const sent = await client.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=3]] Short",
    });
    const { events } = await readStream(client, { generationId: sent.generationId });
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const expired = await readStream(client, { generationId: sent.generationId });
    expect((expired.error as TRPCClientError<never>).data).toMatchObject({ code: "NOT_FOUND" });
    const conversation = await client.conversations.get.query({ id: conversationId });
    expect(conversation.messages.at(-1)).toMatchObject({
      id: sent.assistantMessageId,
      content: textOf(events),
    });
  });

  it("keeps conversations and generations away from other owners: NOT_FOUND", async () => {
    const alice = server.newOwner();
    const mallory = server.newOwner();
    const { conversationId } = await alice.conversations.create.mutate({});
    const first = await alice.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=4]] Private",
    });
    await readStream(alice, { generationId: first.generationId });
    const running = await alice.messages.send.mutate({
      conversationId,
      parentId: first.assistantMessageId,
      content: "[[mock tokens=2000 delay=5]] Still private",
    });
    const messageId = first.userMessageId ?? "";

    expect(await codeOf(mallory.conversations.get.query({ id: conversationId }))).toBe("NOT_FOUND");
    expect(
      await codeOf(mallory.conversations.update.mutate({ id: conversationId, title: "mine" })),
    ).toBe("NOT_FOUND");
    expect(await codeOf(mallory.conversations.delete.mutate({ id: conversationId }))).toBe(
      "NOT_FOUND",
    );
    expect(await codeOf(mallory.messages.send.mutate({ conversationId, content: "hi" }))).toBe(
      "NOT_FOUND",
    );
    expect(
      await codeOf(mallory.messages.send.mutate({ conversationId, mode: "retry", messageId })),
    ).toBe("NOT_FOUND");
    expect(await codeOf(mallory.messages.delete.mutate({ conversationId, messageId }))).toBe(
      "NOT_FOUND",
    );
    expect(await codeOf(mallory.messages.prompt.query({ conversationId, messageId }))).toBe(
      "NOT_FOUND",
    );
    expect(
      await codeOf(mallory.generations.stop.mutate({ generationId: running.generationId })),
    ).toBe("NOT_FOUND");
    for (const generationId of [running.generationId, first.generationId, "no-such-generation"]) {
      const stream = await readStream(mallory, { generationId });
      expect(stream.end).toBe("error");
      expect(stream.events).toEqual([]);
      expect((stream.error as TRPCClientError<never>).data).toMatchObject({ code: "NOT_FOUND" });
    }
    expect((await mallory.conversations.list.query()).items).toEqual([]);
    await mallory.conversations.deleteAll.mutate();

    // Alice's conversation and running answer are untouched.
    await alice.generations.stop.mutate({ generationId: running.generationId });
    const conversation = await alice.conversations.get.query({ id: conversationId });
    expect(conversation.messages).toHaveLength(4);
    expect(answerRequests(server.mock).find((r) => r.outcome === "aborted")).toBeDefined();
  });

  it("streams the caller's running generations as they start and end", async () => {
    const alice = server.newOwner();
    const bob = server.newOwner();
    const seen: string[][] = [];
    const bobSeen: string[][] = [];
    const watch = (client: Client, into: string[][]) =>
      client.generations.active.subscribe(undefined, {
        onData: ({ generations }) => into.push(generations.map((g) => g.generationId)),
      });
    const aliceWatch = watch(alice, seen);
    const bobWatch = watch(bob, bobSeen);
    await eventually(() => expect(seen).toEqual([[]]));

    const { conversationId } = await alice.conversations.create.mutate({});
    const sent = await alice.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=400 delay=5]] Long",
    });
    await eventually(() => expect(seen.at(-1)).toEqual([sent.generationId]));
    await alice.generations.stop.mutate({ generationId: sent.generationId });
    await eventually(() => expect(seen.at(-1)).toEqual([]));
    aliceWatch.unsubscribe();
    bobWatch.unsubscribe();
    expect(bobSeen.flat()).toEqual([]);
  });

  it("lists conversations newest first, a page at a time, stable under inserts", async () => {
    const client = server.newOwner();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const { conversationId } = await client.conversations.create.mutate({});
      await client.conversations.update.mutate({ id: conversationId, title: `Topic ${i}` });
      ids.push(conversationId);
    }
    const newestFirst = [...ids].reverse();
    const page1 = await client.conversations.list.query({ limit: 2 });
    expect(page1.items.map(({ id }) => id)).toEqual(newestFirst.slice(0, 2));
    expect(page1.nextCursor).toEqual(expect.any(String));

    // A conversation started meanwhile goes to the top, not into the next pages.
    const { conversationId: newer } = await client.conversations.create.mutate({});
    const page2 = await client.conversations.list.query({
      limit: 2,
      cursor: page1.nextCursor ?? "",
    });
    const page3 = await client.conversations.list.query({
      limit: 2,
      cursor: page2.nextCursor ?? "",
    });
    expect([...page2.items, ...page3.items].map(({ id }) => id)).toEqual(newestFirst.slice(2));
    expect(page3.nextCursor).toBeNull();
    expect((await client.conversations.list.query()).items[0]?.id).toBe(newer);

    expect(await codeOf(client.conversations.list.query({ cursor: "nonsense" }))).toBe(
      "BAD_REQUEST",
    );

    // Search looks in titles and in messages, all words, any case.
    const found = await client.conversations.list.query({ search: "topic 3" });
    expect(found.items.map(({ id }) => id)).toEqual([ids[3]]);
    // Full text: punctuation separates words, as in the text; a lone % matches nothing.
    // (More in chat.search.test.ts.)
    const underscored = await client.conversations.list.query({ search: "topic_3" });
    expect(underscored.items.map(({ id }) => id)).toEqual([ids[3]]);
    expect((await client.conversations.list.query({ search: "%" })).items).toEqual([]);
    const sent = await client.messages.send.mutate({
      conversationId: ids[0] ?? "",
      content: "[[mock tokens=2]] Where do Zebras sleep",
    });
    await readStream(client, { generationId: sent.generationId });
    const bySearch = await client.conversations.list.query({ search: "zebras SLEEP" });
    expect(bySearch.items.map(({ id }) => id)).toEqual([ids[0]]);
    // Activity brings a conversation back to the top.
    expect((await client.conversations.list.query({ limit: 1 })).items[0]?.id).toBe(ids[0]);
  });

  it("updates and deletes conversations", async () => {
    const client = server.newOwner();
    const { conversationId } = await client.conversations.create.mutate({
      model: "parley-demo",
      systemPrompt: "Be brief.",
    });
    const updated = await client.conversations.update.mutate({
      id: conversationId,
      title: "Renamed",
      model: "parley-demo-responses",
      systemPrompt: "Be kind.",
    });
    expect(updated).toMatchObject({
      id: conversationId,
      title: "Renamed",
      model: "parley-demo-responses",
      systemPrompt: "Be kind.",
    });
    expect(
      await codeOf(client.conversations.update.mutate({ id: conversationId, model: "gpt-9" })),
    ).toBe("BAD_REQUEST");
    expect(await codeOf(client.conversations.create.mutate({ model: "gpt-9" }))).toBe(
      "BAD_REQUEST",
    );

    const { conversationId: other } = await client.conversations.create.mutate({});
    expect(await client.conversations.delete.mutate({ id: conversationId })).toEqual({
      deleted: 1,
    });
    expect(await codeOf(client.conversations.get.query({ id: conversationId }))).toBe("NOT_FOUND");
    const running = await client.messages.send.mutate({
      conversationId: other,
      content: "[[mock tokens=2000 delay=5]] Slow",
    });
    expect(await client.conversations.deleteAll.mutate()).toEqual({ deleted: 1 });
    // Deleting stopped the running answer first.
    const stream = await readStream(client, { generationId: running.generationId });
    expect(stream.events.at(-1)?.event).toMatchObject({ type: "final", interrupted: true });
    expect((await client.conversations.list.query()).items).toEqual([]);
  });

  it("refuses what goes over the limits, saying which", async () => {
    const client = server.newOwner();
    const { conversationId } = await client.conversations.create.mutate({});
    const tooLong = "x".repeat(USAGE_LIMITS.messageChars + 1);
    expect(await codeOf(client.messages.send.mutate({ conversationId, content: tooLong }))).toBe(
      "BAD_REQUEST",
    );

    // Four messages per conversation here: two exchanges, then no more.
    const first = await client.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=2]] a",
    });
    await readStream(client, { generationId: first.generationId });
    const second = await client.messages.send.mutate({
      conversationId,
      parentId: first.assistantMessageId,
      content: "[[mock tokens=2]] b",
    });
    await readStream(client, { generationId: second.generationId });
    const third = client.messages.send.mutate({
      conversationId,
      parentId: second.assistantMessageId,
      content: "c",
    });
    expect(await messageOf(third)).toBe(
      "This conversation has reached the limit of 4 messages; start a new conversation.",
    );
    expect(await codeOf(third)).toBe("FORBIDDEN");

    // Eight conversations per owner here.
    for (let i = 1; i < 8; i += 1) await client.conversations.create.mutate({});
    expect(await messageOf(client.conversations.create.mutate({}))).toBe(
      "You have reached the limit of 8 conversations; delete some to start new ones.",
    );
  });

  it("counts a guest's messages, and a refused send leaves nothing behind", async () => {
    const client = server.newOwner();
    // GUEST_MESSAGE_LIMIT=5 on this server.
    for (let i = 0; i < 5; i += 1) {
      const { conversationId } = await client.conversations.create.mutate({});
      const sent = await client.messages.send.mutate({
        conversationId,
        content: "[[mock tokens=2]] hi",
      });
      await readStream(client, { generationId: sent.generationId });
    }
    const { conversationId } = await client.conversations.create.mutate({});
    expect(await codeOf(client.messages.send.mutate({ conversationId, content: "one more" }))).toBe(
      "FORBIDDEN",
    );
    expect((await client.conversations.get.query({ id: conversationId })).messages).toEqual([]);
    // An invalid send is refused before it counts.
    expect(
      await codeOf(client.messages.send.mutate({ conversationId, mode: "retry", messageId: "x" })),
    ).toBe("NOT_FOUND");
  });

  it("starts a conversation with its first message in one send; a refused one leaves nothing", async () => {
    const client = server.newOwner();
    await client.settings.update.mutate({
      defaultModel: "parley-demo-responses",
      systemPrompt: "Answer in French.",
    });
    const conversationId = crypto.randomUUID();
    const sent = await client.messages.send.mutate({
      conversationId,
      newConversation: {},
      content: "[[mock tokens=3]] Hi",
      tools: [],
    });
    const { events } = await readStream(client, { generationId: sent.generationId });
    expect(events.at(-1)?.event).toMatchObject({ type: "final", interrupted: false });
    // The owner's defaults, titled like any first message, first in the list.
    const conversation = await client.conversations.get.query({ id: conversationId });
    expect(conversation).toMatchObject({
      model: "parley-demo-responses",
      systemPrompt: "Answer in French.",
      tools: [],
    });
    expect(conversation.messages.map(({ role, id }) => [role, id])).toEqual([
      ["user", sent.userMessageId],
      ["assistant", sent.assistantMessageId],
    ]);
    await eventually(async () =>
      expect((await client.conversations.get.query({ id: conversationId })).title).not.toBe(""),
    );
    expect((await client.conversations.list.query({})).items[0]?.id).toBe(conversationId);

    // Another model and prompt when asked; an unknown model, an id taken (even by someone
    // else's conversation), or no room: refused, nothing written.
    const asked = crypto.randomUUID();
    const other = await startWith(client, asked, "[[mock tokens=2]] Hi", {
      model: "parley-demo",
      systemPrompt: "Be brief.",
    });
    await readStream(client, { generationId: other.generationId });
    expect(await client.conversations.get.query({ id: asked })).toMatchObject({
      model: "parley-demo",
      systemPrompt: "Be brief.",
    });
    const count = async () => (await client.conversations.list.query({})).items.length;
    expect(await count()).toBe(2);
    const refused = crypto.randomUUID();
    expect(await messageOf(startWith(client, refused, "Hi", { model: "nope" }))).toBe(
      'Unknown model "nope".',
    );
    expect(await codeOf(startWith(client, asked))).toBe("CONFLICT");
    expect(await codeOf(startWith(server.newOwner(), asked))).toBe("CONFLICT");
    // Eight conversations per owner here.
    for (let i = await count(); i < 8; i += 1) await client.conversations.create.mutate({});
    expect(await messageOf(startWith(client, refused))).toBe(
      "You have reached the limit of 8 conversations; delete some to start new ones.",
    );
    expect(await codeOf(client.conversations.get.query({ id: refused }))).toBe("NOT_FOUND");

    // Only mode "new", without a parent, under an id a client may choose.
    for (const input of [
      { conversationId: refused, newConversation: {}, mode: "retry" as const, messageId: "x" },
      { conversationId: refused, newConversation: {}, content: "Hi", parentId: "x" },
      { conversationId: "short", newConversation: {}, content: "Hi" },
    ]) {
      expect(await codeOf(client.messages.send.mutate(input))).toBe("BAD_REQUEST");
    }
  });

  it("a new visitor whose first message is refused gets no guest: no row, no cookie", async () => {
    const users = () => server.database.db.user.count();
    const before = await users();
    const { client, jar } = server.newSession();
    const refused = crypto.randomUUID();
    expect(await messageOf(startWith(client, refused, "Hi", { model: "nope" }))).toBe(
      'Unknown model "nope".',
    );
    expect(jar.cookies.size).toBe(0);
    expect(await users()).toBe(before);
    // Accepted, the same visitor is one guest, made with the message, whose session streams it.
    const sent = await startWith(client, refused, "[[mock tokens=2]] Hi");
    expect(jar.cookies.size).toBe(1);
    expect(await users()).toBe(before + 1);
    const { events } = await readStream(client, { generationId: sent.generationId });
    expect(events.at(-1)?.event).toMatchObject({ type: "final", interrupted: false });
  });

  it("a guest's first message with its conversation counts; past the allowance nothing is made", async () => {
    const client = server.newOwner();
    // GUEST_MESSAGE_LIMIT=5 on this server.
    for (let i = 0; i < 5; i += 1) {
      const sent = await startWith(client, crypto.randomUUID(), "[[mock tokens=2]] hi");
      await readStream(client, { generationId: sent.generationId });
    }
    const refused = crypto.randomUUID();
    expect(await codeOf(startWith(client, refused))).toBe("FORBIDDEN");
    expect(await codeOf(client.conversations.get.query({ id: refused }))).toBe("NOT_FOUND");
    expect((await client.conversations.list.query({})).items).toHaveLength(5);
  });

  it("keeps settings per owner, with partial updates and unknown keys refused", async () => {
    const alice = server.newOwner();
    const bob = server.newOwner();
    expect(await alice.settings.get.query()).toEqual(DEFAULT_SETTINGS);

    const updated = await alice.settings.update.mutate({ theme: "dark", sendKey: "mod-enter" });
    expect(updated).toEqual({ ...DEFAULT_SETTINGS, theme: "dark", sendKey: "mod-enter" });
    const again = await alice.settings.update.mutate({ streamingSmoothing: false });
    expect(again).toEqual({ ...updated, streamingSmoothing: false });
    expect(await alice.settings.get.query()).toEqual(again);
    expect(await bob.settings.get.query()).toEqual(DEFAULT_SETTINGS);

    const bad = [
      { colour: "red" },
      { theme: "purple" },
      { modelParameters: { "parley-demo": { temperature: 9 } } },
      { modelParameters: { "parley-demo": { seed: 1 } } },
      { defaultModel: "gpt-9" },
    ];
    for (const input of bad) {
      expect(await codeOf(alice.settings.update.mutate(input as never))).toBe("BAD_REQUEST");
    }
    expect(await alice.settings.get.query()).toEqual(again);
  });

  it("uses the owner's default model, system prompt and parameter overrides", async () => {
    const client = server.newOwner();
    await client.settings.update.mutate({
      defaultModel: "parley-demo-responses",
      systemPrompt: "Answer in French.",
      modelParameters: { "parley-demo-responses": { temperature: 0.2, maxOutputTokens: 64 } },
    });
    const { conversationId } = await client.conversations.create.mutate({});
    const conversation = await client.conversations.get.query({ id: conversationId });
    expect(conversation).toMatchObject({
      model: "parley-demo-responses",
      systemPrompt: "Answer in French.",
    });
    server.mock.clear();
    const sent = await client.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=3]] Hi",
    });
    await readStream(client, { generationId: sent.generationId });
    const [request] = answerRequests(server.mock);
    expect(request?.body).toMatchObject({
      model: "parley-demo-responses",
      instructions: "Answer in French.",
      temperature: 0.2,
      max_output_tokens: 64,
    });
    const prompt = await client.messages.prompt.query({
      conversationId,
      messageId: sent.assistantMessageId,
    });
    expect(prompt.parameters).toEqual({ temperature: 0.2, maxOutputTokens: 64 });
    expect(prompt.prompt?.request).toEqual(request?.body);
  });
});
