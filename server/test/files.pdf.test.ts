// PDFs reach models as text (issue 14): a PDF's text layer, at most PDF_MAX_PAGES pages, sent
// like a text file and shown by messages.prompt; a PDF without a text layer gets a clear note.

import type { FileRef } from "@parley/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageOnlyPdf, textPdf } from "./helpers/pdf.ts";
import { type ChatServer, sendAndAnswer, startChatServer } from "./helpers/session.ts";

let server: ChatServer;
beforeAll(async () => {
  server = await startChatServer({ env: { PDF_MAX_PAGES: "2" } });
});
afterAll(() => server.close());

async function upload(
  name: string,
  bytes: Buffer,
  jar: ReturnType<ChatServer["newSession"]>["jar"],
) {
  const form = new FormData();
  form.append("file", new Blob([bytes]), name);
  const response = await fetch(`${server.url}/files`, {
    method: "POST",
    body: form,
    headers: { cookie: jar.header() },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as FileRef;
}

/** The first content part of the last user message the mock received (a document). */
function documentSent(body: unknown): string {
  const messages = (body as { messages: { role: string; content: { text: string }[] }[] }).messages;
  return messages.at(-1)?.content[0]?.text ?? "";
}

describe("PDF attachments", () => {
  it("sends a text PDF's pages as a document, up to PDF_MAX_PAGES, as messages.prompt shows", async () => {
    const { client, jar } = server.newSession();
    await client.settings.get.query();
    const pdf = await upload(
      "report.pdf",
      textPdf([
        "The word PERIWINKLE is on page one",
        "Page two says MARIGOLD",
        "Page three is left out",
      ]),
      jar,
    );
    expect(pdf.mimeType).toBe("application/pdf");
    const { conversationId } = await client.conversations.create.mutate({ model: "parley-demo" });
    const sent = await sendAndAnswer(server, client, {
      conversationId,
      content: "What does it say?",
      files: [pdf.sha256],
    });
    expect(documentSent(sent.request.body)).toBe(
      '<document name="report.pdf" pages="3">\nThe word PERIWINKLE is on page one\n\nPage two says MARIGOLD\n\n[Only the first 2 of 3 pages were read.]\n</document>',
    );
    const shown = await client.messages.prompt.query({
      conversationId,
      messageId: sent.assistantMessageId,
    });
    expect(JSON.stringify(shown.prompt?.request)).toBe(sent.request.rawBody);
  });

  it("says clearly that a PDF of scanned pages has no text, instead of sending it empty", async () => {
    const { client, jar } = server.newSession();
    await client.settings.get.query();
    const pdf = await upload("scan.pdf", imageOnlyPdf(), jar);
    const { conversationId } = await client.conversations.create.mutate({ model: "parley-demo" });
    const sent = await sendAndAnswer(server, client, {
      conversationId,
      content: "Summarize",
      files: [pdf.sha256],
    });
    expect(documentSent(sent.request.body)).toBe(
      '<document name="scan.pdf" pages="1">\n[This PDF has no text layer (its pages are images, such as scans), so its content could not be read.]\n</document>',
    );
  });
});
