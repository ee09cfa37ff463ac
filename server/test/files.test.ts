// Attachments over real HTTP: upload, dedup, limits, type sniffing, who may download, and how
// files reach the model (issue 6, acceptance 2, 3 and 4).

import { createHash } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { FileRef } from "@parley/shared";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sniff } from "../src/files/sniff.ts";
import {
  createMockUpstream,
  listenMockUpstream,
  type MockRequestRecord,
  type MockUpstreamServer,
} from "../src/llm/mock/index.ts";
import { errorOf } from "./helpers/errors.ts";
import { CookieJar, createClient } from "./helpers/server.ts";
import {
  answerRequests,
  type ChatServer,
  type Client,
  sendAndAnswer,
  sendAndWait,
  startChatServer,
} from "./helpers/session.ts";

/** A real 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
/** The start of a Windows program: "MZ", a DOS stub, then padding with NUL bytes. */
const EXE = Buffer.concat([
  Buffer.from("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "latin1"),
  Buffer.from("This program cannot be run in DOS mode.\r\n", "latin1"),
  Buffer.alloc(64),
]);
const NOTES = "# Shopping\n\n- apples\n- the word PERIWINKLE, which only this file contains\n";
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" onload="document.title=\'pwned\'"><script>document.title="pwned"</script></svg>';
const PDF = Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "latin1");

const sha256Of = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

interface Uploaded {
  status: number;
  body: unknown;
  headers: Headers;
}

/** POST /files as a browser does: multipart, with the session cookie in `jar` (kept updated). */
async function upload(
  url: string,
  name: string,
  bytes: Uint8Array | string,
  auth: { jar?: CookieJar; headers?: Record<string, string> } = {},
): Promise<Uploaded> {
  const form = new FormData();
  form.append("file", new Blob([bytes]), name);
  const headers = new Headers(auth.headers);
  if (auth.jar?.cookies.size) headers.set("cookie", auth.jar.header());
  const response = await fetch(`${url}/files`, { method: "POST", body: form, headers });
  auth.jar?.store(response);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

async function uploaded(url: string, name: string, bytes: Uint8Array | string, jar: CookieJar) {
  const result = await upload(url, name, bytes, { jar });
  expect(result.status).toBe(200);
  return result.body as FileRef;
}

/** GET /files/:sha256 with the cookies of `jar` (none: an anonymous visitor). */
function download(url: string, sha256: string, jar?: CookieJar, query = "") {
  const headers = new Headers();
  if (jar?.cookies.size) headers.set("cookie", jar.header());
  return fetch(`${url}/files/${sha256}${query}`, { headers });
}

/** Every file under `dir`, recursively, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

let server: ChatServer;
beforeAll(async () => {
  server = await startChatServer();
});
afterAll(() => server.close());
beforeEach(() => server.mock.clear());

/** A new guest: a client and its cookie jar, with the session made (as the SPA's first call does). */
async function newGuest() {
  const session = server.newSession();
  await session.client.settings.get.query();
  return session;
}

async function titledConversation(client: Client, model: string) {
  const { conversationId } = await client.conversations.create.mutate({ model });
  // A titled conversation asks for no title, so the mock sees only the answer's request.
  await client.conversations.update.mutate({ id: conversationId, title: "Files" });
  return conversationId;
}

/** The last message of a Chat Completions request the mock received. */
function lastChatMessage(record: MockRequestRecord) {
  return (record.body as { messages: { role: string; content: unknown }[] }).messages.at(-1);
}

describe("uploads", () => {
  it("stores the same image once, whoever uploads it and however often", async () => {
    const alice = await newGuest();
    const bob = await newGuest();
    const first = await uploaded(server.url, "cat.png", PNG, alice.jar);
    const again = await uploaded(server.url, "same-cat.png", PNG, alice.jar);
    const bobs = await uploaded(server.url, "photo.png", PNG, bob.jar);

    const sha256 = sha256Of(PNG);
    expect(first).toEqual({ sha256, name: "cat.png", mimeType: "image/png", size: PNG.length });
    expect(again).toEqual({ ...first, name: "same-cat.png" });
    expect(bobs).toEqual({ ...first, name: "photo.png" });

    const db = server.database.db;
    expect(await db.file.count({ where: { sha256 } })).toBe(1);
    expect(await db.fileUpload.count({ where: { sha256 } })).toBe(2);
    const onDisk = (await filesUnder(server.config.filesDir)).filter((path) =>
      path.endsWith(sha256),
    );
    expect(onDisk).toEqual([join(sha256.slice(0, 2), sha256.slice(2, 4), sha256)]);
  });

  it("refuses an upload over the limit with 413 and keeps nothing", async () => {
    const { jar } = await newGuest();
    const big = Buffer.alloc(11 * 1024 * 1024, 0x61);
    const result = await upload(server.url, "big.txt", big, { jar });
    expect(result.status).toBe(413);
    expect(result.body).toEqual({
      statusCode: 413,
      error: "Payload Too Large",
      message: '"big.txt" is larger than the 10 MB upload limit.',
    });
    expect(await server.database.db.file.count({ where: { sha256: sha256Of(big) } })).toBe(0);
    expect(await filesUnder(server.config.filesDir)).not.toContainEqual(
      expect.stringContaining(sha256Of(big)),
    );
  });

  it("refuses a program renamed .png with 415, by its bytes", async () => {
    const { jar } = await newGuest();
    const result = await upload(server.url, "holiday.png", EXE, { jar });
    expect(result.status).toBe(415);
    expect(result.body).toEqual({
      statusCode: 415,
      error: "Unsupported Media Type",
      message: expect.stringMatching(
        /^"holiday\.png" is not a type of file Parley accepts\. It looks like a Windows program\. Accepted: images/,
      ),
    });
    expect(await server.database.db.file.count({ where: { sha256: sha256Of(EXE) } })).toBe(0);
  });

  it("makes a guest of a visitor with no session, as tRPC does", async () => {
    const jar = new CookieJar();
    const result = await upload(server.url, "notes.md", NOTES, { jar });
    expect(result.status).toBe(200);
    expect(jar.cookies.size).toBe(1);
    const client = createClient(server.url, { jar });
    const me = await client.auth.me.query();
    expect(me.guest).toBe(true);
    // The same guest owns the upload: it can attach it.
    const conversationId = await titledConversation(client, "parley-demo");
    const sent = await sendAndAnswer(server, client, {
      conversationId,
      content: "Summarise",
      files: [sha256Of(NOTES)],
    });
    expect(JSON.stringify(lastChatMessage(sent.request))).toContain("PERIWINKLE");
  });

  it("accepts an API token instead of a cookie, and refuses a bad one", async () => {
    const { client } = server.newSession();
    await client.auth.signUp.mutate({ email: "files@example.com", password: "a long password" });
    const { secret } = await client.tokens.create.mutate({ name: "uploads" });
    const result = await upload(server.url, "notes.md", NOTES, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(result.status).toBe(200);
    expect(result.headers.getSetCookie()).toEqual([]);

    const refused = await upload(server.url, "notes.md", NOTES, {
      headers: { authorization: "Bearer not-a-token" },
    });
    expect(refused.status).toBe(401);
  });

  it("refuses a cross-origin upload that carries a session cookie", async () => {
    const { jar } = await newGuest();
    const result = await upload(server.url, "notes.md", NOTES, {
      jar,
      headers: { origin: "https://evil.example" },
    });
    expect(result.status).toBe(403);
  });

  it("answers 400 when there is no file field", async () => {
    const { jar } = await newGuest();
    const form = new FormData();
    form.append("other", "text");
    const response = await fetch(`${server.url}/files`, {
      method: "POST",
      body: form,
      headers: { cookie: jar.header() },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, message: /field named file/ });
  });
});

describe("the type of a file, from its bytes", () => {
  const gif = Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00;", "latin1");
  const webp = Buffer.concat([
    Buffer.from("RIFF\x1a\x00\x00\x00WEBPVP8 ", "latin1"),
    Buffer.alloc(8),
  ]);
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
  it.each([
    ["a PNG named .txt", PNG, "x.txt", "image/png"],
    ["a JPEG", jpeg, "x.jpg", "image/jpeg"],
    ["a GIF", gif, "x.gif", "image/gif"],
    ["a WebP", webp, "x.webp", "image/webp"],
    ["a PDF", PDF, "x.pdf", "application/pdf"],
    ["Markdown", NOTES, "notes.md", "text/markdown"],
    ["CSV", "a,b\n1,2\n", "t.csv", "text/csv"],
    ["JSON by extension", '{"a":1}', "data.json", "application/json"],
    ["JSON by content", '[1, 2, {"b": null}]', "data", "application/json"],
    ["Python", "print('hi')\n", "hi.py", "text/x-python"],
    ["TypeScript", "export const a = 1;\n", "a.ts", "text/x-typescript"],
    ["plain text", "just words\n", "readme", "text/plain"],
    ["text named .png", "just words\n", "image.png", "text/plain"],
    ["SVG by content, whatever its name", SVG, "drawing.txt", "image/svg+xml"],
    ["SVG with an XML declaration", `<?xml version="1.0"?>\n${SVG}`, "d", "image/svg+xml"],
    ["HTML by content", "<!DOCTYPE html><script>alert(1)</script>", "page.txt", "text/html"],
    ["HTML by extension", "<p>hi</p>", "page.html", "text/html"],
  ] as const)("%s is %s", (_, bytes, name, mimeType) => {
    expect(sniff(Buffer.from(bytes), name)).toEqual({ accepted: true, mimeType });
  });

  it.each([
    ["a Windows program", EXE, "a Windows program"],
    ["a Linux program", Buffer.from("\x7fELF\x02\x01\x01\x00", "latin1"), "a Linux program"],
    ["a ZIP archive", Buffer.from("PK\x03\x04\x14\x00", "latin1"), "a ZIP archive"],
    ["binary with NUL bytes", Buffer.from([0x41, 0x00, 0x42]), undefined],
    ["invalid UTF-8", Buffer.from([0x41, 0xc3, 0x28, 0x42]), undefined],
  ] as const)("refuses %s", (_, bytes, looksLike) => {
    expect(sniff(Buffer.from(bytes), "x.png")).toEqual({ accepted: false, looksLike });
  });
});

describe("files in messages", () => {
  it("sends an image to the vision model, whose answer streams, and lists it on the message", async () => {
    const { client, jar } = await newGuest();
    const image = await uploaded(server.url, "cat.png", PNG, jar);
    const conversationId = await titledConversation(client, "parley-demo-vision");
    const sent = await sendAndAnswer(server, client, {
      conversationId,
      content: "What is in this picture?",
      files: [image.sha256],
    });
    expect(lastChatMessage(sent.request)).toEqual({
      role: "user",
      content: [
        {
          type: "image_url",
          image_url: { url: `data:image/png;base64,${PNG.toString("base64")}` },
        },
        { type: "text", text: "What is in this picture?" },
      ],
    });

    const conversation = await client.conversations.get.query({ id: conversationId });
    const user = conversation.messages.find((message) => message.id === sent.userMessageId);
    const answer = conversation.messages.find((message) => message.id === sent.assistantMessageId);
    expect(user?.files).toEqual([image]);
    expect(answer?.files).toEqual([]);
    expect(answer?.content).not.toBe("");
  });

  it("refuses an image for a model without vision, clearly, before writing anything", async () => {
    const { client, jar } = await newGuest();
    const image = await uploaded(server.url, "cat.png", PNG, jar);
    const conversationId = await titledConversation(client, "parley-demo");
    const error = await errorOf(
      client.messages.send.mutate({ conversationId, content: "Look", files: [image.sha256] }),
    );
    expect(error.data?.code).toBe("BAD_REQUEST");
    expect(error.message).toBe(
      'Parley Demo cannot read images ("cat.png"). Pick a model that accepts images, or remove the image.',
    );
    const conversation = await client.conversations.get.query({ id: conversationId });
    expect(conversation.messages).toEqual([]);
    expect(answerRequests(server.mock)).toEqual([]);
  });

  it("sends a PDF that cannot be read as a note saying so (PDFs are read as text)", async () => {
    const { client, jar } = await newGuest();
    const pdf = await uploaded(server.url, "report.pdf", PDF, jar);
    expect(pdf.mimeType).toBe("application/pdf");
    const conversationId = await titledConversation(client, "parley-demo");
    const sent = await sendAndAnswer(server, client, {
      conversationId,
      content: "Read",
      files: [pdf.sha256],
    });
    const parts = lastChatMessage(sent.request)?.content as { text: string }[] | undefined;
    const document = parts?.[0];
    expect(document?.text).toMatch(
      /^<document name="report\.pdf" pages="0">\n\[This PDF could not be read \(.+\)\.\]\n<\/document>$/,
    );
  });

  it("inlines a text file as a document, before the text, and keeps it in later turns", async () => {
    const { client, jar } = await newGuest();
    const notes = await uploaded(server.url, "notes.md", NOTES, jar);
    const conversationId = await titledConversation(client, "parley-demo");
    const document = { type: "text", text: `<document name="notes.md">\n${NOTES}\n</document>` };
    const first = await sendAndAnswer(server, client, {
      conversationId,
      content: "What should I buy?",
      files: [notes.sha256],
    });
    const question = {
      role: "user",
      content: [document, { type: "text", text: "What should I buy?" }],
    };
    expect(lastChatMessage(first.request)).toEqual(question);

    // The recorded prompt has the file's content, resolved.
    const recorded = await client.messages.prompt.query({
      conversationId,
      messageId: first.assistantMessageId,
    });
    expect(JSON.stringify(recorded.prompt)).toContain("PERIWINKLE");

    const second = await sendAndAnswer(server, client, {
      conversationId,
      parentId: first.assistantMessageId,
      content: "And after that?",
    });
    const messages = (second.request.body as { messages: unknown[] }).messages;
    expect(messages[0]).toEqual(question);
    expect(messages.at(-1)).toEqual({ role: "user", content: "And after that?" });

    // Retrying the first question sends its file again.
    const retried = await sendAndAnswer(server, client, {
      conversationId,
      mode: "retry",
      messageId: first.userMessageId,
    });
    expect(lastChatMessage(retried.request)).toEqual(question);
  });

  it("sends a message of files alone, with no text part", async () => {
    const { client, jar } = await newGuest();
    const notes = await uploaded(server.url, "notes.md", NOTES, jar);
    const conversationId = await titledConversation(client, "parley-demo");
    const sent = await sendAndAnswer(server, client, { conversationId, files: [notes.sha256] });
    expect(lastChatMessage(sent.request)).toEqual({
      role: "user",
      content: [{ type: "text", text: `<document name="notes.md">\n${NOTES}\n</document>` }],
    });
    // Neither text nor files is still nothing to send.
    const error = await errorOf(client.messages.send.mutate({ conversationId, content: " " }));
    expect(error.data?.code).toBe("BAD_REQUEST");
    const noFiles = await errorOf(client.messages.send.mutate({ conversationId, files: [] }));
    expect(noFiles.data?.code).toBe("BAD_REQUEST");
  });

  it("refuses files with retry and continue, and more than ten", async () => {
    const { client } = await newGuest();
    const conversationId = await titledConversation(client, "parley-demo");
    const sha = sha256Of(NOTES);
    const retry = await errorOf(
      client.messages.send.mutate({ conversationId, mode: "retry", messageId: "m", files: [sha] }),
    );
    expect(retry.data?.code).toBe("BAD_REQUEST");
    const eleven = Array.from({ length: 11 }, (_, index) => sha256Of(String(index)));
    const tooMany = await errorOf(
      client.messages.send.mutate({ conversationId, content: "x", files: eleven }),
    );
    expect(tooMany.data?.code).toBe("BAD_REQUEST");
  });

  it("attaches only the caller's uploads, or files already in the conversation", async () => {
    const alice = await newGuest();
    const mallory = await newGuest();
    const notes = await uploaded(server.url, "notes.md", NOTES, alice.jar);

    // Knowing the hash is not enough.
    const theirs = await titledConversation(mallory.client, "parley-demo");
    const stolen = await errorOf(
      mallory.client.messages.send.mutate({
        conversationId: theirs,
        content: "Read this",
        files: [notes.sha256],
      }),
    );
    expect(stolen.data?.code).toBe("NOT_FOUND");
    expect(stolen.message).toBe(`No such file: ${notes.sha256.slice(0, 12)}. Upload it first.`);

    // Alice's upload record gone (as after signing in from a guest), the file stays attachable
    // where it is already attached, and nowhere else.
    const conversationId = await titledConversation(alice.client, "parley-demo");
    const first = await sendAndAnswer(server, alice.client, {
      conversationId,
      content: "Read this",
      files: [notes.sha256],
    });
    await server.database.db.fileUpload.deleteMany({ where: { sha256: notes.sha256 } });
    const edited = await sendAndAnswer(server, alice.client, {
      conversationId,
      mode: "edit",
      messageId: first.userMessageId,
      content: "Read this again",
      files: [notes.sha256],
    });
    const conversation = await alice.client.conversations.get.query({ id: conversationId });
    expect(conversation.messages.find((m) => m.id === edited.userMessageId)?.files).toEqual([
      notes,
    ]);
    const elsewhere = await titledConversation(alice.client, "parley-demo");
    const refused = await errorOf(
      alice.client.messages.send.mutate({
        conversationId: elsewhere,
        content: "Read",
        files: [notes.sha256],
      }),
    );
    expect(refused.data?.code).toBe("NOT_FOUND");
  });

  it("keeps a guest's unsent uploads attachable once the guest signs up", async () => {
    const { client, jar } = await newGuest();
    const notes = await uploaded(server.url, "notes.md", NOTES, jar);
    await client.auth.signUp.mutate({ email: "adopted@example.com", password: "a long password" });
    const conversationId = await titledConversation(client, "parley-demo");
    const sent = await sendAndAnswer(server, client, {
      conversationId,
      content: "Read",
      files: [notes.sha256],
    });
    expect(JSON.stringify(lastChatMessage(sent.request))).toContain("PERIWINKLE");
    expect((await download(server.url, notes.sha256, jar)).status).toBe(200);
  });

  it("records the prompt exactly as the upstream received it, byte for byte", async () => {
    const { client, jar } = await newGuest();
    const image = await uploaded(server.url, "cat.png", PNG, jar);
    const notes = await uploaded(server.url, "notes.md", NOTES, jar);
    const conversationId = await titledConversation(client, "parley-demo-vision");
    await client.conversations.update.mutate({ id: conversationId, systemPrompt: "Be brief." });
    const sent = await sendAndAnswer(server, client, {
      conversationId,
      content: "Describe both",
      files: [image.sha256, notes.sha256],
    });
    const { prompt } = await client.messages.prompt.query({
      conversationId,
      messageId: sent.assistantMessageId,
    });
    const received = { api: "chat", request: sent.request.body };
    expect(prompt).toEqual(received);
    // Byte for byte: the recorded request, serialized, is the very text the upstream received.
    expect(JSON.stringify(prompt?.request)).toBe(sent.request.rawBody);
    // Files in name order: cat.png, then notes.md, then the text.
    expect(lastChatMessage(sent.request)?.content).toEqual([
      { type: "image_url", image_url: { url: `data:image/png;base64,${PNG.toString("base64")}` } },
      { type: "text", text: `<document name="notes.md">\n${NOTES}\n</document>` },
      { type: "text", text: "Describe both" },
    ]);
  });
});

describe("recorded prompts keep images as references to their files", () => {
  /** A PNG of `size` bytes of its own (the 1×1 PNG, padded with `fill`): sniffed as an image. */
  const pngOf = (size: number, fill: number) =>
    Buffer.concat([PNG, Buffer.alloc(size - PNG.length, fill)]);

  /** The Message.prompt column as stored: the JSON text recorded at send time. */
  async function storedPrompt(messageId: string): Promise<string> {
    const row = await server.database.db.message.findUniqueOrThrow({
      where: { id: messageId },
      select: { prompt: true },
    });
    if (typeof row.prompt !== "string") throw new Error("the prompt is not stored as JSON text");
    return row.prompt;
  }

  it("stores no image bytes, yet reads every turn's prompt back exactly as sent", async () => {
    const { client, jar } = await newGuest();
    const bytes = pngOf(256 * 1024, 1);
    const image = await uploaded(server.url, "big.png", bytes, jar);
    const conversationId = await titledConversation(client, "parley-demo-vision");
    await client.conversations.update.mutate({ id: conversationId, systemPrompt: "Be brief." });
    const first = await sendAndAnswer(server, client, {
      conversationId,
      content: "Describe it",
      files: [image.sha256],
    });
    const second = await sendAndAnswer(server, client, {
      conversationId,
      parentId: first.assistantMessageId,
      content: "And again",
    });
    const dataUrl = `data:image/png;base64,${bytes.toString("base64")}`;
    // The later turn sends the image again; neither answer's row keeps its bytes.
    expect(second.request.rawBody).toContain(dataUrl);
    for (const sent of [first, second]) {
      const stored = await storedPrompt(sent.assistantMessageId);
      expect(stored).not.toContain(";base64,");
      expect(stored).toContain(`{"parley-file":"${image.sha256}","mimeType":"image/png"}`);
      expect(stored.length).toBeLessThan(1_000);
      const { prompt } = await client.messages.prompt.query({
        conversationId,
        messageId: sent.assistantMessageId,
      });
      expect(prompt).toEqual({ api: "chat", request: sent.request.body });
      expect(JSON.stringify(prompt?.request)).toBe(sent.request.rawBody);
      expect(JSON.stringify(prompt?.request)).toContain(dataUrl);
    }
  });

  it("returns text that looks like a file reference, or an image's data URL, as written", async () => {
    const { client, jar } = await newGuest();
    const image = await uploaded(server.url, "cat.png", PNG, jar);
    const dataUrl = `data:image/png;base64,${PNG.toString("base64")}`;
    const lookalikes = [
      `parley-file:${image.sha256}`,
      `{"parley-file":"${image.sha256}","mimeType":"image/png"}`,
      `{"parley-file":"${"0".repeat(64)}","mimeType":"image/png"}`,
      dataUrl,
    ].join("\n");
    const conversationId = await titledConversation(client, "parley-demo-vision");
    await client.conversations.update.mutate({ id: conversationId, systemPrompt: lookalikes });
    const first = await sendAndAnswer(server, client, {
      conversationId,
      content: lookalikes,
      files: [image.sha256],
    });
    // A message that is nothing but the image's data URL, with the image itself earlier.
    const second = await sendAndAnswer(server, client, {
      conversationId,
      parentId: first.assistantMessageId,
      content: dataUrl,
    });
    expect(lastChatMessage(second.request)).toEqual({ role: "user", content: dataUrl });
    for (const sent of [first, second]) {
      const { prompt } = await client.messages.prompt.query({
        conversationId,
        messageId: sent.assistantMessageId,
      });
      expect(prompt).toEqual({ api: "chat", request: sent.request.body });
      expect(JSON.stringify(prompt?.request)).toBe(sent.request.rawBody);
    }
    // What the user wrote is stored as they wrote it; only the attached image is a reference.
    const stored = await storedPrompt(second.assistantMessageId);
    expect(stored).toContain(JSON.stringify(lookalikes));
    expect(stored).toContain(`{"role":"user","content":${JSON.stringify(dataUrl)}}`);
    expect(stored).toContain(`"image_url":{"url":{"parley-file":"${image.sha256}"`);
  });

  it("still reads a prompt recorded with its images inline", async () => {
    const { client, jar } = await newGuest();
    const image = await uploaded(server.url, "cat.png", PNG, jar);
    const conversationId = await titledConversation(client, "parley-demo-vision");
    const sent = await sendAndAnswer(server, client, {
      conversationId,
      content: "Describe it",
      files: [image.sha256],
    });
    // As answers were recorded before references: the request's JSON text, bytes and all.
    await server.database.db.message.update({
      where: { id: sent.assistantMessageId },
      data: { prompt: `{"api":"chat","request":${sent.request.rawBody}}` },
    });
    const { prompt } = await client.messages.prompt.query({
      conversationId,
      messageId: sent.assistantMessageId,
    });
    expect(prompt).toEqual({ api: "chat", request: sent.request.body });
    expect(JSON.stringify(prompt?.request)).toBe(sent.request.rawBody);
  });

  it("leaves a reference to a file gone from the store as it is", async () => {
    const { client, jar } = await newGuest();
    const image = await uploaded(server.url, "lost.png", pngOf(1024, 2), jar);
    const conversationId = await titledConversation(client, "parley-demo-vision");
    const sent = await sendAndAnswer(server, client, {
      conversationId,
      content: "Describe it",
      files: [image.sha256],
    });
    const { sha256 } = image;
    await rm(join(server.config.filesDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256));
    const { prompt } = await client.messages.prompt.query({
      conversationId,
      messageId: sent.assistantMessageId,
    });
    const request = prompt?.request as { messages: { content: unknown }[] };
    expect(request.messages.at(-1)?.content).toEqual([
      { type: "image_url", image_url: { url: { "parley-file": sha256, mimeType: "image/png" } } },
      { type: "text", text: "Describe it" },
    ]);
  });
});

describe("downloads", () => {
  let owner: Awaited<ReturnType<typeof newGuest>>;
  let image: FileRef;
  let svg: FileRef;
  beforeAll(async () => {
    owner = await newGuest();
    image = await uploaded(server.url, "cat.png", PNG, owner.jar);
    svg = await uploaded(server.url, "drawing.svg", SVG, owner.jar);
  });

  it("serves an image inline to its uploader, with the protective headers", async () => {
    const response = await download(server.url, image.sha256, owner.jar);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(PNG);
    expect(Object.fromEntries(pick(response.headers))).toEqual({
      "content-type": "image/png",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
      "content-disposition": `inline; filename="cat.png"; filename*=UTF-8''cat.png`,
      "cache-control": "private, no-cache",
    });
    // The browser's cached copy is still good.
    const again = await fetch(`${server.url}/files/${image.sha256}`, {
      headers: { cookie: owner.jar.header(), "if-none-match": response.headers.get("etag") ?? "" },
    });
    expect(again.status).toBe(304);
  });

  it("serves SVG (and anything else not a raster image) as an attachment", async () => {
    const response = await download(server.url, svg.sha256, owner.jar);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(SVG);
    expect(Object.fromEntries(pick(response.headers))).toEqual({
      "content-type": "image/svg+xml; charset=utf-8",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
      "content-disposition": `attachment; filename="drawing.svg"; filename*=UTF-8''drawing.svg`,
      "cache-control": "private, no-cache",
    });
  });

  it("answers a stranger 404, the same as for a file that does not exist", async () => {
    const stranger = await newGuest();
    const refused = await download(server.url, image.sha256, stranger.jar);
    const missing = await download(server.url, sha256Of("nothing like this"), stranger.jar);
    const anonymous = await download(server.url, image.sha256);
    expect(refused.status).toBe(404);
    expect(anonymous.status).toBe(404);
    expect(missing.status).toBe(404);
    const body = await refused.json();
    expect(body).toEqual(await missing.json());
    expect(body).toEqual(await anonymous.json());
    expect((await download(server.url, "not-a-hash", owner.jar)).status).toBe(404);
  });

  it("serves a file to the owner of a conversation that uses it", async () => {
    const { client, jar } = await newGuest();
    const notes = await uploaded(server.url, "list.md", "- milk\n", jar);
    const conversationId = await titledConversation(client, "parley-demo");
    await sendAndAnswer(server, client, { conversationId, content: "Read", files: [notes.sha256] });
    // Without the upload record (say, signed in since), owning the conversation is enough.
    await server.database.db.fileUpload.deleteMany({ where: { sha256: notes.sha256 } });
    const response = await download(server.url, notes.sha256, jar);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(await response.text()).toBe("- milk\n");
    await client.conversations.delete.mutate({ id: conversationId });
    expect((await download(server.url, notes.sha256, jar)).status).toBe(404);
  });

  it("serves a file to viewers of a share that includes it, until it is revoked", async () => {
    const db = server.database.db;
    // Shares are another feature's; here they are rows, as that feature writes them.
    const { id: sharerId } = await db.user.create({ data: { guest: true } });
    await db.share.create({
      data: {
        id: "Sh4reAb",
        ownerId: sharerId,
        contentHash: "hash-1",
        snapshot: {},
        files: { create: [{ sha256: image.sha256 }] },
      },
    });
    await db.share.create({
      data: { id: "Sh4reCd", ownerId: sharerId, contentHash: "hash-2", snapshot: {} },
    });
    const viewer = await newGuest();
    /** The status of GET /files/:sha256?share=shareId for the viewer (`jar` null: signed out). */
    const statusThrough = async (
      shareId: string,
      file = image,
      jar: CookieJar | null = viewer.jar,
    ) => (await download(server.url, file.sha256, jar ?? undefined, `?share=${shareId}`)).status;

    const shared = await download(server.url, image.sha256, viewer.jar, "?share=Sh4reAb");
    expect(shared.status).toBe(200);
    expect(shared.headers.get("content-disposition")).toMatch(/^inline; filename="file-/);
    expect(Buffer.from(await shared.arrayBuffer())).toEqual(PNG);
    // Signed out viewers too: a share is public.
    expect(await statusThrough("Sh4reAb", image, null)).toBe(200);
    // A share that does not include the file, one that does not exist, or another file.
    expect(await statusThrough("Sh4reCd")).toBe(404);
    expect(await statusThrough("nope123")).toBe(404);
    expect(await statusThrough("Sh4reAb", svg)).toBe(404);

    await db.share.update({ where: { id: "Sh4reAb" }, data: { revokedAt: new Date() } });
    expect(await statusThrough("Sh4reAb")).toBe(404);
  });
});

describe("files over the Responses API", () => {
  let upstream: MockUpstreamServer;
  let responsesServer: ChatServer;
  const mock = createMockUpstream({ defaultTokenDelayMs: 1, defaultTokens: 8 });
  beforeAll(async () => {
    upstream = await listenMockUpstream(mock);
    const models = [
      {
        id: "eyes",
        name: "Eyes",
        upstreamModel: "parley-demo-vision",
        api: "responses",
        baseURL: upstream.baseURL,
        apiKey: "test",
        capabilities: { vision: true },
      },
    ];
    responsesServer = await startChatServer({
      env: { MODELS: JSON.stringify(models), UPLOAD_MAX_BYTES: "4096" },
    });
  });
  afterAll(async () => {
    await responsesServer?.close();
    await upstream?.close();
  });

  it("sends images as input_image and documents as input_text, recorded byte for byte", async () => {
    const { client, jar } = responsesServer.newSession();
    await client.settings.get.query();
    const image = await uploaded(responsesServer.url, "cat.png", PNG, jar);
    const notes = await uploaded(responsesServer.url, "notes.md", NOTES, jar);
    const { conversationId } = await client.conversations.create.mutate({ model: "eyes" });
    await client.conversations.update.mutate({ id: conversationId, title: "Files" });
    const sent = await sendAndWait(client, {
      conversationId,
      content: "Describe both",
      files: [notes.sha256, image.sha256],
    });

    const [request] = mock.requests.filter((record) => record.api === "responses");
    const body = request?.body as { input: unknown[] };
    expect(body.input).toEqual([
      {
        role: "user",
        content: [
          {
            type: "input_image",
            image_url: `data:image/png;base64,${PNG.toString("base64")}`,
            detail: "auto",
          },
          { type: "input_text", text: `<document name="notes.md">\n${NOTES}\n</document>` },
          { type: "input_text", text: "Describe both" },
        ],
      },
    ]);
    const { prompt } = await client.messages.prompt.query({
      conversationId,
      messageId: sent.assistantMessageId,
    });
    const received = { api: "responses", request: request?.body };
    expect(prompt).toEqual(received);
    expect(JSON.stringify(prompt?.request)).toBe(request?.rawBody);
    // Though the image is kept as a reference to its file.
    const row = await responsesServer.database.db.message.findUniqueOrThrow({
      where: { id: sent.assistantMessageId },
      select: { prompt: true },
    });
    expect(row.prompt).not.toContain(";base64,");
    expect(row.prompt).toContain(`"image_url":{"parley-file":"${image.sha256}"`);
  });

  it("takes its size limit from UPLOAD_MAX_BYTES: the limit itself passes, one byte more is 413", async () => {
    const { jar } = responsesServer.newSession();
    const exact = await upload(responsesServer.url, "a.txt", "a".repeat(4096), { jar });
    expect(exact.status).toBe(200);
    expect(exact.body).toMatchObject({ size: 4096, mimeType: "text/plain" });
    const over = await upload(responsesServer.url, "b.txt", "b".repeat(4097), { jar });
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({ message: '"b.txt" is larger than the 4 KB upload limit.' });
  });
});

const CHECKED_HEADERS = [
  "content-type",
  "x-content-type-options",
  "content-security-policy",
  "content-disposition",
  "cache-control",
];

function pick(headers: Headers): [string, string][] {
  return CHECKED_HEADERS.map((name) => [name, headers.get(name) ?? "(missing)"]);
}
