// Provider outages and readiness (issue 13): Parley starts and stays up whatever its provider
// does, keeps the last model list that worked, says which models are unavailable and why,
// refuses sends to them at once without writing anything, and picks the provider up again
// without a restart. /readyz checks the database and Redis and reports providers.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Readiness } from "@parley/shared";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { parseConfig } from "../src/config.ts";
import { openDatabase } from "../src/db/client.ts";
import {
  createMockUpstream,
  listenMockUpstream,
  MOCK_MODELS,
  type MockUpstreamServer,
} from "../src/llm/mock/index.ts";
import { createEndpoint, type Endpoint, nextCheckInMs, recentlyUp } from "../src/llm/providers.ts";
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from "./helpers/database.ts";
import { errorOf } from "./helpers/errors.ts";
import { freePort } from "./helpers/ports.ts";
import { redisRelay, testRedisUrl } from "./helpers/redis.ts";
import { CookieJar, createClient, startTestServer, type TestServer } from "./helpers/server.ts";
import { eventually, readStream } from "./helpers/session.ts";

/** Checks often, so an outage and a recovery show within a second. */
const FAST_CHECKS = { checkIntervalMs: 300, retryMs: 100 };
const MOCK_IDS = MOCK_MODELS.map((model) => model.id);
const UNREACHABLE = "Could not reach the model provider.";

describe.each(testDatabaseKinds())("a provider that is down, on %s", (kind) => {
  let database: TestDatabase;
  let port: number;
  let server: TestServer | undefined;
  let provider: MockUpstreamServer | undefined;
  const jar = new CookieJar();
  let conversationId = "";

  const start = async () => {
    database ??= await createTestDatabase(kind);
    server = await startTestServer({
      database,
      env: {
        OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
        RATE_LIMIT_MESSAGES_PER_MINUTE: "0",
        GUEST_MESSAGE_LIMIT: "0",
      },
      providers: FAST_CHECKS,
    });
    return { server, client: createClient(server.url, { jar }) };
  };
  const startProvider = async () => {
    const upstream = createMockUpstream({ defaultTokenDelayMs: 1, defaultTokens: 6 });
    provider = await listenMockUpstream(upstream, { port });
  };
  afterAll(async () => {
    await server?.close();
    await provider?.close();
    await database?.close();
  });

  it("starts with no models and says why, then lists them once the provider is up, without a restart", async () => {
    port = await freePort();
    const { server, client } = await start();

    expect(await client.models.list.query()).toEqual({
      models: [],
      defaultModel: "",
      demo: false,
      providers: [
        {
          name: "openai",
          available: false,
          reason: UNREACHABLE,
          lastSuccessAt: null,
          lastFailureAt: expect.any(String),
          models: 0,
        },
      ],
    });
    // The instance is ready all the same: the provider is reported, not required.
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: "ready",
      providers: [{ name: "openai", available: false, reason: UNREACHABLE }],
    });

    await startProvider();
    const listed = await eventually(async () => {
      const list = await client.models.list.query();
      expect(list.models.map((model) => model.id)).toEqual(MOCK_IDS);
      return list;
    });
    expect(listed.models.every((model) => model.available && !model.unavailableReason)).toBe(true);
    expect(listed.providers[0]).toMatchObject({ available: true, reason: null, models: 4 });

    ({ conversationId } = await client.conversations.create.mutate({ model: "parley-demo" }));
    const sent = await client.messages.send.mutate({
      conversationId,
      content: "What is a harbour?",
    });
    const { events } = await readStream(client, { generationId: sent.generationId });
    expect(events.at(-1)?.event.type).toBe("final");
  }, 60_000);

  it("says which models are down, refuses sends to them at once and writes nothing; the rest works", async () => {
    if (!server || !provider) throw new Error("the previous test did not run");
    const client = createClient(server.url, { jar });
    await provider.close();
    provider = undefined;
    const down = await eventually(async () => {
      const list = await client.models.list.query();
      expect(list.models.every((model) => !model.available)).toBe(true);
      return list;
    });
    expect(down.models[0]).toMatchObject({
      id: "parley-demo",
      available: false,
      unavailableReason: UNREACHABLE,
    });

    const messages = await database.db.message.count();
    const refused = await errorOf(
      client.messages.send.mutate({ conversationId, content: "Are you there?" }),
    );
    expect(refused.data?.code).toBe("SERVICE_UNAVAILABLE");
    expect(refused.message).toBe(`The model "parley-demo" is unavailable: ${UNREACHABLE}`);
    expect(await database.db.message.count()).toBe(messages);

    // Reading, searching, sharing and exporting need no provider.
    const conversation = await client.conversations.get.query({ id: conversationId });
    expect(conversation.messages).toHaveLength(2);
    const found = await client.conversations.list.query({ search: "harbour" });
    expect(found.items.map((item) => item.id)).toEqual([conversationId]);
    expect((await client.conversations.share.mutate({ id: conversationId })).shareId).toHaveLength(
      7,
    );
    const exported = await client.conversations.export.query({
      id: conversationId,
      format: "markdown",
    });
    expect(exported.content).toContain("What is a harbour?");
  }, 60_000);

  it("restarts with the last list that worked, and picks the provider up when it is back", async () => {
    await server?.close();
    const { client } = await start();

    const stored = await client.models.list.query();
    expect(stored.models.map((model) => [model.id, model.available])).toEqual(
      MOCK_IDS.map((id) => [id, false]),
    );
    expect(stored.defaultModel).toBe("parley-demo");
    expect(
      (await errorOf(client.messages.send.mutate({ conversationId, content: "hello?" }))).data
        ?.code,
    ).toBe("SERVICE_UNAVAILABLE");

    await startProvider();
    await eventually(async () => {
      const list = await client.models.list.query();
      expect(list.models.every((model) => model.available)).toBe(true);
    });
    const sent = await client.messages.send.mutate({ conversationId, content: "Back?" });
    const { events } = await readStream(client, { generationId: sent.generationId });
    expect(events.at(-1)?.event.type).toBe("final");
  }, 60_000);
});

/** An endpoint that answers GET /v1/models with `answer` (or never, for "hang"). */
async function fakeProvider(answer: "hang" | { status: number; type: string; body: string }) {
  const server: Server = createServer((request, response) => {
    if (answer === "hang") return; // accepts, then says nothing
    request.resume();
    response.writeHead(answer.status, { "content-type": answer.type });
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** For tests that start a server of their own: slow on a busy machine. */
const WITH_SERVER = { timeout: 60_000 };

describe("listings that do not give models", WITH_SERVER, () => {
  const started: { close(): Promise<void> }[] = [];
  // One database for the file's servers: none of them gets a list to keep.
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("pglite");
  });
  afterAll(async () => {
    for (const thing of started.reverse()) await thing.close();
    await database.close();
  });

  async function startAgainst(baseURL: string) {
    const server = await startTestServer({ database, env: { OPENAI_BASE_URL: baseURL } });
    started.push(server);
    return server;
  }

  it.each([
    ["garbage", { status: 200, type: "text/html", body: "<html>Welcome to nginx!</html>" }],
    ["broken JSON", { status: 200, type: "application/json", body: '{"data": [' }],
    [
      "an empty list",
      { status: 200, type: "application/json", body: '{"object":"list","data":[]}' },
    ],
    [
      "a list of nothing usable",
      { status: 200, type: "application/json", body: '{"data":[{"name":"x"}]}' },
    ],
  ])("reports %s as no models listed", async (_label, answer) => {
    const endpoint = await fakeProvider(answer);
    started.push(endpoint);
    const server = await startAgainst(endpoint.baseURL);
    const list = await server.client.models.list.query();
    expect(list.models).toEqual([]);
    expect(list.providers[0]).toMatchObject({
      available: false,
      reason: "The model provider did not list any models.",
    });
  });

  it("reports an error status", async () => {
    const endpoint = await fakeProvider({ status: 401, type: "application/json", body: "{}" });
    started.push(endpoint);
    const server = await startAgainst(endpoint.baseURL);
    expect((await server.client.models.list.query()).providers[0]?.reason).toBe(
      "The model provider answered 401.",
    );
  });

  it("takes an endpoint in MODELS that answers but lists nothing as up", async () => {
    const endpoint = await fakeProvider({ status: 404, type: "application/json", body: "{}" });
    started.push(endpoint);
    const models = [{ id: "fixed", baseURL: endpoint.baseURL }];
    const server = await startTestServer({ database, env: { MODELS: JSON.stringify(models) } });
    started.push(server);
    const list = await eventually(async () => {
      const current = await server.client.models.list.query();
      expect(current.providers[0]?.lastSuccessAt).not.toBeNull();
      return current;
    });
    expect(list.models.map((model) => [model.id, model.available])).toEqual([["fixed", true]]);
  });

  it("gives up on a listing that hangs after 10 s, and starts", async () => {
    const endpoint = await fakeProvider("hang");
    started.push(endpoint);
    const startedAt = performance.now();
    const server = await startAgainst(endpoint.baseURL);
    const seconds = (performance.now() - startedAt) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(9.9);
    // 10 s and the time the app takes to start: not waiting forever.
    expect(seconds).toBeLessThan(30);
    expect((await server.client.models.list.query()).providers[0]?.reason).toBe(
      "The model provider did not answer within 10 s.",
    );
  }, 60_000);
});

describe("GET /readyz", WITH_SERVER, () => {
  const redisUrl = testRedisUrl();
  const started: { close(): Promise<void> }[] = [];
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("pglite");
  });
  afterAll(async () => {
    for (const thing of started) await thing.close();
    await database.close();
  });

  it("answers 200 with each check's time when the database answers", async () => {
    const server = await startTestServer({ database });
    started.push(server);
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({
      status: "ready",
      failed: [],
      checks: { database: { ok: true, ms: expect.any(Number) } },
      providers: [
        {
          name: "openai",
          available: true,
          reason: null,
          lastSuccessAt: null,
          lastFailureAt: null,
          models: 4,
        },
      ],
    });
  });

  it.runIf(redisUrl)("checks Redis when REDIS_URL is set", async () => {
    const server = await startTestServer({ database, env: { REDIS_URL: redisUrl ?? "" } });
    started.push(server);
    const body = await (await fetch(`${server.url}/readyz`)).json();
    expect(body).toMatchObject({
      status: "ready",
      checks: { redis: { ok: true, ms: expect.any(Number) } },
    });
  });

  it.runIf(redisUrl)("answers 503 naming Redis when it does not answer", async () => {
    // Redis there at the start (Parley does not start without it), then gone.
    const relay = redisRelay(new URL(redisUrl as string));
    const server = await startTestServer({ database, env: { REDIS_URL: await relay.listen() } });
    started.push(server, relay);
    relay.cut();
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as Readiness;
    expect(body).toMatchObject({
      status: "unavailable",
      failed: ["redis"],
      checks: {
        database: { ok: true },
        redis: { ok: false, ms: expect.any(Number), error: expect.any(String) },
      },
    });
    expect(body.checks.redis?.ms).toBeLessThan(3_000);
  });

  it("answers 503 naming the database when it is gone", async () => {
    // A PostgreSQL server that is not there: nothing listens on port 1.
    const db = await openDatabase({
      kind: "postgres",
      url: "postgresql://127.0.0.1:1/gone",
      poolSize: 1,
    });
    const app = await buildApp({ config: parseConfig({ LOG_LEVEL: "silent" }), db });
    await app.listen({ host: "127.0.0.1", port: 0 });
    started.push({ close: () => app.close() });
    const { port } = app.server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: "unavailable",
      failed: ["database"],
      checks: { database: { ok: false, ms: expect.any(Number) } },
    });
  });
});

describe("when a provider is checked", () => {
  const options = { checkIntervalMs: 30_000, listTimeoutMs: 10_000, retryMs: 1_000 };
  const now = Date.parse("2026-01-01T00:00:00Z");
  const endpoint = (changes: Partial<Endpoint> = {}): Endpoint => ({
    ...createEndpoint("openai", new OpenAI({ apiKey: "x", baseURL: "http://x.invalid/v1" })),
    ...changes,
  });

  it("every 30 s while up, counted from the last answer that worked", () => {
    expect(nextCheckInMs(endpoint(), options, now)).toBe(30_000);
    const answered = endpoint({ lastSuccessAt: new Date(now - 10_000) });
    expect(nextCheckInMs(answered, options, now)).toBe(20_000);
    expect(recentlyUp(answered, options, now)).toBe(true);
    expect(recentlyUp(endpoint({ lastSuccessAt: new Date(now - 30_000) }), options, now)).toBe(
      false,
    );
  });

  it("after 1 s while down, doubling up to 30 s", () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 10].map((failures) =>
      nextCheckInMs(endpoint({ available: false, failures }), options, now),
    );
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });
});
