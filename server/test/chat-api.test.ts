// POST /api/chat-openai, /api/chat-<provider> and /api/chat over real HTTP: who may call,
// every check of the body at its edge, the provider's own stream passed through (checked
// against the real `openai` SDK), aborts, upstream failures, rate limits, logs (issue 13).

import { type ChatApiError, GenerationEvent } from "@parley/shared";
import OpenAI from "openai";
import { Stream } from "openai/streaming";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMockUpstream,
  listenMockUpstream,
  MOCK_RETRY_AFTER_SECONDS,
  type MockRequestRecord,
  type MockUpstream,
  type MockUpstreamServer,
} from "../src/llm/mock/index.ts";
import { type Account, ask, newAccount, postChat, sseEvents } from "./helpers/chat-api.ts";
import { testDatabaseKinds } from "./helpers/database.ts";
import { CookieJar, createClient, startTestServer, type TestServer } from "./helpers/server.ts";
import { answerRequests, eventually, startChatServer } from "./helpers/session.ts";

const CAP = 100;
const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-store, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
};

/** The mock's last answer request (title and model listings left out). */
function lastRequest(mock: MockUpstream): MockRequestRecord {
  const record = answerRequests(mock).at(-1);
  if (!record) throw new Error("the mock received no request");
  return record;
}

/** Stream events with what differs between two runs of the same prompt (ids, times) blanked. */
function comparable(events: unknown[]): unknown[] {
  return JSON.parse(
    JSON.stringify(events, (key, value) =>
      ["id", "item_id", "created", "created_at", "completed_at"].includes(key) ? "*" : value,
    ),
  );
}

async function errorBody(response: Response): Promise<ChatApiError> {
  return (await response.json()) as ChatApiError;
}

describe.each(testDatabaseKinds())("who may call POST /api/chat-openai (%s)", (database) => {
  let server: TestServer;
  let account: Account;
  beforeAll(async () => {
    server = await startTestServer({ database, env: { RATE_LIMIT_MESSAGES_PER_MINUTE: "0" } });
    account = await newAccount(server.url);
  });
  afterAll(() => server.close());

  const body = { messages: ask("Hello") };

  it("answers 401 to anyone not signed in: anonymous, a guest, a revoked token", async () => {
    const anonymous = await postChat(server.url, "/api/chat-openai", body);
    // A guest: the app made one for this visitor's first conversation.
    const guestJar = new CookieJar();
    await createClient(server.url, { jar: guestJar }).conversations.create.mutate({});
    const guest = await postChat(server.url, "/api/chat-openai", body, {
      headers: { cookie: guestJar.header() },
    });
    const revoked = await newAccount(server.url);
    await revoked.client.tokens.revoke.mutate({ id: revoked.tokenId });
    const withRevoked = await postChat(server.url, "/api/chat-openai", body, {
      token: revoked.token,
    });
    const unknown = await postChat(server.url, "/api/chat-openai", body, {
      token: "parley_nonsense",
    });

    for (const response of [anonymous, guest, withRevoked, unknown]) {
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ code: "unauthorized", message: "Sign in required." });
    }
    expect(answerRequests(server.mock)).toEqual([]);
  });

  it("streams for an API token, and for a session cookie from Parley's own origin", async () => {
    const byToken = await postChat(server.url, "/api/chat-openai", body, { token: account.token });
    expect(byToken.status).toBe(200);
    await byToken.text();

    const cookie = account.jar.header();
    const sameOrigin = await postChat(server.url, "/api/chat-openai", body, {
      headers: { cookie, origin: server.config.publicUrl },
    });
    expect(sameOrigin.status).toBe(200);
    expect(sseEvents(await sameOrigin.text()).at(-1)?.data).toBe("[DONE]");

    const crossOrigin = await postChat(server.url, "/api/chat-openai", body, {
      headers: { cookie, origin: "https://evil.example" },
    });
    expect(crossOrigin.status).toBe(403);
  });
});

describe("POST /api/chat-openai", () => {
  const logLines: Record<string, unknown>[] = [];
  let server: Awaited<ReturnType<typeof startChatServer>>;
  let account: Account;
  beforeAll(async () => {
    server = await startChatServer({
      env: { CHAT_API_MAX_OUTPUT_TOKENS: String(CAP) },
      logLines,
    });
    account = await newAccount(server.url);
  });
  afterAll(() => server.close());

  const post = (body: unknown, options: Parameters<typeof postChat>[3] = {}) =>
    postChat(server.url, "/api/chat-openai", body, { token: account.token, ...options });

  /** Status and, for a refusal, the paths its issues name. */
  async function outcome(body: unknown) {
    const response = await post(body);
    if (response.ok) {
      await response.text();
      return { status: response.status };
    }
    const error = await errorBody(response);
    return {
      status: response.status,
      code: error.code,
      paths: error.issues?.map((issue) => issue.path.join(".")),
    };
  }

  it("takes each limit of the body exactly at its edge and refuses one past it", async () => {
    const ok = { status: 200 };
    const message = (content: string) => ({ role: "user" as const, content });
    const refused = (path: string) => ({ status: 400, code: "bad_request", paths: [path] });

    expect(await outcome({ messages: Array.from({ length: 30 }, () => message("hi")) })).toEqual(
      ok,
    );
    expect(await outcome({ messages: Array.from({ length: 31 }, () => message("hi")) })).toEqual(
      refused("messages"),
    );
    expect(await outcome({ messages: [message("x".repeat(4_000))] })).toEqual(ok);
    expect(await outcome({ messages: [message("x".repeat(4_001))] })).toEqual(
      refused("messages.0.content"),
    );
    expect(await outcome({ messages: [message("")] })).toEqual(refused("messages.0.content"));
    const tenFull = Array.from({ length: 10 }, () => message("x".repeat(4_000)));
    expect(await outcome({ messages: tenFull })).toEqual(ok);
    expect(await outcome({ messages: tenFull, system: "x" })).toEqual(refused("messages"));
    expect(await outcome({ messages: ask("hi"), temperature: 2 })).toEqual(ok);
    expect(await outcome({ messages: ask("hi"), temperature: 2.1 })).toEqual(
      refused("temperature"),
    );
    expect(await outcome({ messages: ask("hi"), maxOutputTokens: 0 })).toEqual(
      refused("maxOutputTokens"),
    );
    expect(await outcome({ messages: ask("hi"), maxOutputTokens: CAP })).toEqual(ok);
    expect(await outcome({ messages: ask("hi"), maxOutputTokens: CAP + 1 })).toEqual(
      refused("maxOutputTokens"),
    );
    expect(await outcome({ messages: [{ role: "tool", content: "hi" }] })).toEqual(
      refused("messages.0.role"),
    );
    expect(await outcome({ messages: ask("hi"), max_tokens: 5 })).toEqual(refused(""));
  });

  it("refuses malformed JSON, an unknown model and a body over 1 MB, and writes nothing", async () => {
    server.mock.clear();
    const malformed = await post('{"messages": [');
    expect(malformed.status).toBe(400);
    expect(await errorBody(malformed)).toMatchObject({ code: "bad_request", issues: [] });

    const unknown = await post({ messages: ask("hi"), model: "gpt-nonexistent" });
    expect(unknown.status).toBe(400);
    expect(await errorBody(unknown)).toMatchObject({
      code: "bad_request",
      issues: [{ path: ["model"] }],
    });

    const huge = await post({ messages: ask("x".repeat(1024 * 1024)) });
    expect(huge.status).toBe(413);
    expect(await errorBody(huge)).toMatchObject({ code: "payload_too_large" });
    expect(answerRequests(server.mock)).toEqual([]);
  });

  it.each([
    { api: "chat", model: "parley-demo" },
    { api: "responses", model: "parley-demo-responses" },
  ] as const)(
    "passes the $api stream through as the openai SDK reads it",
    async ({ api, model }) => {
      const response = await post({
        model,
        system: "Be brief.",
        messages: [...ask("What is a harbour?"), { role: "assistant", content: "A port." }],
        temperature: 0.5,
      });
      expect(response.status).toBe(200);
      const text = await response.text();
      const record = lastRequest(server.mock);
      expect(record.api).toBe(api);

      // The same request made straight to the upstream through the SDK gives the same events.
      const direct = new OpenAI({
        apiKey: "test",
        baseURL: "http://mock.invalid/v1",
        fetch: server.mock.fetch,
      });
      const expected: unknown[] = [];
      const body = record.body as never;
      const stream =
        api === "chat"
          ? await direct.chat.completions.create(body)
          : await direct.responses.create(body);
      for await (const event of stream as unknown as AsyncIterable<unknown>) expected.push(event);

      const received: unknown[] = [];
      const parsed = Stream.fromSSEResponse<unknown>(new Response(text), new AbortController());
      for await (const event of parsed) received.push(event);
      expect(comparable(received)).toEqual(comparable(expected));

      const events = sseEvents(text);
      if (api === "chat") {
        expect(events.every((event) => event.event === undefined)).toBe(true);
        expect(events.at(-1)?.data).toBe("[DONE]");
        expect(record.body).toMatchObject({
          messages: [
            { role: "system", content: "Be brief." },
            { role: "user", content: "What is a harbour?" },
            { role: "assistant", content: "A port." },
          ],
          temperature: 0.5,
          max_tokens: CAP,
          stream: true,
        });
      } else {
        // Each event named by its type, as OpenAI names them.
        expect(events.map((event) => event.event)).toEqual(
          events.map((event) => (JSON.parse(event.data) as { type: string }).type),
        );
        expect(events.at(-1)?.event).toBe("response.completed");
        expect(record.body).toMatchObject({
          instructions: "Be brief.",
          temperature: 0.5,
          max_output_tokens: CAP,
          stream: true,
        });
      }
    },
  );

  it("sends a JSON schema response format in each API's own shape", async () => {
    const schema = { type: "object", properties: { answer: { type: "string" } } };
    for (const model of ["parley-demo", "parley-demo-responses"]) {
      const response = await post({
        model,
        messages: ask("Answer in JSON"),
        responseFormat: { type: "json_schema", schema, strict: true },
      });
      await response.text();
      const format = { name: "response", schema, strict: true };
      expect(lastRequest(server.mock).body).toMatchObject(
        model === "parley-demo"
          ? { response_format: { type: "json_schema", json_schema: format } }
          : { text: { format: { type: "json_schema", ...format } } },
      );
    }
  });

  it("answers with exactly the stream headers, never compressed", async () => {
    const response = await post(
      { messages: ask("Hello", "tokens=60") },
      { headers: { "accept-encoding": "gzip, deflate, br" } },
    );
    const headers = Object.fromEntries(response.headers);
    expect({
      "content-type": headers["content-type"],
      "cache-control": headers["cache-control"],
      connection: headers.connection,
      "x-accel-buffering": headers["x-accel-buffering"],
    }).toEqual(SSE_HEADERS);
    expect(headers["content-encoding"]).toBeUndefined();
    expect(headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(sseEvents(await response.text()).length).toBeGreaterThan(60);
  });

  it("aborts the upstream request within 1 s of the client going away", async () => {
    server.mock.clear();
    const controller = new AbortController();
    const response = await post(
      { messages: ask("Tell me a long story", "tokens=2000 delay=10") },
      { signal: controller.signal },
    );
    const reader = response.body?.getReader();
    await reader?.read();
    const leftAt = performance.now();
    controller.abort();

    const record = lastRequest(server.mock);
    expect(await record.finished).toBe("aborted");
    expect((record.abortedAt ?? Number.POSITIVE_INFINITY) - leftAt).toBeLessThan(1_000);
    expect(record.tokensSent).toBeLessThan(2000);
  });

  it("answers an upstream 503 with 502 and its status, never the provider's headers", async () => {
    const response = await post({ messages: ask("hi", "fail=before status=503") });
    expect(response.status).toBe(502);
    expect(response.headers.get("x-request-id")).not.toMatch(/^req_mock/);
    const body = await errorBody(response);
    expect(body).toEqual({
      code: "upstream_error",
      status: 503,
      message: "The model provider answered 503: Mock upstream failure (fail=before).",
    });
  });

  it("answers an upstream 429 with 429 and the upstream's Retry-After", async () => {
    const response = await post({ messages: ask("hi", "fail=before status=429") });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe(String(MOCK_RETRY_AFTER_SECONDS));
    expect(await errorBody(response)).toMatchObject({ code: "upstream_error", status: 429 });
  });

  it("closes the connection on a failure mid-stream and logs it with the request id", async () => {
    const response = await post({ messages: ask("hi", "fail=after:3") });
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id");
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const ending = await (async () => {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) return "ended";
        text += decoder.decode(chunk.value);
      }
    })().catch((error: unknown) => (error as Error).message);

    expect(ending).toBe("terminated");
    const contents = sseEvents(text).map(
      (event) =>
        (JSON.parse(event.data) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta
          .content,
    );
    expect(contents.filter(Boolean)).toHaveLength(3);
    expect(text).not.toContain("[DONE]");
    const line = await eventually(() => {
      const found = logLines.find((candidate) => candidate.reqId === requestId && candidate.err);
      if (!found) throw new Error("no log line yet");
      return found;
    });
    expect(line).toMatchObject({ msg: "chat API request failed upstream", outcome: "failed" });
  });

  it("logs the request id, user, model, duration and usage, never the text", async () => {
    const response = await post({ messages: ask("PERIWINKLE secrets", "tokens=5") });
    const requestId = response.headers.get("x-request-id");
    await response.text();
    const line = await eventually(() => {
      const found = logLines.find(
        (candidate) => candidate.reqId === requestId && candidate.msg === "chat API request ended",
      );
      if (!found) throw new Error("no log line yet");
      return found;
    });
    const user = await account.client.auth.me.query();
    expect(line).toMatchObject({
      reqId: requestId,
      userId: expect.any(String),
      model: "parley-demo",
      outcome: "finished",
      durationMs: expect.any(Number),
      usage: { inputTokens: 2, outputTokens: 5, totalTokens: 7 },
    });
    expect(user.user?.id).toBe(line.userId);
    const sameRequest = logLines.filter((candidate) => candidate.reqId === requestId);
    expect(JSON.stringify(sameRequest)).not.toContain("PERIWINKLE");
  });
});

describe("POST /api/chat (one normalized stream)", () => {
  let server: Awaited<ReturnType<typeof startChatServer>>;
  let account: Account;
  beforeAll(async () => {
    server = await startChatServer();
    account = await newAccount(server.url);
  });
  afterAll(() => server.close());

  const post = (body: unknown) => postChat(server.url, "/api/chat", body, { token: account.token });

  /** The events as generations.stream would parse them. */
  async function eventsOf(response: Response) {
    return sseEvents(await response.text()).map((event) => ({
      name: event.event,
      event: GenerationEvent.parse(JSON.parse(event.data)),
    }));
  }

  it.each(["parley-demo", "parley-demo-reasoning"])(
    "streams %s as token, reasoning and final events",
    async (model) => {
      const response = await post({ model, messages: ask("What is a harbour?") });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe(SSE_HEADERS["content-type"]);
      const events = await eventsOf(response);
      expect(events.every(({ name, event }) => name === event.type)).toBe(true);
      const types = new Set(events.map(({ event }) => event.type));
      expect(types).toEqual(
        new Set(model === "parley-demo" ? ["token", "final"] : ["reasoning", "token", "final"]),
      );
      const final = events.at(-1)?.event;
      if (final?.type !== "final") throw new Error("no final event");
      const tokens = events.flatMap(({ event }) => (event.type === "token" ? [event.text] : []));
      expect(final.text).toBe(tokens.join(""));
      expect(final).toMatchObject({
        interrupted: false,
        usage: { outputTokens: expect.any(Number) },
      });
      // Padded like generations.stream: short tokens all take the same room.
      const sizes = events
        .filter(({ event }) => event.type === "token" && event.text.length < 32)
        .map(({ event }) => JSON.stringify(event).length);
      expect(new Set(sizes).size).toBe(1);
    },
  );

  it("ends with an error event when the provider fails mid-stream", async () => {
    const events = await eventsOf(await post({ messages: ask("hi", "fail=after:2") }));
    expect(events.map(({ event }) => event.type)).toEqual(["token", "token", "error"]);
    expect(events.at(-1)?.event).toMatchObject({ type: "error", code: "upstream" });
  });

  it("answers a refusal before the stream with the same JSON as the provider routes", async () => {
    const response = await post({ messages: ask("hi", "fail=before status=500") });
    expect(response.status).toBe(502);
    expect(await errorBody(response)).toMatchObject({ code: "upstream_error", status: 500 });
  });
});

describe("POST /api/chat-<provider>, one per provider in MODELS", () => {
  let upstream: MockUpstream;
  let listening: MockUpstreamServer;
  /** A provider that goes away during the tests. */
  let flaky: MockUpstreamServer;
  let server: TestServer;
  let account: Account;
  beforeAll(async () => {
    upstream = createMockUpstream({ defaultTokenDelayMs: 1, defaultTokens: 8 });
    listening = await listenMockUpstream(upstream);
    flaky = await listenMockUpstream(createMockUpstream());
    const models = [
      { id: "cloud", upstreamModel: "parley-demo-responses", api: "responses" },
      { id: "local", upstreamModel: "parley-demo", provider: "ollama" },
      { id: "flaky", upstreamModel: "parley-demo", provider: "flaky", baseURL: flaky.baseURL },
    ];
    server = await startTestServer({
      env: {
        MODELS: JSON.stringify(models),
        OPENAI_BASE_URL: listening.baseURL,
        RATE_LIMIT_MESSAGES_PER_MINUTE: "0",
      },
    });
    account = await newAccount(server.url);
  });
  afterAll(async () => {
    await server.close();
    await listening.close();
    await flaky.close();
  });

  const post = (path: string, body: unknown) =>
    postChat(server.url, path, body, { token: account.token });

  it("streams each provider's models on its own route, and none of another's", async () => {
    const local = await post("/api/chat-ollama", { messages: ask("hi") });
    expect(local.status).toBe(200);
    expect(sseEvents(await local.text()).at(-1)?.data).toBe("[DONE]");
    expect(upstream.requests.at(-1)).toMatchObject({ api: "chat", model: "parley-demo" });

    // The provider route's default model is its own first model.
    const cloud = await post("/api/chat-openai", { messages: ask("hi") });
    expect(sseEvents(await cloud.text()).at(-1)?.event).toBe("response.completed");

    const elsewhere = await post("/api/chat-openai", { model: "local", messages: ask("hi") });
    expect(elsewhere.status).toBe(400);
    expect((await errorBody(elsewhere)).message).toBe(
      'The model "local" is served at /api/chat-ollama, not here.',
    );
    expect((await post("/api/chat-nonesuch", { messages: ask("hi") })).status).toBe(404);

    const normalized = await post("/api/chat", { model: "local", messages: ask("hi") });
    expect(sseEvents(await normalized.text()).at(-1)?.event).toBe("final");
  });

  it("answers 502 with no status when the provider cannot be reached, then 503 at once", async () => {
    // Its first check found it up; nothing checks again for 30 s.
    await eventually(async () => {
      const status = (await server.client.models.list.query()).providers.find(
        (provider) => provider.name === "flaky",
      );
      expect(status?.lastSuccessAt).not.toBeNull();
    });
    await flaky.close();

    const unreachable = await post("/api/chat-flaky", { messages: ask("hi") });
    expect(unreachable.status).toBe(502);
    expect(await errorBody(unreachable)).toEqual({
      code: "upstream_error",
      status: null,
      message: "Could not reach the model provider: Connection error.",
    });

    // That failure told provider health: the next request is refused before any upstream call.
    const refused = await post("/api/chat-flaky", { messages: ask("hi") });
    expect(refused.status).toBe(503);
    expect(await errorBody(refused)).toEqual({
      code: "model_unavailable",
      message: 'The model "flaky" is unavailable: Could not reach the model provider.',
    });
    expect((await post("/api/chat-ollama", { messages: ask("hi") })).status).toBe(200);
  });
});
