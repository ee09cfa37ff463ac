// Identity as people and scripts meet it: guests who sign up or in keep what they made, the
// guest allowance holds exactly, scripts use tokens (SSE too), and send rate limits hold across
// instances sharing Redis.
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanUpTestRedis,
  connectTestRedis,
  testRedisUrl,
  uniqueKeyPrefix,
} from "./helpers/redis.ts";
import { CookieJar, createClient } from "./helpers/server.ts";
import { type ChatServer, readStream, startChatServer, textOf } from "./helpers/session.ts";

const password = "flows password 1";

async function codeOf(promise: Promise<unknown>) {
  try {
    await promise;
    return "OK";
  } catch (error) {
    if (error instanceof TRPCClientError) return String(error.data?.code);
    throw error;
  }
}

describe("guests who sign up or sign in", () => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer({ env: { GUEST_MESSAGE_LIMIT: "3" } });
  });
  afterAll(() => server.close());

  const guestWithAChat = async () => {
    const guest = server.newOwner();
    await guest.settings.update.mutate({ theme: "dark", systemPrompt: "be brief" });
    const { conversationId } = await guest.conversations.create.mutate({});
    const sent = await guest.messages.send.mutate({ conversationId, content: "remember me" });
    await readStream(guest, { generationId: sent.generationId });
    return { guest, conversationId };
  };

  it("keeps the guest's conversations and settings on sign-up", async () => {
    const { guest, conversationId } = await guestWithAChat();
    await guest.auth.signUp.mutate({ email: "newcomer@example.com", password });
    const { items } = await guest.conversations.list.query({});
    expect(items.map((item) => item.id)).toEqual([conversationId]);
    const conversation = await guest.conversations.get.query({ id: conversationId });
    expect(conversation.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(await guest.settings.get.query()).toMatchObject({
      theme: "dark",
      systemPrompt: "be brief",
    });
    expect((await guest.auth.me.query()).user?.email).toBe("newcomer@example.com");
  });

  it("adds the guest's conversations to an existing account on sign-in", async () => {
    const elsewhere = server.newOwner();
    await elsewhere.auth.signUp.mutate({ email: "returning@example.com", password });
    const { conversationId: older } = await elsewhere.conversations.create.mutate({});

    const { guest, conversationId } = await guestWithAChat();
    await guest.auth.signIn.mutate({ email: "returning@example.com", password });
    const ids = (await guest.conversations.list.query({})).items.map((item) => item.id).sort();
    expect(ids).toEqual([older, conversationId].sort());
    // The other browser, already signed in, sees them too.
    expect((await elsewhere.conversations.list.query({})).items).toHaveLength(2);
  });

  it("counts down the guest allowance and refuses exactly the next message", async () => {
    const guest = server.newOwner();
    expect((await guest.auth.me.query()).guestMessagesLeft).toBe(3);
    const { conversationId } = await guest.conversations.create.mutate({});
    let parentId: string | undefined;
    for (const left of [2, 1, 0]) {
      const sent = await guest.messages.send.mutate({ conversationId, parentId, content: "next" });
      await readStream(guest, { generationId: sent.generationId });
      parentId = sent.assistantMessageId;
      expect((await guest.auth.me.query()).guestMessagesLeft).toBe(left);
    }
    const refused = guest.messages.send.mutate({ conversationId, parentId, content: "one more" });
    await expect(refused).rejects.toThrow(
      "Guests can send 3 messages. Sign in or create an account to keep chatting.",
    );
    // Signed in, the same person chats on.
    await guest.auth.signUp.mutate({ email: "upgraded@example.com", password });
    expect((await guest.auth.me.query()).guestMessagesLeft).toBeNull();
    const sent = await guest.messages.send.mutate({ conversationId, parentId, content: "thanks" });
    expect(sent.generationId).toBeTruthy();
  });

  it("holds the allowance under concurrent sends", async () => {
    const guest = server.newOwner();
    // Become a guest first: concurrent first requests would each start a guest of their own.
    await guest.settings.get.query();
    const conversations = await Promise.all(
      Array.from({ length: 6 }, () => guest.conversations.create.mutate({})),
    );
    const codes = await Promise.all(
      conversations.map(({ conversationId }) =>
        codeOf(guest.messages.send.mutate({ conversationId, content: "race" })),
      ),
    );
    expect(codes.filter((code) => code === "OK")).toHaveLength(3);
    expect(codes.filter((code) => code === "FORBIDDEN")).toHaveLength(3);
  });

  it("makes one guest for a new visitor's first batch of calls", async () => {
    const guests = () => server.database.db.user.count({ where: { guest: true } });
    const before = await guests();
    const visitor = server.newOwner();
    // Same tick: httpBatchLink sends these queries as one request.
    const [settings, list, me] = await Promise.all([
      visitor.settings.get.query(),
      visitor.conversations.list.query({ direction: "forward" }),
      visitor.auth.me.query(),
    ]);
    expect(settings.theme).toBeDefined();
    expect(list.items).toEqual([]);
    expect(me.guest).toBe(true);
    expect(await guests()).toBe(before + 1);
    await visitor.conversations.create.mutate({});
    expect((await visitor.conversations.list.query({})).items).toHaveLength(1);
    expect(await guests()).toBe(before + 1);
  });

  it("refuses guests entirely with REQUIRE_LOGIN", async () => {
    const strict = await startChatServer({ env: { REQUIRE_LOGIN: "true" } });
    try {
      const anonymous = strict.newOwner();
      expect(await anonymous.auth.me.query()).toMatchObject({ guest: false, guestMessagesLeft: 0 });
      expect(await codeOf(anonymous.conversations.create.mutate({}))).toBe("UNAUTHORIZED");
      await anonymous.auth.signUp.mutate({ email: "member@example.com", password });
      expect(await codeOf(anonymous.conversations.create.mutate({}))).toBe("OK");
    } finally {
      await strict.close();
    }
  });
});

describe("a script with an API token", () => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer();
  });
  afterAll(() => server.close());

  it("queries, mutates and streams as its user, and is refused once the token is revoked", async () => {
    const person = createClient(server.url, { jar: new CookieJar() });
    await person.auth.signUp.mutate({ email: "scripter@example.com", password });
    const { token, secret } = await person.tokens.create.mutate({ name: "ask.ts" });

    const script = createClient(server.url, { token: secret });
    expect((await script.auth.me.query()).user?.email).toBe("scripter@example.com");
    const { conversationId } = await script.conversations.create.mutate({});
    const sent = await script.messages.send.mutate({ conversationId, content: "from a script" });
    const streamed = await readStream(script, { generationId: sent.generationId });
    expect(streamed.end).toBe("complete");
    const saved = await person.conversations.get.query({ id: conversationId });
    expect(saved.messages.find((m) => m.id === sent.assistantMessageId)?.content).toBe(
      textOf(streamed.events),
    );

    await person.tokens.revoke.mutate({ id: token.id });
    expect(await codeOf(script.conversations.list.query({}))).toBe("UNAUTHORIZED");
    expect(await codeOf(script.conversations.create.mutate({}))).toBe("UNAUTHORIZED");
    const refused = await readStream(script, { generationId: sent.generationId });
    expect(refused.end).toBe("error");
    expect(refused.error instanceof TRPCClientError && refused.error.data?.code).toBe(
      "UNAUTHORIZED",
    );
  });
});

const ALLOWED = 4;
const redisUrl = testRedisUrl();

describe.each([
  { store: "memory", instances: 1 },
  ...(redisUrl ? [{ store: "redis", instances: 2 }] : []),
])("send rate limits in $store across $instances instance(s)", ({ store, instances }) => {
  const keyPrefix = uniqueKeyPrefix();
  const servers: ChatServer[] = [];

  beforeAll(async () => {
    for (let i = 0; i < instances; i++) {
      servers.push(
        await startChatServer({
          env: {
            RATE_LIMIT_MESSAGES_PER_MINUTE: String(ALLOWED),
            RATE_LIMIT_IP_MESSAGES_PER_MINUTE: String(ALLOWED),
            ...(store === "redis" && redisUrl ? { REDIS_URL: redisUrl } : {}),
          },
          redisKeyPrefix: keyPrefix,
        }),
      );
    }
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    if (store === "redis" && redisUrl)
      await cleanUpTestRedis(await connectTestRedis(redisUrl), keyPrefix);
  });

  it(`lets exactly ${ALLOWED} of ${ALLOWED + 5} concurrent sends through, with the wait`, async () => {
    // Different guests on every instance, one IP: the per-IP limit is the one shared by all.
    const senders = await Promise.all(
      Array.from({ length: ALLOWED + 5 }, async (_, i) => {
        const client = servers[i % servers.length]?.newOwner();
        if (!client) throw new Error("no server");
        const { conversationId } = await client.conversations.create.mutate({});
        return { client, conversationId };
      }),
    );
    const results = await Promise.all(
      senders.map(async ({ client, conversationId }) => {
        try {
          await client.messages.send.mutate({ conversationId, content: "burst" });
          return { ok: true };
        } catch (error) {
          if (!(error instanceof TRPCClientError)) throw error;
          return { ok: false, code: error.data?.code, wait: error.data?.retryAfterSeconds };
        }
      }),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(ALLOWED);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(5);
    for (const r of refused) {
      expect(r.code).toBe("TOO_MANY_REQUESTS");
      expect(r.wait).toBeGreaterThan(0);
    }
  });

  it("limits each sender on its own too", async () => {
    // The shared IP allowance is spent above, so the owner limit is checked on a server of its
    // own that limits only owners.
    const ownerOnly = await startChatServer({
      env: {
        RATE_LIMIT_MESSAGES_PER_MINUTE: "2",
        ...(store === "redis" && redisUrl ? { REDIS_URL: redisUrl } : {}),
      },
      redisKeyPrefix: `${keyPrefix}:owner`,
    });
    try {
      const client = ownerOnly.newOwner();
      await client.settings.get.query();
      const conversations = await Promise.all(
        [1, 2, 3, 4].map(() => client.conversations.create.mutate({})),
      );
      const codes = await Promise.all(
        conversations.map(({ conversationId }) =>
          codeOf(client.messages.send.mutate({ conversationId, content: "mine" })),
        ),
      );
      expect(codes.sort()).toEqual(["OK", "OK", "TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS"]);
      // Another sender on the same server is not held back by the first one's limit.
      const other = ownerOnly.newOwner();
      const { conversationId } = await other.conversations.create.mutate({});
      expect(await codeOf(other.messages.send.mutate({ conversationId, content: "me" }))).toBe(
        "OK",
      );
    } finally {
      await ownerOnly.close();
    }
  });
});

describe("plain HTTP routes over their limit", () => {
  it("answer 429 with Retry-After and RateLimit-* headers", async () => {
    const server = await startChatServer();
    try {
      const login = () => fetch(`${server.url}/auth/oidc/login`, { redirect: "manual" });
      // 50 sign-in starts per IP per 15 minutes (OIDC is not configured here: 404 until then).
      for (let i = 0; i < 50; i++) {
        const response = await login();
        expect(response.status).toBe(404);
        expect(response.headers.get("ratelimit-remaining")).toBe(String(49 - i));
      }
      const refused = await login();
      expect(refused.status).toBe(429);
      expect(refused.headers.get("ratelimit-limit")).toBe("50");
      expect(refused.headers.get("ratelimit-remaining")).toBe("0");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(Number(refused.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});
