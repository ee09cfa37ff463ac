// Several instances behind a load balancer, on one PostgreSQL and one Redis: any instance
// streams, resumes and stops any answer, knows who is running what, forgets signed-out
// sessions at once, and ends the answers of an instance that died.

import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GenerationEvent } from "@parley/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT_DIR } from "../src/config.ts";
import { seededRandom } from "../src/llm/mock/behaviour.ts";
import {
  createSharedDatabase,
  type SharedDatabase,
  sharedSettings,
  startInstanceProcess,
} from "./helpers/instances.ts";
import { startOidcProvider, type TestOidcProvider } from "./helpers/oidc-provider.ts";
import { freePort } from "./helpers/ports.ts";
import { redisRelay, testRedisUrl } from "./helpers/redis.ts";
import { CookieJar, createClient, startTestServer, type TestServer } from "./helpers/server.ts";
import {
  answerRequests,
  type ChatServer,
  type Client,
  eventually,
  readStream,
  reasoningOf,
  type StreamedEvent,
  startChatServer,
  textOf,
} from "./helpers/session.ts";

const redisUrl = process.env.TEST_DATABASE_URL ? testRedisUrl() : undefined;

/** One person behind a load balancer: one cookie jar, a client for each instance. */
function person(...servers: { url: string }[]) {
  const jar = new CookieJar();
  return { jar, clients: servers.map((server) => createClient(server.url, { jar })) };
}

async function newConversation(client: Client) {
  const { conversationId } = await client.conversations.create.mutate({ model: "parley-demo" });
  // Titled already: the answer is the only upstream request.
  await client.conversations.update.mutate({ id: conversationId, title: "Instances" });
  return conversationId;
}

function finalOf(events: readonly StreamedEvent[]) {
  const last = events.at(-1)?.event;
  if (last?.type !== "final") throw new Error(`the stream ended with ${JSON.stringify(last)}`);
  return last;
}

describe.runIf(redisUrl)("two instances on one PostgreSQL and one Redis", () => {
  let database: SharedDatabase;
  let a: ChatServer;
  let b: ChatServer;

  beforeAll(async () => {
    database = await createSharedDatabase();
    const env = sharedSettings(redisUrl as string);
    [a, b] = await Promise.all([
      startChatServer({ database, env }),
      startChatServer({ database, env }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await database?.close();
  });

  it("streams from B, whole, an answer sent through A; the text is the saved text", async () => {
    const { clients } = person(a, b);
    const [onA, onB] = clients as [Client, Client];
    const conversationId = await newConversation(onA);
    const sent = await onA.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=60 delay=3 reasoning=4]] Across instances",
    });
    const { events, end } = await readStream(onB, { generationId: sent.generationId });
    expect(end).toBe("complete");
    const final = finalOf(events);
    expect(textOf(events)).toBe(final.text);
    await eventually(async () => {
      const conversation = await onB.conversations.get.query({ id: conversationId });
      const saved = conversation.messages.find(({ id }) => id === sent.assistantMessageId);
      expect(saved).toMatchObject({ content: final.text, interrupted: false, generationId: null });
      expect(saved?.reasoning).toBe(reasoningOf(events));
    });
    expect(answerRequests(a.mock)).toHaveLength(1);
    expect(answerRequests(b.mock)).toHaveLength(0);
  });

  it("resumes on B from an event id read on A, at 20 cut points, losing and repeating nothing", async () => {
    const { clients } = person(a, b);
    const [onA, onB] = clients as [Client, Client];
    const conversationId = await newConversation(onA);
    const tokens = 120;
    const { generationId } = await onA.messages.send.mutate({
      conversationId,
      content: `[[mock tokens=${tokens} delay=4]] Resume elsewhere`,
    });
    const random = seededRandom(20_261_207);
    const cuts = Array.from({ length: 20 }, () => Math.floor(random() * (tokens + 1)));
    const runs = await Promise.all(
      cuts.map(async (cut) => {
        const first = await readStream(onA, { generationId }, { untilSeq: cut });
        const lastEventId = first.events.at(-1)?.id;
        const rest = await readStream(onB, {
          generationId,
          ...(lastEventId ? { lastEventId } : {}),
        });
        return { cut, events: [...first.events, ...rest.events], end: rest.end };
      }),
    );
    const reference = await readStream(onA, { generationId });
    const final = finalOf(reference.events);
    for (const { cut, events, end } of runs) {
      expect({ cut, end }).toEqual({ cut, end: "complete" });
      const seqs = events.map(({ id }) => Number(id.split(":")[1]));
      expect(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] ?? 0))).toBe(true);
      expect({ cut, text: textOf(events) }).toEqual({ cut, text: final.text });
      expect(events.at(-1)?.event).toEqual(final);
    }
  });

  it("stops on A, within 300 ms, an answer stopped through B; the partial answer is saved", async () => {
    const { clients } = person(a, b);
    const [onA, onB] = clients as [Client, Client];
    const conversationId = await newConversation(onA);
    a.mock.clear();
    const sent = await onA.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=5000 delay=5]] Stop me from elsewhere",
    });
    await eventually(() => expect(answerRequests(a.mock)[0]?.tokensSent).toBeGreaterThan(10));
    const streaming = readStream(onB, { generationId: sent.generationId });
    const stopAt = performance.now();
    expect(await onB.generations.stop.mutate({ generationId: sent.generationId })).toEqual({
      stopped: true,
    });
    const request = answerRequests(a.mock)[0];
    expect(request?.outcome).toBe("aborted");
    expect((request?.abortedAt ?? Number.POSITIVE_INFINITY) - stopAt).toBeLessThan(300);

    const { events } = await streaming;
    const final = finalOf(events);
    expect(final.interrupted).toBe(true);
    const conversation = await onB.conversations.get.query({ id: conversationId });
    expect(conversation.messages.find(({ id }) => id === sent.assistantMessageId)).toMatchObject({
      content: final.text,
      interrupted: true,
      generationId: null,
    });
    expect(final.text).not.toBe("");
  });

  it("knows on B what A is writing: listed as running, and a send on its branch waits", async () => {
    const { clients } = person(a, b);
    const [onA, onB] = clients as [Client, Client];
    const conversationId = await newConversation(onA);
    const seen: string[][] = [];
    const watching = onB.generations.active.subscribe(undefined, {
      onData: ({ generations }) => seen.push(generations.map((g) => g.generationId)),
    });
    try {
      const sent = await onA.messages.send.mutate({
        conversationId,
        content: "[[mock tokens=400 delay=5]] Busy",
      });
      await eventually(() => expect(seen.at(-1)).toEqual([sent.generationId]));
      const conversation = await onB.conversations.get.query({ id: conversationId });
      expect(
        conversation.messages.find(({ id }) => id === sent.assistantMessageId)?.generationId,
      ).toBe(sent.generationId);
      await expect(
        onB.messages.send.mutate({
          conversationId,
          mode: "continue",
          messageId: sent.assistantMessageId,
        }),
      ).rejects.toMatchObject({ data: { code: "CONFLICT" } });
      await onB.generations.stop.mutate({ generationId: sent.generationId });
      await eventually(() => expect(seen.at(-1)).toEqual([]));
      // Ended: B takes the follow-up.
      const next = await onB.messages.send.mutate({
        conversationId,
        mode: "continue",
        messageId: sent.assistantMessageId,
      });
      const { events } = await readStream(onA, { generationId: next.generationId });
      expect(finalOf(events).interrupted).toBe(false);
    } finally {
      watching.unsubscribe();
    }
  });

  it("streams on B an answer B subscribed to by its message id before A was sent it", async () => {
    const { clients } = person(a, b);
    const [onA, onB] = clients as [Client, Client];
    const conversationId = await newConversation(onA);
    const messageId = crypto.randomUUID();
    const streaming = readStream(onB, { messageId });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sent = await onA.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=30 delay=2]] Early",
      assistantMessageId: messageId,
    });
    expect(sent.assistantMessageId).toBe(messageId);
    const { events } = await streaming;
    expect(events[0]?.id).toBe(`${sent.generationId}:0`);
    expect(textOf(events)).toBe(finalOf(events).text);
  });

  it("forgets on B, at once, a session signed out on A", async () => {
    const { jar, clients } = person(a, b);
    const [onA, onB] = clients as [Client, Client];
    await onA.auth.signUp.mutate({
      email: `instances-${Date.now()}@example.com`,
      password: "correct horse battery staple",
    });
    // A tab that keeps the cookie after the sign-out, talking to B.
    const stale = new CookieJar();
    for (const [name, value] of jar.cookies) stale.cookies.set(name, value);
    const staleOnB = createClient(b.url, { jar: stale });
    // B reads the session, and remembers who it is.
    expect((await staleOnB.auth.me.query()).guest).toBe(false);
    await onA.auth.signOut.mutate();
    await eventually(async () => expect((await staleOnB.auth.me.query()).user).toBeNull(), 1_000);
    void onB;
  });
});

describe.runIf(redisUrl)("an instance killed mid-answer", () => {
  let database: SharedDatabase;
  let b: TestServer;

  beforeAll(async () => {
    database = await createSharedDatabase();
  });
  afterAll(async () => {
    await b?.close();
    await database?.close();
  });

  it("ends its answer for subscribers on B within 35 s, saved as checkpointed; B retries and continues it", {
    timeout: 90_000,
  }, async () => {
    const env = { ...sharedSettings(redisUrl as string), DATABASE_URL: database.url };
    const port = await freePort();
    const a = await startInstanceProcess(env, port);
    try {
      b = await startChatServer({ database, env, chat: { idleTimeoutMs: 10_000 } });
      const { clients } = person(a, b);
      const [onA, onB] = clients as [Client, Client];
      const conversationId = await newConversation(onA);
      const sent = await onA.messages.send.mutate({
        conversationId,
        content: "[[mock tokens=20000 delay=5]] Die while answering",
      });
      const received: StreamedEvent[] = [];
      const streaming = readStream(
        onB,
        { generationId: sent.generationId },
        { onEvent: (event) => received.push(event) },
      );
      // Long enough for a checkpoint (one a second) to be written.
      await eventually(() => expect(textOf(received).length).toBeGreaterThan(200), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const killedAt = performance.now();
      await a.stop("SIGKILL");

      const { events, end } = await streaming;
      const endedAfterMs = performance.now() - killedAt;
      expect(end).toBe("complete");
      expect(endedAfterMs).toBeLessThan(35_000);
      const final = events.at(-1)?.event as Extract<GenerationEvent, { type: "final" }>;
      expect(final).toMatchObject({ type: "final", interrupted: true });
      // The text up to the last checkpoint: a start of what streamed.
      expect(final.text.length).toBeGreaterThan(0);
      expect(textOf(events.slice(0, -1)).startsWith(final.text)).toBe(true);

      const conversation = await onB.conversations.get.query({ id: conversationId });
      const saved = conversation.messages.find(({ id }) => id === sent.assistantMessageId);
      expect(saved).toMatchObject({ content: final.text, interrupted: true, generationId: null });
      const active = await new Promise<unknown[]>((resolve) => {
        const subscription = onB.generations.active.subscribe(undefined, {
          onData: ({ generations }) => {
            subscription.unsubscribe();
            resolve(generations);
          },
        });
      });
      expect(active).toEqual([]);

      // Continue and retry work on B (each long answer stopped once it has begun).
      for (const mode of ["continue", "retry"] as const) {
        const next = await onB.messages.send.mutate({
          conversationId,
          mode,
          messageId: sent.assistantMessageId,
        });
        const begun = await readStream(onB, { generationId: next.generationId }, { untilSeq: 5 });
        expect(begun.events.map(({ event }) => event.type)).toContain("token");
        await onB.generations.stop.mutate({ generationId: next.generationId });
        const { events: all } = await readStream(onB, { generationId: next.generationId });
        expect(finalOf(all)).toMatchObject({ interrupted: true });
      }
    } finally {
      await a.stop("SIGKILL");
    }
  });
});

describe.runIf(redisUrl)("an OIDC sign-in across instances", () => {
  let database: SharedDatabase;
  let provider: TestOidcProvider;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    database = await createSharedDatabase();
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({ redirectUris: [`${publicUrl}/auth/oidc/callback`] });
    const env = {
      ...sharedSettings(redisUrl as string),
      PUBLIC_URL: publicUrl,
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret,
    };
    a = await startTestServer({ database, env, port });
    b = await startTestServer({ database, env });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await provider?.close();
    await database?.close();
  });

  it("finishes on B a sign-in started on A", async () => {
    const jar = new CookieJar();
    const browse = async (url: string) => {
      const response = await fetch(url, {
        headers: jar.cookies.size ? { cookie: jar.header() } : {},
        redirect: "manual",
      });
      jar.store(response);
      return response;
    };
    const login = await browse(`${a.url}/auth/oidc/login?callback=/`);
    expect(login.status).toBe(302);
    const returnUrl = await provider.signIn(login.headers.get("location") ?? "", {
      sub: "across",
      email: "across@example.com",
      email_verified: true,
      name: "Across",
    });
    // The load balancer sends the provider's redirect to B.
    const callback = new URL(returnUrl);
    const response = await browse(`${b.url}${callback.pathname}${callback.search}`);
    expect(response.status).toBe(302);
    const me = await createClient(b.url, { jar }).auth.me.query();
    expect(me.user).toMatchObject({ email: "across@example.com" });
  });
});

describe.runIf(redisUrl)("Redis going away", () => {
  let database: SharedDatabase;
  let relay: ReturnType<typeof redisRelay>;
  let a: ChatServer;
  let b: ChatServer;

  beforeAll(async () => {
    database = await createSharedDatabase();
    relay = redisRelay(new URL(redisUrl as string));
    const env = { ...sharedSettings(await relay.listen()) };
    [a, b] = await Promise.all([
      startChatServer({ database, env, chat: { idleTimeoutMs: 10_000 } }),
      startChatServer({ database, env, chat: { idleTimeoutMs: 10_000 } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await relay?.close();
    await database?.close();
  });

  it("finishes and saves answers; subscribers elsewhere are told to reload; service comes back", async () => {
    const { clients } = person(a, b);
    const [onA, onB] = clients as [Client, Client];
    const conversationId = await newConversation(onA);
    const sent = await onA.messages.send.mutate({
      conversationId,
      content: "[[mock tokens=300 delay=5]] Through an outage",
    });
    const here: StreamedEvent[] = [];
    const there: StreamedEvent[] = [];
    const onHere = readStream(
      onA,
      { generationId: sent.generationId },
      { onEvent: (event) => here.push(event) },
    );
    const onThere = readStream(
      onB,
      { generationId: sent.generationId },
      { onEvent: (event) => there.push(event) },
    );
    await eventually(() => expect(textOf(there).length).toBeGreaterThan(50));
    relay.cut();

    // Elsewhere: an ending that says to reload, at once, and no reconnecting.
    const elsewhere = await onThere;
    expect(elsewhere.end).toBe("complete");
    expect(elsewhere.events.at(-1)?.event).toMatchObject({ type: "error", code: "unreadable" });
    // Here: the whole answer, saved.
    const { events } = await onHere;
    const final = finalOf(events);
    expect(final.interrupted).toBe(false);
    const conversation = await onB.conversations.get.query({ id: conversationId });
    expect(conversation.messages.find(({ id }) => id === sent.assistantMessageId)).toMatchObject({
      content: final.text,
      interrupted: false,
    });

    relay.mend();
    // Back: sent on A, streamed on B again.
    await eventually(async () => {
      const next = await onA.messages.send.mutate({
        conversationId,
        content: "[[mock tokens=20]] After the outage",
      });
      const streamed = await readStream(onB, { generationId: next.generationId });
      expect(finalOf(streamed.events).interrupted).toBe(false);
    }, 20_000);
    // Nothing stays listed as running.
    await eventually(async () => {
      const active = await new Promise<unknown[]>((resolve) => {
        const subscription = onB.generations.active.subscribe(undefined, {
          onData: ({ generations }) => {
            subscription.unsubscribe();
            resolve(generations);
          },
        });
      });
      expect(active).toEqual([]);
    }, 15_000);
  });
});

describe("starting with REDIS_URL set and Redis away", () => {
  it("says so in one line and exits 1", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "server/src/main.ts"], {
      cwd: ROOT_DIR,
      env: {
        PATH: process.env.PATH,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
        DATA_DIR: await mkdtemp(join(tmpdir(), "parley-no-redis-")),
        REDIS_URL: `redis://127.0.0.1:${port}`,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${port} is unreachable`),
    );
  }, 60_000);
});
