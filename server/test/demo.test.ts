// The demo that explains itself (issue 15, item 10): in demo mode the mock welcomes people, says
// it is a demo model and how to connect a real one, and on request shows Markdown, a long answer
// to stop and resume, reasoning and what the vision model receives; always the same way. Tests
// and benchmarks (a mock without the demo flag), and any request with a directive, keep the
// placeholder prose.

import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.ts";
import { imageSize, providerDocs } from "../src/llm/mock/demo.ts";
import { createMockUpstream } from "../src/llm/mock/index.ts";
import { createModelRegistry } from "../src/llm/registry.ts";
import { CookieJar, createClient, startTestServer, type TestServer } from "./helpers/server.ts";
import { type Client, eventually, readStream, textOf } from "./helpers/session.ts";

/** Where the demo's welcome points for providers (the test server's own README, for real). */
const DOCS = providerDocs("http://parley.test");

/** A real 3×2 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAYAAACddGYaAAAAEklEQVR42mP8z8DwnwEKGBkYAC8xAwHxlrbYAAAAAElFTkSuQmCC",
  "base64",
);

/** The whole answer the chat model gives `content`, through the SDK. */
async function ask(mock: ReturnType<typeof createMockUpstream>, content: string) {
  const openai = new OpenAI({
    apiKey: "demo",
    baseURL: "http://mock.invalid/v1",
    fetch: mock.fetch,
  });
  const completion = await openai.chat.completions.create({
    model: "parley-demo",
    messages: [{ role: "user", content }],
  });
  return completion.choices[0]?.message.content ?? "";
}

describe("the demo model's replies", () => {
  const demo = createMockUpstream({ demo: { docsUrl: DOCS }, defaultTokenDelayMs: 0 });

  it("welcomes people: a demo model, how to connect a real provider, what to try; the same every time", async () => {
    const first = await ask(demo, "Hi there");
    expect(first).toMatch(/^Hello! I am \*\*Parley Demo\*\*/);
    for (const expected of [
      "`OPENAI_API_KEY`",
      "`OPENAI_BASE_URL`",
      "`MODELS`",
      `[Connecting a model provider](${DOCS})`,
      "**markdown**",
      "**a long answer**",
      "Parley Demo Reasoning",
      "Parley Demo Vision",
    ]) {
      expect(first).toContain(expected);
    }
    expect(await ask(demo, "Hi there")).toBe(first);
    expect(await ask(demo, "Something else entirely")).toBe(first);
  });

  it("shows a table, code and math when asked for markdown", async () => {
    const answer = await ask(demo, "Show me some markdown");
    expect(answer).toContain("| Model | Reads images | Thinks first |");
    expect(answer).toContain("```ts\nimport { createParleyClient }");
    expect(answer).toContain("$e^{i\\pi} + 1 = 0$");
    expect(answer).toContain("$$\n\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}\n$$");
  });

  it("keeps its placeholder prose for requests with a directive, and when not the demo", async () => {
    const directed = await ask(demo, "[[mock tokens=5]] Hi there");
    const plain = createMockUpstream({ defaultTokenDelayMs: 0 });
    expect(directed).toBe(await ask(plain, "[[mock tokens=5]] Hi there"));
    expect(directed.trim().split(/\s+/).length).toBeLessThanOrEqual(5);
    expect(await ask(plain, "Hi there")).not.toContain("Parley Demo");
  });

  it("is what the registry answers with in demo mode", async () => {
    const registry = await createModelRegistry(parseConfig({ NODE_ENV: "test" }));
    expect(registry.list().demo).toBe(true);
    if (!registry.mock) throw new Error("no demo mock");
    const welcome = await ask(registry.mock, "Hello");
    expect(welcome).toMatch(/^Hello! I am \*\*Parley Demo\*\*/);
    // PUBLIC_URL's README: the operator's own Parley serves it.
    expect(welcome).toContain("(http://localhost:3000/README.md#connecting-a-model-provider)");
  });

  it("reads the size of PNG, GIF, JPEG and WebP images from their headers", () => {
    expect(imageSize(PNG)).toEqual({ width: 3, height: 2 });
    const gif = Buffer.from(
      "R0lGODlhBQAEAIAAAAAAAP///yH5BAEAAAAALAAAAAAFAAQAAAIEjI+pWAA7",
      "base64",
    );
    expect(imageSize(gif)).toEqual({ width: 5, height: 4 });
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x07,
      0x00, 0x09, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01,
    ]);
    expect(imageSize(jpeg)).toEqual({ width: 9, height: 7 });
    const webp = Buffer.concat([
      Buffer.from("RIFF\0\0\0\0WEBPVP8X", "latin1"),
      Buffer.from([10, 0, 0, 0, 0, 0, 0, 0, 19, 0, 0, 9, 0, 0]),
    ]);
    expect(imageSize(webp)).toEqual({ width: 20, height: 10 });
    expect(imageSize(Buffer.from("not an image"))).toBeUndefined();
  });
});

describe("the demo in Parley", () => {
  let server: TestServer;
  let client: Client;
  let jar: CookieJar;

  beforeAll(async () => {
    server = await startTestServer({ mock: { demo: { docsUrl: DOCS }, defaultTokenDelayMs: 2 } });
    jar = new CookieJar();
    client = createClient(server.url, { jar });
  });
  afterAll(() => server?.close());

  async function answer(model: string, content: string, files?: string[]) {
    const { conversationId } = await client.conversations.create.mutate({ model });
    const sent = await client.messages.send.mutate({ conversationId, content, files });
    const { events } = await readStream(client, { generationId: sent.generationId });
    return { conversationId, sent, events, text: textOf(events) };
  }

  it("titles the first conversation after what was asked", async () => {
    const { conversationId } = await answer("parley-demo", "Hello");
    await eventually(async () => {
      const conversation = await client.conversations.get.query({ id: conversationId });
      expect(conversation.title).toBe("Welcome to Parley");
    });
  });

  it("writes a long answer that Continue finishes exactly where Stop left it", async () => {
    const { conversationId } = await client.conversations.create.mutate({});
    const whole = await answer("parley-demo", "Give me a long answer");
    const sent = await client.messages.send.mutate({
      conversationId,
      content: "Give me a long answer",
    });
    await readStream(client, { generationId: sent.generationId }, { take: 40 });
    await client.generations.stop.mutate({ generationId: sent.generationId });
    const stopped = (await client.conversations.get.query({ id: conversationId })).messages.find(
      (message) => message.id === sent.assistantMessageId,
    );
    expect(stopped?.interrupted).toBe(true);
    expect(whole.text.startsWith(stopped?.content ?? "-")).toBe(true);
    expect(stopped?.content.length).toBeLessThan(whole.text.length);

    const continued = await client.messages.send.mutate({
      conversationId,
      mode: "continue",
      messageId: sent.assistantMessageId,
    });
    const { events } = await readStream(client, { generationId: continued.generationId });
    expect(events.at(-1)?.event).toMatchObject({ type: "final", text: whole.text });
    // Some 700 words: at the demo's 15 ms a word, ten seconds to press Stop or reload.
    expect(whole.text.split(/\s+/).length).toBeGreaterThan(600);
  });

  it("thinks first on the reasoning model, and says where to find it on the others", async () => {
    const reasoned = await answer("parley-demo-reasoning", "Can you reason about this?");
    const reasoning = reasoned.events
      .filter(({ event }) => event.type === "reasoning")
      .map(({ event }) => (event.type === "reasoning" ? event.text : ""))
      .join("");
    expect(reasoning).toMatch(/^They asked me to think\./);
    expect(reasoned.text).toMatch(/^There: the reasoning above came first/);
    const plain = await answer("parley-demo", "Can you reason about this?");
    expect(plain.text).toContain("**Parley Demo Reasoning** does: pick it in the model menu");
  });

  it("tells what an image sent to the vision model was", async () => {
    const form = new FormData();
    form.append("file", new Blob([PNG]), "dot.png");
    const uploaded = await fetch(`${server.url}/files`, {
      method: "POST",
      body: form,
      headers: { cookie: jar.header() },
    });
    const { sha256 } = (await uploaded.json()) as { sha256: string };
    const { text } = await answer("parley-demo-vision", "What is this?", [sha256]);
    expect(text).toContain(
      `I received one image:\n\n1. a PNG image, 3 × 2 pixels, ${PNG.length} bytes`,
    );
    const asked = await answer("parley-demo", "Can you look at an image?");
    expect(asked.text).toMatch(/^I cannot take images, but \*\*Parley Demo Vision\*\* can/);
  });

  it("serves the README its welcome links to", async () => {
    const response = await fetch(`${server.url}/README.md`);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await response.text()).toContain("## Connecting a model provider");
  });
});
