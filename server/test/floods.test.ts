// Floods at the front door (issue 15, item 7): sign-ups and new guests per IP, in memory and in
// Redis across two instances; API tokens per account; and guests who never come back, removed
// by the periodic sweep with everything but their share links.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOKENS_PER_USER } from "../src/auth/tokens.ts";
import { waitText } from "../src/limits/index.ts";
import { testDatabaseKinds } from "./helpers/database.ts";
import { errorOf } from "./helpers/errors.ts";
import {
  cleanUpTestRedis,
  connectTestRedis,
  testRedisUrl,
  uniqueKeyPrefix,
} from "./helpers/redis.ts";
import { CookieJar, createClient } from "./helpers/server.ts";
import { type ChatServer, eventually, sendAndWait, startChatServer } from "./helpers/session.ts";

const SIGN_UPS = 3;
const GUESTS = 3;
const password = "front door 1";
const redisUrl = testRedisUrl();

/** What a refused call said: its code, message and wait. */
async function refusal(call: Promise<unknown>) {
  const error = await errorOf(call);
  return {
    code: error.data?.code,
    message: error.message,
    wait: error.data?.retryAfterSeconds as number,
  };
}

describe.each([
  { store: "memory", instances: 1 },
  ...(redisUrl ? [{ store: "redis", instances: 2 }] : []),
])(
  "limits at the front door, counted in $store across $instances instance(s)",
  ({ store, instances }) => {
    const keyPrefix = uniqueKeyPrefix();
    const servers: ChatServer[] = [];
    let accounts = 0;
    /** Servers take turns, so with Redis the count is shared, not each instance's own. */
    const next = () => servers[accounts++ % servers.length] as ChatServer;

    beforeAll(async () => {
      for (let i = 0; i < instances; i++) {
        servers.push(
          await startChatServer({
            env: {
              RATE_LIMIT_IP_SIGNUPS_PER_HOUR: String(SIGN_UPS),
              RATE_LIMIT_IP_GUESTS_PER_HOUR: String(GUESTS),
              ...(store === "redis" && redisUrl ? { REDIS_URL: redisUrl } : {}),
            },
            redisKeyPrefix: keyPrefix,
          }),
        );
      }
    });
    afterAll(async () => {
      for (const server of servers) await server.close();
      if (store === "redis" && redisUrl) {
        const redis = await connectTestRedis(redisUrl);
        await cleanUpTestRedis(redis, keyPrefix);
      }
    });

    it(`lets ${SIGN_UPS} accounts be made from one IP in an hour, then says how long to wait`, async () => {
      for (let i = 0; i < SIGN_UPS; i++) {
        const client = createClient(next().url);
        await client.auth.signUp.mutate({ email: `flood${i}@example.com`, password });
      }
      const refused = await refusal(
        createClient(next().url).auth.signUp.mutate({ email: "one-more@example.com", password }),
      );
      expect(refused).toEqual({
        code: "TOO_MANY_REQUESTS",
        message: `Too many sign-ups: try again in ${waitText(refused.wait)}`,
        wait: expect.any(Number),
      });
      expect(refused.wait).toBeGreaterThan(3_500);
      expect(refused.wait).toBeLessThanOrEqual(3_600);
      // Nothing was made for the refused one.
      const db = servers[0]?.database.db;
      expect(await db?.user.count({ where: { email: "one-more@example.com" } })).toBe(0);
    });

    it(`makes ${GUESTS} new guests for one IP in an hour; the next visitor is told to wait, the others keep chatting`, async () => {
      const guests = [];
      for (let i = 0; i < GUESTS; i++) {
        const client = createClient(next().url, { jar: new CookieJar() });
        await client.conversations.create.mutate({});
        guests.push(client);
      }
      const refused = await refusal(
        createClient(next().url, { jar: new CookieJar() }).conversations.create.mutate({}),
      );
      expect(refused).toMatchObject({
        code: "TOO_MANY_REQUESTS",
        message: `Too many new guests: try again in ${waitText(refused.wait)}`,
      });
      expect(refused.wait).toBeGreaterThan(3_500);

      // Guests made before the limit go on as usual, on any instance.
      const first = guests[0];
      if (!first) throw new Error("no guest");
      const { conversationId } = await first.conversations.create.mutate({});
      await sendAndWait(first, { conversationId, content: "still here" });

      // A first upload makes a guest too: refused the same way, over HTTP, with Retry-After.
      const form = new FormData();
      form.append("file", new Blob(["notes"]), "notes.txt");
      const upload = await fetch(`${next().url}/files`, { method: "POST", body: form });
      expect(upload.status).toBe(429);
      expect(Number(upload.headers.get("retry-after"))).toBeGreaterThan(3_500);
      expect(((await upload.json()) as { message: string }).message).toMatch(
        /^Too many new guests: try again in \d+ (s|min)$/,
      );
    });
  },
);

describe("API tokens", () => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer();
  });
  afterAll(() => server?.close());

  it(`keeps at most ${TOKENS_PER_USER} per account, and makes room again once one is revoked`, async () => {
    const client = server.newOwner();
    await client.auth.signUp.mutate({ email: "scripts@example.com", password });
    const made = [];
    for (let i = 0; i < TOKENS_PER_USER; i++) {
      made.push(await client.tokens.create.mutate({ name: `script ${i}` }));
    }
    const refused = await errorOf(client.tokens.create.mutate({ name: "one too many" }));
    expect({ code: refused.data?.code, message: refused.message }).toEqual({
      code: "FORBIDDEN",
      message: `You have ${TOKENS_PER_USER} API tokens, the most an account may have: revoke one you no longer use first.`,
    });
    expect(await client.tokens.list.query()).toHaveLength(TOKENS_PER_USER);

    await client.tokens.revoke.mutate({ id: made[0]?.token.id ?? "" });
    await client.tokens.create.mutate({ name: "in its place" });
  });
});

describe.each(testDatabaseKinds())("guests who never come back, on %s", (database) => {
  let server: ChatServer;
  const DAY_MS = 86_400_000;

  beforeAll(async () => {
    server = await startChatServer({
      database,
      env: { GUEST_RETENTION_DAYS: "30" },
      // The sweep runs every 100 ms here instead of every hour.
      sweepIntervalMs: 100,
      // Every request asks the database who it is, as one from a guest who comes back later
      // would (callers are remembered for 30 s): these tests change sessions behind its back.
      callerCacheTtlMs: 0,
    });
  });
  afterAll(() => server?.close());

  /** A guest with a conversation, an answer, an attached upload, a share and settings. */
  async function guestWithData(name: string) {
    const jar = new CookieJar();
    const client = createClient(server.url, { jar });
    await client.settings.update.mutate({ systemPrompt: `${name}'s own prompt` });
    const form = new FormData();
    form.append("file", new Blob([`${name}'s notes, kept by a share`]), `${name}.txt`);
    const uploaded = await fetch(`${server.url}/files`, {
      method: "POST",
      body: form,
      headers: { cookie: jar.header() },
    });
    const { sha256 } = (await uploaded.json()) as { sha256: string };
    const { conversationId } = await client.conversations.create.mutate({});
    await sendAndWait(client, { conversationId, content: `hello from ${name}`, files: [sha256] });
    const { shareId } = await client.conversations.share.mutate({ id: conversationId });
    const me = await server.database.db.session.findFirstOrThrow({
      where: { user: { conversations: { some: { id: conversationId } } } },
    });
    return { client, jar, userId: me.userId, conversationId, shareId, sha256 };
  }

  /** Makes a guest look as if it was made, and last seen, `days` ago. */
  async function age(userId: string, days: number) {
    const then = new Date(Date.now() - days * DAY_MS);
    const db = server.database.db;
    await db.user.update({ where: { id: userId }, data: { createdAt: then } });
    await db.session.updateMany({ where: { userId }, data: { lastSeenAt: then } });
  }

  it("removes a guest idle for 30 days with its conversations, uploads, sessions and settings; its share link keeps working", async () => {
    const gone = await guestWithData("gone");
    const recent = await guestWithData("recent");
    const account = server.newOwner();
    await account.auth.signUp.mutate({ email: "stays@example.com", password });
    const db = server.database.db;
    const accountRow = await db.user.findUniqueOrThrow({ where: { email: "stays@example.com" } });
    await db.user.update({
      where: { id: accountRow.id },
      data: { createdAt: new Date(Date.now() - 400 * DAY_MS) },
    });
    await age(gone.userId, 31);
    await age(recent.userId, 29);

    await eventually(async () => {
      expect(await db.user.findUnique({ where: { id: gone.userId } })).toBeNull();
    });
    expect(
      await Promise.all([
        db.conversation.count({ where: { ownerId: gone.userId } }),
        db.message.count({ where: { conversationId: gone.conversationId } }),
        db.session.count({ where: { userId: gone.userId } }),
        db.settings.count({ where: { userId: gone.userId } }),
        db.fileUpload.count({ where: { ownerId: gone.userId } }),
      ]),
    ).toEqual([0, 0, 0, 0, 0]);
    // The guest's cookie now reads as nobody.
    expect((await gone.client.auth.me.query()).user).toBeNull();

    // Anyone with the link still reads the share, and its file.
    const reader = createClient(server.url);
    const shared = await reader.shares.get.query({ shareId: gone.shareId });
    expect(shared.messages.map((message) => message.content)[0]).toBe("hello from gone");
    const file = await fetch(`${server.url}/files/${gone.sha256}?share=${gone.shareId}`);
    expect(await file.text()).toBe("gone's notes, kept by a share");

    // The guest seen 29 days ago and the old account stay.
    expect(await db.user.findUnique({ where: { id: recent.userId } })).not.toBeNull();
    expect(await db.user.findUnique({ where: { id: accountRow.id } })).not.toBeNull();
    expect(await recent.client.settings.get.query()).toMatchObject({
      systemPrompt: "recent's own prompt",
    });
  });

  it("notes when a guest was last seen, to the hour, so a guest who comes back stays", async () => {
    const back = await guestWithData("back");
    const db = server.database.db;
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await db.session.updateMany({
      where: { userId: back.userId },
      data: { lastSeenAt: twoHoursAgo },
    });

    await back.client.conversations.list.query({});

    const session = await db.session.findFirstOrThrow({ where: { userId: back.userId } });
    expect(Date.now() - session.lastSeenAt.getTime()).toBeLessThan(60_000);
  });

  it("never removes guests with GUEST_RETENTION_DAYS=0", async () => {
    const keeper = await startChatServer({
      database,
      env: { GUEST_RETENTION_DAYS: "0" },
      sweepIntervalMs: 50,
    });
    try {
      const client = keeper.newOwner();
      await client.settings.get.query();
      const [session] = await keeper.database.db.session.findMany();
      const then = new Date(Date.now() - 3_650 * DAY_MS);
      await keeper.database.db.user.updateMany({ data: { createdAt: then } });
      await keeper.database.db.session.updateMany({ data: { lastSeenAt: then } });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await keeper.database.db.user.count({ where: { id: session?.userId } })).toBe(1);
    } finally {
      await keeper.close();
    }
  }, 60_000);
});
