// GET /metrics (issue 13): Prometheus text with the process's metrics and Parley's, each moving
// when a generation runs; labels that never carry users or text; who may read it.

import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ask, newAccount, postChat } from "./helpers/chat-api.ts";
import { codeOf } from "./helpers/errors.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import {
  type ChatServer,
  eventually,
  readStream,
  sendAndWait,
  startChatServer,
} from "./helpers/session.ts";

/** The value of the sample `name` whose labels are exactly `labels` (0 when there is none). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort()
    .join(",");
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const have = (match[2] ?? "").split(",").filter(Boolean).sort().join(",");
    if (have === wanted) return Number(match[3]);
  }
  return 0;
}

/** This machine's address on a network (not loopback), if it has one. */
const externalAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address && !address.internal && address.family === "IPv4")?.address;

describe("GET /metrics", () => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer({
      // Limits high enough for the tests, one low enough to reach.
      env: { RATE_LIMIT_MESSAGES_PER_MINUTE: "5" },
    });
  });
  afterAll(() => server.close());

  const metrics = async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  };

  it("is Prometheus text with the process's own metrics", async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(sample(text, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    // Lag is measured over time: right after start it may read 0, but it is there.
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds [\d.e-]+$/m);
    expect(text).toContain("# TYPE nodejs_gc_duration_seconds histogram");
  });

  it("counts a generation's message, tokens, latency and outcome by model", async () => {
    const before = await metrics();
    const client = server.newOwner();
    const { conversationId } = await client.conversations.create.mutate({
      model: "parley-demo",
    });
    const sent = await sendAndWait(client, {
      conversationId,
      content: "PERIWINKLE [[mock tokens=12]]",
    });
    const after = await eventually(async () => {
      const text = await metrics();
      expect(sample(text, "parley_generations_running")).toBe(0);
      return text;
    });

    const model = { model: "parley-demo" };
    const moved = (name: string, labels: Record<string, string> = model) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect({
      messages: moved("parley_messages_total"),
      outputTokens: moved("parley_output_tokens_total"),
      timeToFirstToken: moved("parley_time_to_first_token_seconds_count"),
      timePerOutputToken: moved("parley_time_per_output_token_seconds_count"),
      duration: moved("parley_generation_duration_seconds_count", {
        ...model,
        outcome: "finished",
      }),
    }).toEqual({
      messages: 1,
      outputTokens: 12,
      timeToFirstToken: 1,
      timePerOutputToken: 1,
      duration: 1,
    });
    expect(moved("parley_time_to_first_token_seconds_sum")).toBeGreaterThan(0);
    // Nothing of the user or the conversation in any label.
    expect(after).not.toContain("PERIWINKLE");
    expect(after).not.toContain(conversationId);
    expect(after).not.toContain(sent.assistantMessageId);
  });

  it("shows the generations running and the stream subscribers reading now", async () => {
    const client = server.newOwner();
    const { conversationId } = await client.conversations.create.mutate({});
    const sent = await client.messages.send.mutate({
      conversationId,
      content: "A long one [[mock tokens=400 delay=10]]",
    });
    // One subscriber, reading while the answer streams.
    let received = 0;
    const subscription = client.generations.stream.subscribe(
      { generationId: sent.generationId },
      { onData: () => void received++ },
    );
    await eventually(async () => {
      expect(received).toBeGreaterThan(2);
      const text = await metrics();
      expect(sample(text, "parley_generations_running")).toBe(1);
      expect(sample(text, "parley_stream_subscribers")).toBe(1);
    });
    subscription.unsubscribe();
    await client.generations.stop.mutate({ generationId: sent.generationId });

    const after = await eventually(async () => {
      const text = await metrics();
      expect(sample(text, "parley_generations_running")).toBe(0);
      expect(sample(text, "parley_stream_subscribers")).toBe(0);
      return text;
    });
    expect(
      sample(after, "parley_generation_duration_seconds_count", {
        model: "parley-demo",
        outcome: "stopped",
      }),
    ).toBe(1);
  });

  it("counts upstream errors by model and kind", async () => {
    const before = await metrics();
    const client = server.newOwner();
    const { conversationId } = await client.conversations.create.mutate({});
    for (const content of ["[[mock fail=before status=503]]", "[[mock fail=after:2]]"]) {
      const sent = await client.messages.send.mutate({ conversationId, content });
      const { events } = await readStream(client, { generationId: sent.generationId });
      expect(events.at(-1)?.event.type).toBe("error");
    }
    const after = await metrics();
    const moved = (kind: string) =>
      sample(after, "parley_upstream_errors_total", { model: "parley-demo", kind }) -
      sample(before, "parley_upstream_errors_total", { model: "parley-demo", kind });
    expect({ serverError: moved("server_error"), stream: moved("stream") }).toEqual({
      serverError: 1,
      stream: 1,
    });
  });

  it("counts rate-limited requests by limit, from the app and the chat routes", async () => {
    const before = await metrics();
    const account = await newAccount(server.url);
    const { conversationId } = await account.client.conversations.create.mutate({});
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const response = await postChat(
        server.url,
        "/api/chat-openai",
        { messages: ask("hi", "tokens=1") },
        { token: account.token },
      );
      await response.text();
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(
      await codeOf(account.client.messages.send.mutate({ conversationId, content: "one more" })),
    ).toBe("TOO_MANY_REQUESTS");
    const after = await metrics();
    const labels = { limit: "messagesPerOwner" };
    expect(
      sample(after, "parley_rate_limited_total", labels) -
        sample(before, "parley_rate_limited_total", labels),
    ).toBe(2);
    // The route's requests are messages of their model too.
    expect(
      sample(after, "parley_messages_total", { model: "parley-demo" }) -
        sample(before, "parley_messages_total", { model: "parley-demo" }),
    ).toBe(5);
  });

  it("times HTTP requests by route template, method and status, never by URL", async () => {
    const before = await metrics();
    await fetch(`${server.url}/healthz`);
    const sha = "a".repeat(64);
    expect((await fetch(`${server.url}/files/${sha}`)).status).toBe(404);
    await fetch(`${server.url}/no/such/page`);
    const after = await metrics();

    const count = (labels: Record<string, string>) =>
      sample(after, "parley_http_request_duration_seconds_count", labels) -
      sample(before, "parley_http_request_duration_seconds_count", labels);
    expect({
      health: count({ route: "/healthz", method: "GET", status: "200" }),
      file: count({ route: "/files/:sha256", method: "GET", status: "404" }),
      unmatched: count({ route: "(unmatched)", method: "GET", status: "404" }),
    }).toEqual({ health: 1, file: 1, unmatched: 1 });
    expect(after).not.toContain(sha);
    expect(after).not.toContain("/no/such/page");
  });
});

describe("who may read /metrics", () => {
  const token = "metrics-secret-0123456789";
  let open: TestServer;
  let guarded: TestServer;
  beforeAll(async () => {
    // Listening on every address, so the tests can also come from this machine's network one.
    [open, guarded] = await Promise.all([
      startTestServer({ env: { HOST: "0.0.0.0" } }),
      startTestServer({ env: { HOST: "0.0.0.0", METRICS_TOKEN: token } }),
    ]);
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
  });

  const status = async (url: string, headers: Record<string, string> = {}) =>
    (await fetch(`${url}/metrics`, { headers })).status;
  const fromNetwork = (server: TestServer) =>
    server.url.replace("127.0.0.1", externalAddress ?? "127.0.0.1");

  it("without METRICS_TOKEN: this machine only, not through a proxy", async () => {
    expect(await status(open.url)).toBe(200);
    expect(await status(open.url, { "x-forwarded-for": "203.0.113.9" })).toBe(403);
    expect(await status(open.url, { forwarded: "for=203.0.113.9" })).toBe(403);
  });

  it.skipIf(!externalAddress)(
    "without METRICS_TOKEN: refuses another address, even this machine's own",
    async () => {
      expect(await status(fromNetwork(open))).toBe(403);
    },
  );

  it("with METRICS_TOKEN: that bearer token, from anywhere", async () => {
    expect(await status(guarded.url)).toBe(401);
    expect(await status(guarded.url, { authorization: "Bearer wrong-token-0123456789" })).toBe(401);
    expect(await status(guarded.url, { authorization: `Bearer ${token}` })).toBe(200);
    expect(await status(fromNetwork(guarded), { authorization: `Bearer ${token}` })).toBe(200);
  });
});
