// Tool servers beyond MCP_SERVERS' happy path (issue 14): the built-in web search against a
// fake SearXNG, demo mode's own MCP server, a server that fails to start, and guests.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf } from "./helpers/errors.ts";
import { startFakeSearxng } from "./helpers/searxng.ts";
import {
  type ChatServer,
  type Client,
  eventually,
  sendAndWait,
  startChatServer,
  textOf,
} from "./helpers/session.ts";
import { stdioServerConfig, toolCalls, toolResults } from "./helpers/tools.ts";

async function signedIn(server: ChatServer, name: string): Promise<Client> {
  const client = server.newOwner();
  await client.auth.signUp.mutate({
    email: `${name}@example.com`,
    password: "correct horse battery",
  });
  return client;
}

describe("web search and demo tools", () => {
  let searxng: Awaited<ReturnType<typeof startFakeSearxng>>;
  let server: ChatServer;
  beforeAll(async () => {
    searxng = await startFakeSearxng();
    server = await startChatServer({ env: { SEARXNG_URL: searxng.url } });
  });
  afterAll(async () => {
    await server.close();
    await searxng.close();
  });

  it("searches the web through SearXNG, numbering the sources across the answer", async () => {
    const client = await signedIn(server, "searcher");
    const { conversationId } = await client.conversations.create.mutate({ model: "parley-demo" });
    const sent = await sendAndWait(client, {
      conversationId,
      content:
        'Look it up [[tool:web.search {"query":"mcp"}]] [[tool:web.search {"query":"searxng","max_results":1}]]',
      tools: ["web.search"],
    });
    expect(toolCalls(sent.events).map((call) => call.tool)).toEqual(["web.search", "web.search"]);
    expect(searxng.queries.sort()).toEqual(["mcp", "searxng"]);
    const results = toolResults(sent.events);
    // Numbered in the order the results came: [1] [2] for one search, [3] for the other.
    const numbers = results.map((result) => result.content.match(/^\[\d\]/gm)?.join(" "));
    expect([
      ["[1] [2]", "[3]"],
      ["[1]", "[2] [3]"],
    ]).toContainEqual(numbers);
    const mcp = results.find((result) => result.content.includes("mcp result 1"));
    expect(mcp?.sources).toEqual([
      {
        n: expect.any(Number),
        title: "mcp result 1",
        url: "https://example.org/mcp/1",
        snippet: "Snippet 1 about mcp.",
      },
      {
        n: expect.any(Number),
        title: "mcp result 2",
        url: "https://example.org/mcp/2",
        snippet: "Snippet 2 about mcp.",
      },
    ]);
    // Each source's number is the one the model read.
    for (const result of results) {
      for (const source of result.sources ?? []) {
        expect(result.content).toContain(`[${source.n}] ${source.title}\n${source.url}`);
      }
    }
    expect(mcp?.content).toMatch(
      /\] mcp result 1\nhttps:\/\/example\.org\/mcp\/1\nSnippet 1 about mcp\./,
    );
    // Stored with the answer, sources included.
    const { messages } = await client.conversations.get.query({ id: conversationId });
    const sources = messages.at(-1)?.toolRounds[0]?.calls.flatMap((call) => call.sources ?? []);
    expect(sources?.map((source) => source.url).sort()).toEqual([
      "https://example.org/mcp/1",
      "https://example.org/mcp/2",
      "https://example.org/searxng/1",
    ]);
  });

  it("demo mode offers its own MCP server, and a message naming a tool calls it", async () => {
    const client = await signedIn(server, "demo-user");
    const { servers } = await client.tools.list.query();
    expect(servers.map((s) => [s.name, s.status])).toEqual([
      ["demo", "ready"],
      ["web", "ready"],
    ]);
    const { conversationId } = await client.conversations.create.mutate({
      model: "parley-demo-responses",
    });
    const sent = await sendAndWait(client, {
      conversationId,
      content: "What is the weather in Paris today?",
      tools: ["demo.*"],
    });
    expect(toolCalls(sent.events)).toEqual([
      expect.objectContaining({ tool: "demo.weather", arguments: '{"city":"Paris"}' }),
    ]);
    const [result] = toolResults(sent.events);
    expect(result?.ok).toBe(true);
    expect(result?.content).toMatch(/^Paris: \w+, -?\d+ °C\.$/);
    expect(textOf(sent.events)).toContain(result?.content);
  });

  it("guests get no tools without GUEST_TOOLS: told so when they ask, and none by default", async () => {
    const guest = server.newOwner();
    expect((await guest.tools.list.query()).allowed).toBe(false);
    const { conversationId } = await guest.conversations.create.mutate({ model: "parley-demo" });
    const refused = await errorOf(
      guest.messages.send.mutate({ conversationId, content: "hi", tools: ["web.search"] }),
    );
    expect([refused.data?.code, refused.message]).toEqual(["FORBIDDEN", "Sign in to use tools."]);
    await guest.settings.update.mutate({ tools: ["web.*"] });
    server.mock.clear();
    await sendAndWait(guest, { conversationId, content: "hello" });
    const bodies = server.mock.requests.map((request) => request.body as { tools?: unknown });
    expect(bodies.every((body) => body.tools === undefined)).toBe(true);
  });
});

describe("an MCP server that fails", () => {
  let server: ChatServer;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "parley-mcp-"));
    server = await startChatServer({
      env: {
        MCP_SERVERS: JSON.stringify({
          broken: stdioServerConfig(join(dir, "events.jsonl"), { FAIL_TO_START: "true" }),
        }),
      },
      toolBackoff: { initialMs: 50, maxMs: 200 },
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("is reported with its reason and retried with backoff, and Parley keeps working", async () => {
    const failed = await eventually(async () => {
      const { servers } = await server.client.tools.list.query();
      const broken = servers.find((s) => s.name === "broken");
      if (broken?.status !== "failed") throw new Error(`broken is ${broken?.status}`);
      return broken;
    }, 10_000);
    expect(failed.error).toContain("this server refuses to start");
    expect(failed.tools).toEqual([]);
    // Tried again and again (each start writes its pid).
    await eventually(async () => {
      const starts = (await readFile(join(dir, "events.jsonl"), "utf8")).trim().split("\n");
      expect(starts.length).toBeGreaterThanOrEqual(3);
    }, 10_000);
    const { conversationId } = await server.client.conversations.create.mutate({
      model: "parley-demo",
    });
    const sent = await sendAndWait(server.client, { conversationId, content: "still here?" });
    expect(textOf(sent.events)).not.toBe("");
  });
});
