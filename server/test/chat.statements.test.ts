// What a send costs the database, counted statement by statement (BEGIN and COMMIT included):
// the budget of issue 11 is one read and one write before the answer's first token, and nothing
// at all to open the answer's stream.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseKinds } from "./helpers/database.ts";
import { CookieJar, createClient } from "./helpers/server.ts";
import { type ChatServer, type Client, readStream, startChatServer } from "./helpers/session.ts";

/** Statements before the first token of an answer: one read, one write. */
const SEND_BUDGET = 2;
/**
 * A new visitor's first conversation: the guest (user and session), then the conversation; no
 * settings are read for an owner made by the same request.
 */
const NEW_GUEST_CONVERSATION_BUDGET = 2;
/**
 * A new visitor's first message with its conversation (messages.send with newConversation): the
 * send's write, which makes the guest too; nothing read.
 */
const NEW_GUEST_FIRST_SEND_BUDGET = 1;

describe.each(testDatabaseKinds())("the statements of a send on %s", (database) => {
  let server: ChatServer;
  const statements: string[] = [];

  beforeAll(async () => {
    server = await startChatServer({
      database,
      // Guests counted, as by default: their allowance is part of the send's write.
      env: { GUEST_MESSAGE_LIMIT: "20" },
      onStatement: (sql) => statements.push(sql),
    });
  });
  afterAll(() => server?.close());

  /** The statements `step` makes. */
  async function counted<T>(step: () => Promise<T>) {
    const from = statements.length;
    const result = await step();
    return { result, statements: statements.slice(from) };
  }

  /** Sends with the stream opened alongside (by message id); counts up to the first token. */
  async function sendCounted(client: Client, conversationId: string, content: string) {
    const messageId = randomUUID();
    const from = statements.length;
    let atFirstToken: string[] | undefined;
    const streaming = readStream(
      client,
      { messageId },
      {
        onEvent: ({ event }) => {
          if (event.type === "token") atFirstToken ??= statements.slice(from);
        },
      },
    );
    await client.messages.send.mutate({ conversationId, content, assistantMessageId: messageId });
    const { events } = await streaming;
    expect(events.at(-1)?.event.type).toBe("final");
    return { beforeFirstToken: atFirstToken ?? [], whole: statements.slice(from) };
  }

  it(`makes a new visitor's conversation in ${NEW_GUEST_CONVERSATION_BUDGET} statements, and sends in ${SEND_BUDGET} before the first token`, async () => {
    const client = server.newOwner();
    const created = await counted(() =>
      client.conversations.create.mutate({ model: "parley-demo" }),
    );
    expect(created.statements.length).toBeLessThanOrEqual(NEW_GUEST_CONVERSATION_BUDGET);
    const conversationId = created.result.conversationId;
    // Titled already, so no title is saved meanwhile: only the send's own statements count.
    await client.conversations.update.mutate({ id: conversationId, title: "Counted" });

    // Tokens 40 ms apart: the next statement (a checkpoint, or the final save) comes about a
    // second after the first token, so a client slow to read it on a loaded machine still counts
    // only what came before (at 2 ms apart a CI run once counted the final save too).
    const first = await sendCounted(client, conversationId, "[[mock tokens=30 delay=40]] Count me");
    console.info(
      `${database}: new guest + conversation ${created.statements.length} statements; send to first token ${first.beforeFirstToken.length}; send to the end of a 30-token answer ${first.whole.length}`,
    );
    expect(first.beforeFirstToken).toHaveLength(SEND_BUDGET);
    // One read and one write, each a single statement: no transaction around them.
    expect(first.beforeFirstToken.some((sql) => /^\s*(BEGIN|COMMIT)/i.test(sql))).toBe(false);

    // A follow-up on the same branch, as costly and no more.
    const conversation = await client.conversations.get.query({ id: conversationId });
    const last = conversation.messages.at(-1)?.id ?? null;
    const messageId = randomUUID();
    const from = statements.length;
    let atFirstToken: number | undefined;
    const streaming = readStream(
      client,
      { messageId },
      {
        onEvent: ({ event }) => {
          if (event.type === "token") atFirstToken ??= statements.length - from;
        },
      },
    );
    await client.messages.send.mutate({
      conversationId,
      parentId: last,
      content: "[[mock tokens=10 delay=40]] And again",
      assistantMessageId: messageId,
    });
    await streaming;
    expect(atFirstToken).toBe(SEND_BUDGET);
  });

  it(`makes a new visitor, their conversation and first message in ${NEW_GUEST_FIRST_SEND_BUDGET} statement(s) before the first token`, async () => {
    const client = server.newOwner();
    const conversationId = randomUUID();
    const from = statements.length;
    // A new visitor has no session to open the stream with until the send has made one.
    const sent = await client.messages.send.mutate({
      conversationId,
      newConversation: { model: "parley-demo" },
      content: "[[mock tokens=30 delay=40]] Hi",
    });
    let beforeFirstToken: string[] | undefined;
    await readStream(
      client,
      { generationId: sent.generationId },
      {
        onEvent: ({ event }) => {
          if (event.type === "token") beforeFirstToken ??= statements.slice(from);
        },
      },
    );
    console.info(
      `${database}: new guest, conversation and first message to first token ${beforeFirstToken?.length} statements`,
    );
    expect(beforeFirstToken).toHaveLength(NEW_GUEST_FIRST_SEND_BUDGET);
    expect(beforeFirstToken?.some((sql) => /^\s*(BEGIN|COMMIT)/i.test(sql))).toBe(false);
    const conversation = await client.conversations.get.query({ id: conversationId });
    expect(conversation.messages.map((message) => message.role)).toEqual(["user", "assistant"]);
  });

  it("reads a token or a session once for a burst of requests that find it uncached", async () => {
    const email = `burst-${randomUUID()}@example.com`;
    const password = "a long enough password";
    const person = createClient(server.url, { jar: new CookieJar() });
    await person.auth.signUp.mutate({ email, password });
    const { secret } = await person.tokens.create.mutate({ name: "burst" });
    // Ten separate HTTP requests at once (the client would batch them into one).
    const burst = (headers: Record<string, string>) =>
      counted(() =>
        Promise.all(
          Array.from({ length: 10 }, async () => {
            const response = await fetch(`${server.url}/trpc/auth.me`, { headers });
            const body = (await response.json()) as {
              result: { data: { json: { user: { email: string } | null } } };
            };
            return body.result.data.json.user?.email;
          }),
        ),
      );
    const reads = (statements: string[], table: string) =>
      statements.filter((sql) => new RegExp(`^\\s*SELECT[\\s\\S]*"${table}"`).test(sql));

    const byToken = await burst({ authorization: `Bearer ${secret}` });
    expect(byToken.result).toEqual(Array(10).fill(email));
    expect(reads(byToken.statements, "ApiToken")).toHaveLength(1);

    // A new session (signing in again), not yet cached.
    const jar = new CookieJar();
    await createClient(server.url, { jar }).auth.signIn.mutate({ email, password });
    const bySession = await burst({ cookie: jar.header() });
    expect(bySession.result).toEqual(Array(10).fill(email));
    expect(reads(bySession.statements, "Session")).toHaveLength(1);
  });

  it("opens an answer's stream without a statement", async () => {
    const client = server.newOwner();
    const { conversationId } = await client.conversations.create.mutate({ model: "parley-demo" });
    await client.conversations.update.mutate({ id: conversationId, title: "Streams" });
    const sent = await client.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=20]] Stream me",
    });
    // Once the answer is written (its own checkpoints and final save are not the stream's).
    await readStream(client, { generationId: sent.generationId });
    const opened = await counted(() =>
      readStream(client, { generationId: sent.generationId }, { take: 1 }),
    );
    expect(opened.result.events).toHaveLength(1);
    expect(opened.statements).toEqual([]);
  });
  it("checkpoints every answer streaming at once in one statement a second, not one each", async () => {
    const answers = 10;
    const clients = Array.from({ length: answers }, () => server.newOwner());
    const conversations = await Promise.all(
      clients.map((client) => client.conversations.create.mutate({ model: "parley-demo" })),
    );
    const from = statements.length;
    // Ten answers of 2 s each (100 tokens, 20 ms apart), all at once.
    const streamed = await Promise.all(
      clients.map(async (client, i) => {
        const sent = await client.messages.send.mutate({
          conversationId: conversations[i]?.conversationId ?? "",
          content: "[[mock tokens=100 delay=20]] Checkpoint me",
        });
        return readStream(client, { generationId: sent.generationId });
      }),
    );
    expect(streamed.map(({ events }) => events.at(-1)?.event.type)).toEqual(
      Array(answers).fill("final"),
    );
    const checkpoints = statements
      .slice(from)
      .filter((sql) => /UPDATE "Message"/.test(sql) && !/"interrupted"/.test(sql));
    // About one a second for all ten (one each would be 20 or more).
    expect(checkpoints.length).toBeGreaterThanOrEqual(1);
    expect(checkpoints.length).toBeLessThanOrEqual(5);
  });
});
