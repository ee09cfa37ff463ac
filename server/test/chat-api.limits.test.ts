// Rate limits on the HTTP chat routes (issue 13): one request is one message against the same
// per-user and per-IP limits as the app, plus the daily quota; 429 with Retry-After and
// RateLimit-* headers; counted in memory, or in Redis across two instances.

import { afterAll, describe, expect, it } from "vitest";
import { type Account, ask, newAccount, postChat } from "./helpers/chat-api.ts";
import { createTestDatabase } from "./helpers/database.ts";
import { codeOf } from "./helpers/errors.ts";
import {
  cleanUpTestRedis,
  connectTestRedis,
  testRedisUrl,
  uniqueKeyPrefix,
} from "./helpers/redis.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";

const redisUrl = testRedisUrl();
/** Each test starts its own servers (with its own limits), which is slow on a busy machine. */
const WITH_SERVERS = 90_000;
const stores = redisUrl ? (["memory", "redis"] as const) : (["memory"] as const);

interface Seen {
  status: number;
  limit: string | null;
  remaining: string | null;
  retryAfter: boolean;
}

async function seen(response: Response): Promise<Seen> {
  await response.text();
  return {
    status: response.status,
    limit: response.headers.get("ratelimit-limit"),
    remaining: response.headers.get("ratelimit-remaining"),
    retryAfter: response.headers.has("retry-after"),
  };
}

describe.each(stores)("chat route rate limits in %s", (store) => {
  const prefix = uniqueKeyPrefix();
  const servers: TestServer[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const server of servers) await server.close();
    for (const close of closers) await close();
    if (store === "redis" && redisUrl) {
      await cleanUpTestRedis(await connectTestRedis(redisUrl), prefix);
    }
  });

  let count = 0;
  async function start(env: Record<string, string>) {
    const server = await startTestServer({
      env: {
        RATE_LIMIT_IP_MESSAGES_PER_MINUTE: "0",
        GUEST_MESSAGE_LIMIT: "0",
        ...(store === "redis" && redisUrl ? { REDIS_URL: redisUrl } : {}),
        ...env,
      },
      redisKeyPrefix: `${prefix}:${++count}`,
      mock: { defaultTokenDelayMs: 1, defaultTokens: 4 },
    });
    servers.push(server);
    return server;
  }

  const post = (server: TestServer, account: Account) =>
    postChat(server.url, "/api/chat-openai", { messages: ask("hi") }, { token: account.token });

  it(
    "answers 429 with Retry-After and RateLimit headers once a user is over the limit",
    async () => {
      const server = await start({ RATE_LIMIT_MESSAGES_PER_MINUTE: "2" });
      const account = await newAccount(server.url);

      const responses = [];
      for (let i = 0; i < 3; i++) responses.push(await post(server, account));
      const refused = responses[2];

      expect(await Promise.all(responses.slice(0, 2).map(seen))).toEqual([
        { status: 200, limit: "2", remaining: "1", retryAfter: false },
        { status: 200, limit: "2", remaining: "0", retryAfter: false },
      ]);
      expect(refused?.status).toBe(429);
      const retryAfter = Number(refused?.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(Number(refused?.headers.get("ratelimit-reset"))).toBe(retryAfter);
      expect(refused?.headers.get("ratelimit-limit")).toBe("2");
      expect(refused?.headers.get("ratelimit-remaining")).toBe("0");
      expect(await refused?.json()).toEqual({
        code: "rate_limited",
        message: `Too many messages: try again in ${retryAfter} s`,
      });
      // Another account has its own allowance.
      expect((await seen(await post(server, await newAccount(server.url)))).status).toBe(200);
    },
    WITH_SERVERS,
  );

  it(
    "counts the app's messages and the route's against one daily quota",
    async () => {
      const server = await start({
        RATE_LIMIT_MESSAGES_PER_MINUTE: "0",
        RATE_LIMIT_MESSAGES_PER_DAY: "2",
      });
      const account = await newAccount(server.url);
      const { conversationId } = await account.client.conversations.create.mutate({});

      await account.client.messages.send.mutate({ conversationId, content: "from the app" });
      expect((await seen(await post(server, account))).status).toBe(200);

      const refused = await post(server, account);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(23 * 3600);
      expect(await refused.json()).toMatchObject({ code: "rate_limited" });
      expect(
        await codeOf(account.client.messages.send.mutate({ conversationId, content: "again" })),
      ).toBe("TOO_MANY_REQUESTS");
    },
    WITH_SERVERS,
  );

  it(
    "never limits RATE_LIMIT_EXEMPT_EMAILS",
    async () => {
      const server = await start({
        RATE_LIMIT_MESSAGES_PER_MINUTE: "1",
        RATE_LIMIT_MESSAGES_PER_DAY: "1",
        RATE_LIMIT_IP_MESSAGES_PER_MINUTE: "1",
        RATE_LIMIT_EXEMPT_EMAILS: "ops@example.com",
      });
      const exempt = await newAccount(server.url, "ops@example.com");
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await seen(await post(server, exempt))).status);
      expect(statuses).toEqual([200, 200, 200, 200]);
    },
    WITH_SERVERS,
  );

  if (store === "redis") {
    it(
      "holds one limit across two instances sharing Redis",
      async () => {
        const database = await createTestDatabase("pglite");
        closers.push(() => database.close());
        const env = { RATE_LIMIT_MESSAGES_PER_MINUTE: "3" };
        const first = await startTestServer({
          database,
          env: { ...env, REDIS_URL: redisUrl ?? "", RATE_LIMIT_IP_MESSAGES_PER_MINUTE: "0" },
          redisKeyPrefix: `${prefix}:shared`,
        });
        const second = await startTestServer({
          database,
          env: { ...env, REDIS_URL: redisUrl ?? "", RATE_LIMIT_IP_MESSAGES_PER_MINUTE: "0" },
          redisKeyPrefix: `${prefix}:shared`,
        });
        servers.push(first, second);
        const account = await newAccount(first.url);

        const statuses = [];
        for (const server of [first, second, first, second]) {
          statuses.push((await seen(await post(server, account))).status);
        }
        expect(statuses).toEqual([200, 200, 200, 429]);
      },
      WITH_SERVERS,
    );
  }
});
