// Export and import (acceptance 5): a conversation with branches and files leaves as a Parley
// export and comes back as the same tree; Markdown gives the branch being read; ChatGPT's
// conversations.json imports with its branches; bad input is refused and writes nothing.

import {
  type Conversation,
  type ExportedConversation,
  FileRef,
  PARLEY_EXPORT_FORMAT,
  ParleyExport,
  USAGE_LIMITS,
} from "@parley/shared";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHATGPT_SAMPLE, conversation, sampleTime } from "./helpers/chatgpt-sample.ts";
import { testDatabaseKinds } from "./helpers/database.ts";
import type { CookieJar } from "./helpers/server.ts";
import { type ChatServer, type Client, sendAndWait, startChatServer } from "./helpers/session.ts";
import { type Shape, shape } from "./helpers/tree-shape.ts";

// A 1×1 PNG, and a text file.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
const NOTES = "Ferry times: 09:10, 11:40, 15:05\n";

describe.each(testDatabaseKinds())("export and import on %s", (database) => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer({ database });
  });
  afterAll(() => server?.close());

  async function upload(jar: CookieJar, name: string, bytes: Uint8Array, type: string) {
    const form = new FormData();
    form.append("file", new Blob([bytes], { type }), name);
    const response = await fetch(`${server.url}/files`, {
      method: "POST",
      body: form,
      headers: { cookie: jar.header() },
    });
    expect(response.status, await response.clone().text()).toBe(200);
    jar.store(response);
    return FileRef.parse(await response.json());
  }

  /** An export with its ids replaced by their positions: equal for equal content and trees. */
  function withoutIds(conversations: readonly ExportedConversation[]) {
    return conversations.map((conversation) => {
      const position = new Map(conversation.messages.map((message, index) => [message.id, index]));
      return {
        ...conversation,
        messages: conversation.messages.map((message) => ({
          ...message,
          id: position.get(message.id),
          parentId: message.parentId === null ? null : position.get(message.parentId),
        })),
      };
    });
  }

  async function exported(client: Client, id?: string) {
    const output = await client.conversations.export.query({
      format: "json",
      ...(id ? { id } : {}),
    });
    return ParleyExport.parse(JSON.parse(output.content));
  }

  async function codeOf(promise: Promise<unknown>) {
    try {
      await promise;
      return "ok";
    } catch (error) {
      if (error instanceof TRPCClientError) return `${error.data?.code}: ${error.message}`;
      throw error;
    }
  }

  /**
   * A conversation with a system prompt, a text file and an image on the first question, a retried
   * answer, a follow-up, and an edited first question with one file: four branches.
   */
  async function conversationWithBranches(client: Client, jar: CookieJar) {
    const notes = await upload(
      jar,
      "ferry notes.txt",
      new TextEncoder().encode(NOTES),
      "text/plain",
    );
    const dot = await upload(jar, "dot.png", PNG, "image/png");
    const { conversationId } = await client.conversations.create.mutate({
      model: "parley-demo-vision",
      systemPrompt: "Be brief.\nAnswer in English.",
    });
    await client.conversations.update.mutate({ id: conversationId, title: "Lisbon ferries" });
    const first = await sendAndWait(client, {
      conversationId,
      content: "[[mock tokens=5]] What do these say?",
      files: [notes.sha256, dot.sha256],
    });
    const retried = await sendAndWait(client, {
      conversationId,
      mode: "retry",
      messageId: first.assistantMessageId,
    });
    await sendAndWait(client, {
      conversationId,
      parentId: first.assistantMessageId,
      content: "[[mock tokens=3]] And on Sundays?",
    });
    const edited = await sendAndWait(client, {
      conversationId,
      mode: "edit",
      messageId: first.userMessageId,
      content: "[[mock tokens=4]] Just the picture, please.",
      files: [dot.sha256],
    });
    return { conversationId, notes, dot, first, retried, edited };
  }

  describe("a Parley export", () => {
    let owner: Client;
    let ownerJar: CookieJar;
    let fixture: Awaited<ReturnType<typeof conversationWithBranches>>;
    let original: Conversation;

    beforeAll(async () => {
      ({ client: owner, jar: ownerJar } = server.newSession());
      fixture = await conversationWithBranches(owner, ownerJar);
      original = await owner.conversations.get.query({ id: fixture.conversationId });
    }, 30_000);

    it("holds the whole tree and the files' bytes, in the documented format", async () => {
      const output = await owner.conversations.export.query({
        id: fixture.conversationId,
        format: "json",
      });
      expect(output.filename).toBe("lisbon-ferries.json");
      expect(output.mimeType).toBe("application/json");
      const document = ParleyExport.parse(JSON.parse(output.content));
      expect(document.format).toBe(PARLEY_EXPORT_FORMAT);
      expect(document.version).toBe(1);
      const [conversation] = document.conversations;
      expect(conversation?.messages).toHaveLength(original.messages.length);
      expect(original.messages).toHaveLength(7);
      expect(conversation?.systemPrompt).toBe("Be brief.\nAnswer in English.");
      expect(
        Object.fromEntries(
          document.files.map((file) => [file.name, Buffer.from(file.data, "base64")]),
        ),
      ).toEqual({ "ferry notes.txt": Buffer.from(NOTES), "dot.png": PNG });
    });

    it("imports as an equal tree, with the files attached, for another owner", async () => {
      const { client: other, jar: otherJar } = server.newSession();
      const output = await owner.conversations.export.query({
        id: fixture.conversationId,
        format: "json",
      });
      const report = await other.conversations.import.mutate({
        content: output.content,
        filename: output.filename,
      });
      expect(report).toEqual({
        source: "parley",
        imported: [
          { conversationId: expect.any(String), title: "Lisbon ferries", messages: 7, notes: [] },
        ],
        skipped: [],
      });
      const id = report.imported[0]?.conversationId ?? "";
      const copy = await other.conversations.get.query({ id });

      expect(shape(copy.messages)).toEqual(shape(original.messages));
      expect(shape(copy.messages)).toMatchObject([
        { role: "user", files: [{ name: "dot.png" }, { name: "ferry notes.txt" }] },
        { role: "user", files: [{ name: "dot.png" }], children: [{ role: "assistant" }] },
      ]);
      expect(shape(copy.messages)[0]?.children.map((answer) => answer.children.length)).toEqual([
        1, // the first answer has the follow-up…
        0, // …the retried one has none
      ]);
      const { title, model, systemPrompt, createdAt, updatedAt } = original;
      expect(copy).toMatchObject({ title, model, systemPrompt, createdAt, updatedAt });
      expect(copy.messages.map((message) => message.createdAt)).toEqual(
        original.messages.map((message) => message.createdAt),
      );
      expect(new Set(copy.messages.map((message) => message.id))).not.toContain(
        original.messages[0]?.id,
      );

      // Exporting the copy gives the same document, ids aside: every field came back.
      const again = await exported(other, id);
      const first = await exported(owner, fixture.conversationId);
      expect(withoutIds(again.conversations)).toEqual(withoutIds(first.conversations));
      expect(again.files).toEqual(first.files);

      // The files are the new owner's to read now, and answers can go on from the copy.
      const download = await fetch(`${server.url}/files/${fixture.notes.sha256}`, {
        headers: { cookie: otherJar.header() },
      });
      expect(download.status).toBe(200);
      expect(await download.text()).toBe(NOTES);
      const lastAnswer = copy.messages.findLast((message) => message.role === "assistant");
      await sendAndWait(other, {
        conversationId: id,
        parentId: lastAnswer?.id ?? null,
        content: "[[mock tokens=2]] Thanks",
      });
    });

    it("exports and imports all of an owner's conversations", async () => {
      const { conversationId } = await owner.conversations.create.mutate({
        model: "parley-demo-reasoning",
      });
      await owner.conversations.update.mutate({ id: conversationId, title: "Thinking" });
      await sendAndWait(owner, {
        conversationId,
        content: "[[mock tokens=3 reasoning=4]] Think first",
      });
      const all = await exported(owner);
      expect(all.conversations.map((conversation) => conversation.title)).toEqual([
        "Thinking",
        "Lisbon ferries",
      ]);
      expect(all.conversations[0]?.messages[1]?.reasoning).not.toBe("");

      const fresh = server.newOwner();
      const output = await owner.conversations.export.query({ format: "json" });
      expect(output.filename).toMatch(/^parley-export-\d{4}-\d{2}-\d{2}\.json$/);
      const report = await fresh.conversations.import.mutate({ content: output.content });
      expect(report.imported.map(({ title, messages }) => ({ title, messages }))).toEqual([
        { title: "Thinking", messages: 2 },
        { title: "Lisbon ferries", messages: 7 },
      ]);
      const back = await exported(fresh);
      expect(withoutIds(back.conversations)).toEqual(withoutIds(all.conversations));
      // Someone else's "all" holds none of it.
      const stranger = await exported(server.newOwner());
      expect(stranger.conversations).toEqual([]);
      expect(stranger.files).toEqual([]);
    });

    it("exports the branch being read as Markdown", async () => {
      const byId = new Map(original.messages.map((message) => [message.id, message]));
      const text = (id: string | undefined) => byId.get(id ?? "")?.content.trim();
      const started = `${original.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC`;
      const header = [
        "# Lisbon ferries",
        "",
        "- Model: Parley Demo Vision",
        `- Started: ${started}`,
        "",
        "**System prompt**",
        "",
        "> Be brief.",
        "> Answer in English.",
      ].join("\n");

      // By default the newest branch: the edited question and its answer.
      const newest = await owner.conversations.export.query({
        id: fixture.conversationId,
        format: "markdown",
      });
      expect(newest.filename).toBe("lisbon-ferries.md");
      expect(newest.mimeType).toBe("text/markdown; charset=utf-8");
      expect(newest.content).toBe(
        `${header}

## You

[[mock tokens=4]] Just the picture, please.

Attachments: \`dot.png\`

## Assistant

${text(fixture.edited.assistantMessageId)}
`,
      );

      // Through the first answer: the first question, that answer, and the follow-up below it.
      const followUp = original.messages.find((message) => message.content.includes("Sundays"));
      const answerToFollowUp = original.messages.find((m) => m.parentId === followUp?.id);
      const chosen = await owner.conversations.export.query({
        id: fixture.conversationId,
        format: "markdown",
        leafId: fixture.first.assistantMessageId,
      });
      expect(chosen.content).toBe(
        `${header}

## You

[[mock tokens=5]] What do these say?

Attachments: \`dot.png\`, \`ferry notes.txt\`

## Assistant

${text(fixture.first.assistantMessageId)}

## You

[[mock tokens=3]] And on Sundays?

## Assistant

${text(answerToFollowUp?.id)}
`,
      );
      const retried = await owner.conversations.export.query({
        id: fixture.conversationId,
        format: "markdown",
        leafId: fixture.retried.assistantMessageId,
      });
      expect(retried.content).toContain(
        `## Assistant\n\n${text(fixture.retried.assistantMessageId)}\n`,
      );
      expect(retried.content).not.toContain("Sundays");

      // All conversations: one document, each in turn.
      const all = await owner.conversations.export.query({ format: "markdown" });
      const titles = all.content.split("\n---\n\n").map((part) => part.split("\n", 1)[0]);
      expect(titles).toEqual(["# Thinking", "# Lisbon ferries"]);
      expect(all.content).toContain("<details><summary>Reasoning</summary>");

      expect(
        await codeOf(
          owner.conversations.export.query({
            id: fixture.conversationId,
            format: "markdown",
            leafId: "not-a-message",
          }),
        ),
      ).toBe("NOT_FOUND: No such message.");
      expect(
        await codeOf(owner.conversations.export.query({ format: "markdown", leafId: "x" })),
      ).toMatch(/^BAD_REQUEST/);
      expect(
        await codeOf(
          server
            .newOwner()
            .conversations.export.query({ id: fixture.conversationId, format: "markdown" }),
        ),
      ).toBe("NOT_FOUND: No such conversation.");
    });
  });

  describe("ChatGPT's conversations.json", () => {
    it("imports text with characters the database cannot hold, without them, and says so", async () => {
      const client = server.newOwner();
      const report = await client.conversations.import.mutate({
        content: JSON.stringify([
          conversation({
            id: "nul",
            title: "Nul\u0000 title",
            created: 0,
            updated: 10,
            currentNode: "a",
            model: "gpt-4o",
            nodes: [
              { id: "root", parent: null, children: ["u"] },
              {
                id: "u",
                parent: "root",
                children: ["a"],
                role: "user",
                at: 1,
                content: { content_type: "text", parts: ["A NUL\u0000 here"] },
              },
              {
                id: "a",
                parent: "u",
                children: [],
                role: "assistant",
                at: 2,
                content: { content_type: "text", parts: ["and half a pair \ud83d there"] },
              },
            ],
          }),
        ]),
        filename: "conversations.json",
      });
      expect(report.imported).toEqual([
        {
          conversationId: expect.any(String),
          title: "Nul title",
          messages: 2,
          notes: ["Removed 2 characters that cannot be stored (NUL, or half of a surrogate pair)."],
        },
      ]);
      const imported = await client.conversations.get.query({
        id: report.imported[0]?.conversationId ?? "",
      });
      expect(imported.messages.map((message) => message.content)).toEqual([
        "A NUL here",
        "and half a pair  there",
      ]);
    });

    it("imports with its branches, and reports what it left out", async () => {
      const client = server.newOwner();
      const report = await client.conversations.import.mutate({
        content: JSON.stringify(CHATGPT_SAMPLE),
        filename: "conversations.json",
      });
      // What was left out of an imported conversation is a note on it; a conversation with
      // nothing to import is skipped, with the reason.
      expect(report).toEqual({
        source: "chatgpt",
        imported: [
          {
            conversationId: expect.any(String),
            title: "Lisbon weekend",
            messages: 7,
            notes: ["Left out 1 image, 1 tool call, 1 tool message."],
          },
          {
            conversationId: expect.any(String),
            title: "Reverse a list in Python",
            messages: 2,
            notes: ["Left out 1 system message, 1 reasoning summary, 1 tool call, 1 tool message."],
          },
        ],
        skipped: [
          {
            title: "A photo",
            reason: "Nothing to import: it has no text messages. Left out 1 image.",
          },
        ],
      });

      const [lisbon, python] = await Promise.all(
        report.imported.map(({ conversationId }) =>
          client.conversations.get.query({ id: conversationId }),
        ),
      );
      const leaf = (content: string): Shape => ({
        role: "assistant",
        content,
        files: [],
        children: [],
      });
      expect(shape(lisbon?.messages ?? [])).toEqual([
        {
          role: "user",
          content: "Plan three days in Lisbon.",
          files: [],
          children: [
            // The regenerated answer is a second branch.
            leaf("Day 1: Alfama and the castle. Day 2: Belém. Day 3: Sintra."),
            leaf("Three days: **Alfama**, **Belém**, then a day trip to **Sintra**."),
          ],
        },
        {
          // The edited question is a branch beside the original.
          role: "user",
          content: "Plan four days in Lisbon.",
          files: [],
          children: [
            {
              role: "assistant",
              content: "Four days: Alfama, Baixa, Belém and Sintra.",
              files: [],
              children: [
                {
                  role: "user",
                  content: "What is this building?",
                  files: [],
                  // The search and its result are left out; the answer moves up to the question.
                  children: [
                    leaf("That is the Belém Tower, a 16th-century fortification on the Tagus."),
                  ],
                },
              ],
            },
          ],
        },
      ]);
      expect(lisbon).toMatchObject({
        title: "Lisbon weekend",
        // gpt-4o is not configured here: the owner's default model.
        model: (await client.models.list.query()).defaultModel,
        createdAt: sampleTime(0),
        updatedAt: sampleTime(900),
      });
      expect(lisbon?.messages.map((message) => message.createdAt)).toEqual(
        [10, 12, 60, 120, 125, 600, 606].map(sampleTime),
      );
      expect(lisbon?.messages.find((message) => message.role === "assistant")?.model).toBe(
        "gpt-4o",
      );

      // An answer split around a Python run reads as one answer, cut short as ChatGPT says.
      expect(shape(python?.messages ?? [])).toEqual([
        {
          role: "user",
          content: "How do I reverse a list?",
          files: [],
          children: [
            leaf(
              "Use `items[::-1]` for a copy, or `items.reverse()` in place.\n\nRunning it prints `[3, 2, 1]`.",
            ),
          ],
        },
      ]);
      expect(python?.messages[1]).toMatchObject({ interrupted: true, model: "o1" });

      const { items } = await client.conversations.list.query({});
      expect(items.map((item) => item.title)).toEqual([
        "Reverse a list in Python",
        "Lisbon weekend",
      ]);
    });

    it("accepts one conversation on its own", async () => {
      const client = server.newOwner();
      const report = await client.conversations.import.mutate({
        content: JSON.stringify(CHATGPT_SAMPLE[1]),
      });
      expect(report.imported.map((item) => item.title)).toEqual(["Reverse a list in Python"]);
    });
  });

  describe("bad input", () => {
    it("is refused with a clear message, and nothing is written", async () => {
      const client = server.newOwner();
      const db = server.database.db;
      const counts = () =>
        Promise.all([db.conversation.count(), db.message.count(), db.fileUpload.count()]);
      await client.settings.get.query();
      const before = await counts();
      const refused = async (content: string, filename?: string) =>
        codeOf(client.conversations.import.mutate({ content, ...(filename ? { filename } : {}) }));

      const supported =
        "Import a Parley export, ChatGPT's conversations.json or its ZIP, or an export of Open WebUI, LibreChat or chatbot-ui.";
      expect(await refused("{ not json", "notes.json")).toBe(
        `BAD_REQUEST: "notes.json" is not JSON or a ZIP (it breaks off or has a mistake near byte 2). ${supported}`,
      );
      expect(
        await refused(JSON.stringify({ format: "parley.export", version: 2, conversations: [] })),
      ).toBe(
        "BAD_REQUEST: This file is a Parley export of version 2; this Parley reads version 1.",
      );
      expect(await refused(JSON.stringify({ hello: "world" }))).toBe(
        `BAD_REQUEST: This file is not an export Parley knows, so there is nothing it can import from it. ${supported}`,
      );
      expect(await refused("[1, 2, 3]")).toMatch(/^BAD_REQUEST: This file is not an export/);
      expect(await refused("[]", "conversations.json")).toBe(
        'BAD_REQUEST: "conversations.json" has no conversations in it.',
      );
      expect(
        await refused(
          JSON.stringify({ format: "parley.export", version: 1, conversations: "all" }),
        ),
      ).toBe(
        "BAD_REQUEST: This file is a damaged Parley export: its list of conversations is missing.",
      );
      const empty = await client.conversations.import.mutate({ content: "" }).catch((e) => e);
      expect(empty).toBeInstanceOf(TRPCClientError);
      expect(empty.data?.zodIssues?.[0]?.message).toBe("The file is empty.");

      expect(await counts()).toEqual(before);
    });
  });

  describe("limits", () => {
    let limited: ChatServer;
    beforeAll(async () => {
      limited = await startChatServer({
        database,
        chat: {
          limits: {
            ...USAGE_LIMITS,
            conversationsPerOwner: 4,
            messagesPerConversation: 5,
            messageChars: 40,
          },
        },
      });
    });
    afterAll(() => limited?.close());

    it("skips or cuts what goes over them, and never fails the whole import for it", async () => {
      const client = limited.newOwner();
      await client.conversations.create.mutate({});
      const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
      const message = (
        id: string,
        parentId: string | null,
        role: string,
        content: string,
        minute: number,
        files: unknown[] = [],
      ) => ({
        id,
        parentId,
        role,
        content,
        reasoning: "",
        interrupted: false,
        error: null,
        model: role === "assistant" ? "parley-demo" : null,
        parameters: null,
        usage: null,
        createdAt: at(minute),
        files,
      });
      const conversation = (title: string, messages: unknown[]) => ({
        title,
        model: "no-such-model",
        systemPrompt: "",
        createdAt: at(0),
        updatedAt: at(30),
        messages,
      });
      const exe = Buffer.from(
        "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00this program",
        "latin1",
      );
      const exeRef = {
        sha256: "a".repeat(64),
        name: "setup.png",
        mimeType: "image/png",
        size: exe.length,
      };
      const document = {
        format: "parley.export",
        version: 1,
        exportedAt: at(40),
        conversations: [
          conversation(
            "Long",
            Array.from({ length: 7 }, (_, i) =>
              message(
                `m${i}`,
                i === 0 ? null : `m${i - 1}`,
                i % 2 ? "assistant" : "user",
                `line ${i}`,
                i,
              ),
            ),
          ),
          conversation("Wordy", [
            message("w0", null, "user", "x".repeat(100), 1, [exeRef]),
            {
              ...message("w1", "w0", "assistant", "short", 2),
              reasoning: "r".repeat(100),
              error: "e".repeat(5_000),
            },
          ]),
          conversation("Damaged", [message("d0", null, "tool", "hi", 1)]),
          conversation("Broken", [message("b0", "nowhere", "user", "hi", 1)]),
          conversation("One too many", [message("o0", null, "user", "hi", 1)]),
        ],
        files: [{ ...exeRef, data: exe.toString("base64") }],
      };
      const report = await client.conversations.import.mutate({
        content: JSON.stringify(document),
      });
      expect(
        report.imported.map(({ title, messages, notes }) => ({ title, messages, notes })),
      ).toEqual([
        {
          title: "Long",
          messages: 5,
          notes: ["Kept the first 5 of 7 messages (the limit per conversation)."],
        },
        {
          title: "Wordy",
          messages: 2,
          notes: [
            "Cut 1 message to 40 characters.",
            expect.stringMatching(
              /^Left out attachments: "setup\.png" was refused: "setup\.png" is not a type of file Parley accepts/,
            ),
          ],
        },
        {
          title: "Broken",
          messages: 1,
          notes: ["1 message came without the message before it; it starts a branch of its own."],
        },
      ]);
      expect(report.skipped).toEqual([
        {
          title: "Damaged",
          reason:
            "It is damaged: its message 1 has a missing or wrong role (user, assistant or system).",
        },
        {
          title: "One too many",
          reason: "You have reached the limit of 4 conversations; delete some to import more.",
        },
      ]);
      const long = await client.conversations.get.query({
        id: report.imported[0]?.conversationId ?? "",
      });
      expect(long.messages.map((m) => m.content)).toEqual([
        "line 0",
        "line 1",
        "line 2",
        "line 3",
        "line 4",
      ]);
      // The model it named is not configured here: the owner's default instead.
      expect(long.model).toBe("parley-demo");
      const wordy = await client.conversations.get.query({
        id: report.imported[1]?.conversationId ?? "",
      });
      expect(wordy.messages[0]).toMatchObject({ content: "x".repeat(40), files: [] });
      // Reasoning is held to the message limit, an error text to 1,000 characters.
      expect(wordy.messages[1]).toMatchObject({
        reasoning: "r".repeat(40),
        error: "e".repeat(1_000),
      });
    });
  });

  describe("a large import", () => {
    it("takes a 1,000-message conversation over 1 MB in one request, quickly", async () => {
      const client = server.newOwner();
      const start = Date.UTC(2026, 0, 1);
      const messages = Array.from({ length: 1_000 }, (_, i) => ({
        id: `m${i}`,
        // A retry every 50 messages: the tree has branches, not just a line.
        parentId: i === 0 ? null : i % 50 === 0 ? `m${i - 2}` : `m${i - 1}`,
        role: i % 2 ? "assistant" : "user",
        content: `Message ${i}: ${"lorem ipsum dolor sit amet ".repeat(45)}`,
        reasoning: "",
        interrupted: false,
        error: null,
        model: i % 2 ? "parley-demo" : null,
        parameters: null,
        usage: i % 2 ? { inputTokens: 10, outputTokens: 20, totalTokens: 30 } : null,
        createdAt: new Date(start + i * 1000).toISOString(),
        files: [],
      }));
      const content = JSON.stringify({
        format: "parley.export",
        version: 1,
        exportedAt: new Date().toISOString(),
        conversations: [
          {
            title: "Long haul",
            model: "parley-demo",
            systemPrompt: "",
            createdAt: messages[0]?.createdAt,
            updatedAt: messages.at(-1)?.createdAt,
            messages,
          },
        ],
        files: [],
      });
      expect(content.length).toBeGreaterThan(1.2 * 1024 * 1024);

      const began = performance.now();
      const report = await client.conversations.import.mutate({ content });
      const took = performance.now() - began;
      console.info(
        `imported 1,000 messages (${(content.length / 1024 / 1024).toFixed(1)} MB) in ${took.toFixed(0)} ms`,
      );
      expect(report.imported).toEqual([
        { conversationId: expect.any(String), title: "Long haul", messages: 1_000, notes: [] },
      ]);
      // Well under a second on an idle machine; the bound leaves room for a busy CI runner.
      expect(took).toBeLessThan(5_000);
      const conversation = await client.conversations.get.query({
        id: report.imported[0]?.conversationId ?? "",
      });
      expect(conversation.messages).toHaveLength(1_000);
      const position = new Map(conversation.messages.map((m, i) => [m.id, i]));
      expect(
        conversation.messages.map((m) => (m.parentId === null ? null : position.get(m.parentId))),
      ).toEqual(messages.map((m) => (m.parentId === null ? null : Number(m.parentId.slice(1)))));
    });

    it("keeps the 1 MB limit for every other procedure", async () => {
      const client = server.newOwner();
      const { conversationId } = await client.conversations.create.mutate({});
      const response = await fetch(`${server.url}/trpc/conversations.update`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ json: { id: conversationId, title: "x".repeat(1_100_000) } }),
      });
      expect(response.status).toBe(413);
      // A batch that includes the import may be large.
      const batch = await fetch(`${server.url}/trpc/conversations.import?batch=1`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ 0: { json: { content: `"${"x".repeat(1_100_000)}"` } } }),
      });
      expect(batch.status).toBe(400);
      const [result] = (await batch.json()) as { error: { json: { message: string } } }[];
      expect(result?.error.json.message).toMatch(/is not an export Parley knows/);
    });
  });
});
