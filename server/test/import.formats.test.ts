// Importing from the apps people leave (issue 15, items 1–3), with fixtures written by hand from
// each app's export code: Open WebUI, LibreChat (flat and as a tree), chatbot-ui, and ChatGPT
// (citations, and its ZIP with the attachments). Branches, times, models and roles come across;
// what cannot is named in the report, apart from the conversations skipped whole.

import { FileRef, type ImportOutput, type Message } from "@parley/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHATBOT_UI_SAMPLE, CHATBOT_UI_V1 } from "./helpers/chatbot-ui-sample.ts";
import {
  CHATGPT_CITATIONS_SAMPLE,
  CITED_NEW,
  CITED_OLD,
} from "./helpers/chatgpt-citations-sample.ts";
import { CHATGPT_SAMPLE, sampleTime } from "./helpers/chatgpt-sample.ts";
import { testDatabaseKinds } from "./helpers/database.ts";
import {
  LIBRECHAT_FLAT,
  LIBRECHAT_NESTED,
  LIBRECHAT_TREE,
  librechatTime,
} from "./helpers/librechat-sample.ts";
import { OPEN_WEBUI_SAMPLE, OWUI_PNG_BASE64, owuiTime } from "./helpers/open-webui-sample.ts";
import type { CookieJar } from "./helpers/server.ts";
import { type ChatServer, type Client, startChatServer } from "./helpers/session.ts";
import { type Shape, shape } from "./helpers/tree-shape.ts";
import { zipBuffer } from "./helpers/zip.ts";

const PNG = Buffer.from(OWUI_PNG_BASE64, "base64");

/** A message as a leaf of the expected tree. */
const leaf = (role: string, content: string, files: Shape["files"] = []): Shape => ({
  role,
  content,
  files,
  children: [],
});
const node = (role: string, content: string, children: Shape[], files: Shape["files"] = []) => ({
  role,
  content,
  files,
  children,
});

describe.each(testDatabaseKinds())("importing from other apps on %s", (database) => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer({ database });
  });
  afterAll(() => server?.close());

  async function imported(client: Client, report: ImportOutput, title: string) {
    const item = report.imported.find((entry) => entry.title === title);
    if (!item) throw new Error(`"${title}" was not imported`);
    return client.conversations.get.query({ id: item.conversationId });
  }
  const byContent = (messages: readonly Message[], content: string) => {
    const found = messages.find((message) => message.content === content);
    if (!found) throw new Error(`no message "${content}"`);
    return found;
  };

  async function upload(jar: CookieJar, name: string, bytes: Uint8Array, type: string) {
    const form = new FormData();
    form.append("file", new Blob([bytes], { type }), name);
    const response = await fetch(`${server.url}/imports`, {
      method: "POST",
      body: form,
      headers: { cookie: jar.header() },
    });
    jar.store(response);
    return response;
  }

  describe("Open WebUI", () => {
    let client: Client;
    let report: ImportOutput;
    beforeAll(async () => {
      client = server.newOwner();
      report = await client.conversations.import.mutate({
        content: JSON.stringify(OPEN_WEBUI_SAMPLE),
        filename: "chat-export-1722000000000.json",
      });
    });

    it("reports each chat imported, with what was left out, and the ones skipped", () => {
      expect(report).toEqual({
        source: "open-webui",
        imported: [
          {
            conversationId: expect.any(String),
            title: "Sourdough starter",
            messages: 8,
            notes: ["Left out 1 message with an unknown role, 1 tool call, 1 empty message."],
          },
          { conversationId: expect.any(String), title: "Old chat", messages: 2, notes: [] },
          {
            conversationId: expect.any(String),
            title: "Broken tree",
            messages: 5,
            notes: [
              "1 message came without the message before it; it starts a branch of its own.",
              "1 message led back to itself through the messages before it; it starts a branch of its own.",
            ],
          },
        ],
        skipped: [{ title: "Only instructions", reason: "Nothing to import: it has no messages." }],
      });
    });

    it("keeps both models' answers as branches, edits, reasoning, errors and the pasted image", async () => {
      const chat = await imported(client, report, "Sourdough starter");
      const image = chat.messages.find((message) => message.files.length > 0)?.files[0];
      expect(image).toMatchObject({ mimeType: "image/png", size: PNG.length, name: "image-1.png" });
      const files = image ? [{ sha256: image.sha256, name: image.name }] : [];
      expect(shape(chat.messages)).toEqual([
        node("user", "How do I feed a sourdough starter?", [
          // The reply under the unknown role moves up to the answer before it.
          node("assistant", "Equal weights of flour and water, once a day.", [
            leaf("user", "And in winter?"),
          ]),
          node("assistant", "Feed it 1:1:1 by weight every 24 hours.", [
            node(
              "user",
              "What does it look like when it is ready?",
              [leaf("assistant", "Bubbly and domed, about double")],
              files,
            ),
            node("user", "How long until it is ready?", [leaf("assistant", "")]),
          ]),
        ]),
      ]);
      const first = byContent(chat.messages, "Equal weights of flour and water, once a day.");
      expect(first).toMatchObject({
        model: "llama3.1:8b",
        reasoning: "The user asks how to feed a starter.\nKeep it short & practical.",
        usage: { inputTokens: 21, outputTokens: 12, totalTokens: 33 },
        parameters: { temperature: 0.7 },
        createdAt: owuiTime(4),
      });
      expect(byContent(chat.messages, "Feed it 1:1:1 by weight every 24 hours.").model).toBe(
        "qwen2.5:7b",
      );
      expect(byContent(chat.messages, "Bubbly and domed, about double").interrupted).toBe(true);
      expect(chat.messages.find((message) => message.error !== null)).toMatchObject({
        content: "",
        error: "Ollama: model 'qwen2.5:7b' not found",
      });
      expect(chat).toMatchObject({
        systemPrompt: "You are a patient baker.",
        createdAt: owuiTime(0),
        updatedAt: owuiTime(130),
      });
    });

    it("reads an old chat's plain list, and mends a broken tree", async () => {
      const old = await imported(client, report, "Old chat");
      expect(shape(old.messages)).toEqual([node("user", "Say hi.", [leaf("assistant", "Hi!")])]);
      expect(old.messages.map((message) => message.createdAt)).toEqual([
        owuiTime(3_600),
        owuiTime(3_601),
      ]);
      const broken = await imported(client, report, "Broken tree");
      expect(shape(broken.messages)).toEqual([
        node("user", "First question", [leaf("assistant", "First answer")]),
        leaf("user", "Orphan question"),
        // The earlier of two messages that name each other as parent starts the branch.
        node("user", "Loop one", [leaf("user", "Loop two")]),
      ]);
    });
  });

  describe("LibreChat", () => {
    it("imports a flat export with its branches, errors, reasoning and unfinished answers", async () => {
      const client = server.newOwner();
      const report = await client.conversations.import.mutate({
        content: JSON.stringify(LIBRECHAT_FLAT),
      });
      expect(report).toEqual({
        source: "librechat",
        imported: [
          {
            conversationId: expect.any(String),
            title: "Trip to Kyoto",
            messages: 9,
            notes: [
              "Left out 1 tool call, 1 image.",
              "1 message came without the message before it; it starts a branch of its own.",
            ],
          },
        ],
        skipped: [],
      });
      const chat = await imported(client, report, "Trip to Kyoto");
      expect(shape(chat.messages)).toEqual([
        node("user", "Plan a day in Kyoto.", [
          node("assistant", "Morning at Fushimi Inari, afternoon in Gion.", [
            node("user", "Where should we eat?", [
              leaf("assistant", ""),
              node("assistant", "Try Pontocho Alley for dinner.", [
                node("user", "And this temple?", [
                  leaf("assistant", "That is Kiyomizu-dera, on the eastern"),
                ]),
              ]),
            ]),
          ]),
          leaf("assistant", "Start at Kinkaku-ji, then Arashiyama."),
        ]),
        leaf("user", "Is the JR pass worth it?"),
      ]);
      expect(chat).toMatchObject({
        systemPrompt: "Answer like a travel agent.",
        createdAt: librechatTime(0),
        updatedAt: librechatTime(300),
      });
      expect(byContent(chat.messages, "Start at Kinkaku-ji, then Arashiyama.")).toMatchObject({
        model: "gpt-4o-mini",
        parameters: { temperature: 0.8 },
        createdAt: librechatTime(40),
      });
      expect(chat.messages.find((message) => message.error !== null)).toMatchObject({
        error: "Error: 429 Rate limit reached for gpt-4o.",
        interrupted: true,
      });
      expect(byContent(chat.messages, "Try Pontocho Alley for dinner.").reasoning).toBe(
        "They want food near Gion.",
      );
      expect(byContent(chat.messages, "That is Kiyomizu-dera, on the eastern").interrupted).toBe(
        true,
      );
    });

    it("imports a tree export (messagesTree), dating messages without times by their branch", async () => {
      const client = server.newOwner();
      const report = await client.conversations.import.mutate({
        content: JSON.stringify(LIBRECHAT_TREE),
      });
      expect(
        report.imported.map(({ title, messages, notes }) => ({ title, messages, notes })),
      ).toEqual([{ title: "Python virtual environment", messages: 7, notes: [] }]);
      const chat = await imported(client, report, "Python virtual environment");
      expect(shape(chat.messages)).toEqual([
        node("user", "How do I activate a venv?", [
          node("assistant", "Run `source venv/bin/activate`.", [
            node("user", "thanks", [
              leaf("assistant", "You're welcome! Good luck."),
              leaf("assistant", "You're welcome! Happy coding."),
            ]),
            node("user", "lol", [leaf("assistant", "Glad it amused you!")]),
          ]),
        ]),
      ]);
      expect(byContent(chat.messages, "lol").createdAt).toEqual(librechatTime(2));
      expect(chat.systemPrompt).toBe("You are an expert software engineer.");
      expect(chat.messages.find((message) => message.role === "assistant")?.model).toBe("gpt-4o");
    });

    it("imports a newer tree export nested in messages, text from content parts", async () => {
      const client = server.newOwner();
      const report = await client.conversations.import.mutate({
        content: JSON.stringify(LIBRECHAT_NESTED),
      });
      const chat = await imported(client, report, "Haiku");
      expect(shape(chat.messages)).toEqual([
        node("user", "Write a haiku about rain.", [leaf("assistant", "Soft rain on the roof")]),
      ]);
      expect(chat.messages[1]?.model).toBe("claude-3-5-sonnet");
    });
  });

  describe("chatbot-ui", () => {
    it("imports its history in order, with the system prompt and model, leaving out the odd", async () => {
      const client = server.newOwner();
      const report = await client.conversations.import.mutate({
        content: JSON.stringify(CHATBOT_UI_SAMPLE),
      });
      expect(report).toEqual({
        source: "chatbot-ui",
        imported: [
          {
            conversationId: expect.any(String),
            title: "Binary search in Go",
            messages: 4,
            notes: [],
          },
          {
            conversationId: expect.any(String),
            title: "Odd one",
            messages: 2,
            notes: ["Left out 1 message with an unknown role, 1 empty message."],
          },
        ],
        skipped: [{ title: "New Conversation", reason: "Nothing to import: it has no messages." }],
      });
      const go = await imported(client, report, "Binary search in Go");
      expect(shape(go.messages)).toEqual([
        node("user", "Write a binary search in Go.", [
          node("assistant", "```go\nfunc search(xs []int, x int) int { … }\n```", [
            node("user", "Now make it generic.", [
              leaf("assistant", "Use `[T cmp.Ordered]` as the type parameter."),
            ]),
          ]),
        ]),
      ]);
      expect(go.systemPrompt).toBe("You are a careful programmer.");
      expect(go.messages[1]).toMatchObject({ model: "gpt-4", parameters: { temperature: 0.5 } });
      const odd = await imported(client, report, "Odd one");
      expect(odd.systemPrompt).toBe("Reply in French.");
      expect(shape(odd.messages)).toEqual([
        node("user", "Hello", [leaf("assistant", "Bonjour !")]),
      ]);
      // No times in the file: dated at the import, in the file's order.
      expect(go.createdAt.getTime()).toBeLessThan(odd.createdAt.getTime());
      const { items } = await client.conversations.list.query({});
      expect(items.map((item) => item.title)).toEqual(["Odd one", "Binary search in Go"]);
    });

    it("reads the oldest shape, a plain list", async () => {
      const client = server.newOwner();
      const report = await client.conversations.import.mutate({
        content: JSON.stringify(CHATBOT_UI_V1),
      });
      expect(report.imported.map((item) => [item.title, item.messages])).toEqual([["Haiku", 2]]);
    });
  });

  describe("ChatGPT", () => {
    it("turns citation markers into numbered links to the recorded sources, or removes them", async () => {
      const client = server.newOwner();
      const report = await client.conversations.import.mutate({
        content: JSON.stringify(CHATGPT_CITATIONS_SAMPLE),
      });
      expect(report.imported.map(({ title, notes }) => ({ title, notes }))).toEqual([
        { title: "Signal Sciences", notes: ["Left out 1 tool call, 1 tool message."] },
        { title: "Lisbon trams", notes: [] },
      ]);
      const old = await imported(client, report, "Signal Sciences");
      expect(old.messages.map((message) => message.content)).toEqual([
        "Who founded Signal Sciences?",
        CITED_OLD,
      ]);
      const lisbon = await imported(client, report, "Lisbon trams");
      expect(lisbon.messages[1]?.content).toBe(CITED_NEW);
      for (const message of [...old.messages, ...lisbon.messages]) {
        expect(message.content).not.toMatch(/[\uE200-\uE2FF]|【|】/);
      }
    });

    it("imports the data export's ZIP, with the images it holds", async () => {
      const { client, jar } = server.newSession();
      await client.settings.get.query();
      const zip = await zipBuffer([
        { name: "conversations.json", data: JSON.stringify(CHATGPT_SAMPLE) },
        // The attachment ChatGPT names file-AbC123, kept under its upload name.
        { name: "file-AbC123-IMG_2041.png", data: PNG, store: true },
        { name: "file-Xy9-photo.png", data: PNG, store: true },
        { name: "user.json", data: JSON.stringify({ id: "user-1", email: "a@example.com" }) },
        { name: "message_feedback.json", data: "[]" },
        { name: "chat.html", data: "<html>…</html>" },
      ]);
      const response = await upload(jar, "chatgpt-export.zip", zip, "application/zip");
      expect(response.status, await response.clone().text()).toBe(200);
      const report = (await response.json()) as ImportOutput;
      expect(report).toEqual({
        source: "chatgpt",
        imported: [
          {
            conversationId: expect.any(String),
            title: "Lisbon weekend",
            messages: 7,
            notes: ["Left out 1 tool call, 1 tool message."],
          },
          {
            conversationId: expect.any(String),
            title: "Reverse a list in Python",
            messages: 2,
            notes: ["Left out 1 system message, 1 reasoning summary, 1 tool call, 1 tool message."],
          },
          // Only a picture: with the picture in the ZIP, it is a conversation.
          { conversationId: expect.any(String), title: "A photo", messages: 1, notes: [] },
        ],
        skipped: [],
      });
      const lisbon = await imported(client, report, "Lisbon weekend");
      const question = byContent(lisbon.messages, "What is this building?");
      expect(question.files).toEqual([
        FileRef.parse({
          sha256: question.files[0]?.sha256,
          name: "IMG_2041.png",
          mimeType: "image/png",
          size: PNG.length,
        }),
      ]);
      expect(question.createdAt).toEqual(sampleTime(600));
      // The image is the owner's to read, as an upload's would be.
      const file = await fetch(`${server.url}/files/${question.files[0]?.sha256}`, {
        headers: { cookie: jar.header() },
      });
      expect(Buffer.from(await file.arrayBuffer())).toEqual(PNG);
    });

    it("reads a ZIP whose conversations are spread over several JSON files", async () => {
      const { jar } = server.newSession();
      const [first, second, third] = CHATGPT_SAMPLE;
      const zip = await zipBuffer([
        { name: "conversations-000.json", data: JSON.stringify([first, second]) },
        { name: "conversations-001.json", data: JSON.stringify([third]) },
      ]);
      const response = await upload(jar, "export.zip", zip, "application/zip");
      expect(response.status).toBe(200);
      const report = (await response.json()) as ImportOutput;
      expect(report.imported.map((item) => item.title)).toEqual([
        "Lisbon weekend",
        "Reverse a list in Python",
      ]);
      // Without the picture in the ZIP, "A photo" has nothing to import.
      expect(report.skipped).toEqual([
        {
          title: "A photo",
          reason: "Nothing to import: it has no text messages. Left out 1 image.",
        },
      ]);
    });
  });
});
