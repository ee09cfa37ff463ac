// Attachments in Chromium: the file button, paste and drop, previews and refusals, files in sent
// messages, and uploads that must not run script when opened (issue 6, acceptance 2 and 3).

import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { answerRequests } from "../server/test/helpers/session.ts";
import type { FileRef } from "../shared/src/files.ts";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import {
  answerSettled,
  composer,
  lastAnswer,
  screenshotOnFailure,
  send,
  sendFirst,
  useChatApp,
} from "./helpers/chat.ts";

/** A real 1×1 PNG. */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
const NOTES = "# Garden\n\n- plant the TARRAGON by the wall\n";
const EXE = Buffer.concat([Buffer.from("MZ\x90\x00\x03\x00", "latin1"), Buffer.alloc(64)]);
/** The upload limit of this test's server: small, so a refused upload is quick. */
const LIMIT = 1024 * 1024;

const sha256Of = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

describe.skipIf(skipBrowserTests)("attachments in Chromium", () => {
  const app = useChatApp({ server: { env: { UPLOAD_MAX_BYTES: String(LIMIT) } } });

  const fileInput = () => app.page.locator('input[type="file"]');
  const tray = () => app.page.getByRole("list", { name: "Attachments" });

  /** Opens a new chat with the vision model, ready for files. */
  async function newVisionChat() {
    const { page, server } = app;
    await page.goto(server.url);
    await page.getByRole("combobox", { name: "Model" }).selectOption("parley-demo-vision");
    await composer(page).waitFor();
  }

  /** Waits until every image on `scope` has loaded, and says how many there are. */
  async function loadedImages(selector: string) {
    const { page } = app;
    await page.waitForFunction((css) => {
      const images = [...document.querySelectorAll<HTMLImageElement>(css)];
      return images.length > 0 && images.every((image) => image.complete && image.naturalWidth > 0);
    }, selector);
    return page.locator(selector).count();
  }

  it("attaches a text file and an image with the file button, sends them, and shows them", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-files-button");
    await newVisionChat();
    await fileInput().setInputFiles([
      { name: "notes.md", mimeType: "text/markdown", buffer: Buffer.from(NOTES) },
      { name: "cat.png", mimeType: "image/png", buffer: PNG },
    ]);
    // Previews: the image from the server, the text file as a chip with its size.
    await expect.poll(() => tray().locator('[data-status="ready"]').count()).toBe(2);
    expect(await loadedImages(".attachment-thumb")).toBe(1);
    expect(await page.locator(".attachment-thumb").getAttribute("src")).toBe(
      `/files/${sha256Of(PNG)}`,
    );
    await expect.poll(() => tray().textContent()).toContain("notes.md");
    expect(await tray().textContent()).toContain(`${NOTES.length} bytes`);

    await sendFirst(page, "What do you see?");
    expect(await answerSettled(page)).toBe("done");
    expect(await lastAnswer(page).locator(".markdown").textContent()).not.toBe("");
    // The composer is empty again.
    expect(await tray().count()).toBe(0);

    const question = page.getByRole("article", { name: "Your message" });
    expect(await loadedImages('article[aria-label="Your message"] .message-image img')).toBe(1);
    expect(await question.getByRole("img").getAttribute("alt")).toBe("cat.png");
    const link = question.getByRole("link", { name: /notes\.md/ });
    expect(await link.getAttribute("href")).toBe(`/files/${sha256Of(NOTES)}`);
    expect(await link.getAttribute("download")).toBe("notes.md");
    expect(await question.locator(".user-bubble").textContent()).toBe("What do you see?");

    // The model received both.
    const [request] = answerRequests(server.mock);
    const sent = JSON.stringify(request?.body);
    expect(sent).toContain(`data:image/png;base64,${PNG.toString("base64")}`);
    expect(sent).toContain("TARRAGON");

    // After a reload the message still shows its files, from the server.
    await page.reload();
    expect(await loadedImages('article[aria-label="Your message"] .message-image img')).toBe(1);
    expect(await question.getByRole("link", { name: /notes\.md/ }).count()).toBe(1);
  });

  it("takes a pasted image and a dropped file, and sends files with no text", async () => {
    const { page } = app;
    screenshotOnFailure(() => page, "chat-files-paste-drop");
    await newVisionChat();
    const png = [...PNG];
    await composer(page).evaluate((input, bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], "pasted.png", { type: "image/png" }));
      input.dispatchEvent(
        new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }),
      );
    }, png);
    await page.locator("form.composer").evaluate((form) => {
      const data = new DataTransfer();
      data.items.add(new File(["a,b\n1,2\n"], "table.csv", { type: "text/csv" }));
      for (const type of ["dragenter", "dragover", "drop"]) {
        form.dispatchEvent(
          new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }),
        );
      }
    });
    await expect.poll(() => tray().locator('[data-status="ready"]').count()).toBe(2);
    expect(await tray().textContent()).toContain("pasted.png");
    expect(await tray().textContent()).toContain("table.csv");
    // A remove button takes one out.
    await page.getByRole("button", { name: "Remove table.csv" }).click();
    expect(await tray().locator("li").count()).toBe(1);

    // Files alone make a message.
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.waitForURL(/\/c\/[^/]+$/);
    expect(await answerSettled(page)).toBe("done");
    const question = page.getByRole("article", { name: "Your message" });
    expect(await loadedImages('article[aria-label="Your message"] .message-image img')).toBe(1);
    expect(await question.locator(".user-bubble").count()).toBe(0);
  });

  it("shows why a file is refused, next to the composer, and sends nothing", async () => {
    const { page } = app;
    screenshotOnFailure(() => page, "chat-files-refused");
    await newVisionChat();
    await fileInput().setInputFiles([
      { name: "holiday.png", mimeType: "image/png", buffer: EXE },
      { name: "huge.txt", mimeType: "text/plain", buffer: Buffer.alloc(LIMIT + 1, 0x61) },
    ]);
    const alert = page.locator(".attachment-errors");
    await expect.poll(() => alert.locator("li").count()).toBe(2);
    const text = await alert.textContent();
    expect(text).toContain(
      '"holiday.png" is not a type of file Parley accepts. It looks like a Windows program.',
    );
    expect(text).toContain('"huge.txt" is larger than the 1 MB upload limit.');
    expect(await alert.getAttribute("role")).toBe("alert");
    expect(await tray().count()).toBe(0);
    expect(await page.getByRole("button", { name: "Send", exact: true }).isDisabled()).toBe(true);
    await page.getByRole("button", { name: "Dismiss" }).click();
    expect(await alert.count()).toBe(0);
  });

  it("refuses an image for a model that cannot see, with the server's reason", async () => {
    const { page, server } = app;
    await page.goto(server.url);
    await page.getByRole("combobox", { name: "Model" }).selectOption("parley-demo");
    await fileInput().setInputFiles([{ name: "cat.png", mimeType: "image/png", buffer: PNG }]);
    await expect.poll(() => tray().locator('[data-status="ready"]').count()).toBe(1);
    await send(page, "Look");
    await expect
      .poll(() => page.locator(".composer-error").textContent())
      .toContain('Parley Demo cannot read images ("cat.png")');
    // The files stay, to send with another model.
    expect(await tray().locator("li").count()).toBe(1);
  });

  itLogsNoErrors(app.errors);
});

describe.skipIf(skipBrowserTests)("uploads opened in Chromium run no script", () => {
  /** Requests to /beacon: what a script in an upload would call. */
  const beacons: string[] = [];

  const SVG = [
    '<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/beacon?svg-onload\')">',
    '<script>document.title = "pwned"; fetch("/beacon?svg-script");</script>',
    '<circle cx="5" cy="5" r="4"/></svg>',
  ].join("");
  const HTML = [
    "<!doctype html><html><head><title>upload</title></head><body>",
    '<script>document.title = "pwned"; fetch("/beacon?html-script");</script>',
    '<img src="x" onerror="fetch(\'/beacon?html-onerror\')">',
    "</body></html>",
  ].join("");

  const app = useChatApp({
    // No error watching here: blocked scripts are reported as console errors, on purpose.
    visit: async (browser) => {
      const context = await browser.newContext({ acceptDownloads: true });
      return { context, page: await context.newPage() };
    },
  });

  beforeAll(async () => {
    app.context.on("request", (request) => {
      if (new URL(request.url()).pathname === "/beacon") beacons.push(request.url());
    });
    await app.page.goto(app.server.url);
    await composer(app.page).waitFor();
  });

  /** Uploads as this page's owner (its guest session), as the SPA does. */
  function upload(name: string, text: string): Promise<FileRef> {
    return app.page.evaluate(
      async ({ name, text }) => {
        const form = new FormData();
        form.append("file", new File([text], name));
        const response = await fetch("/files", { method: "POST", body: form });
        if (!response.ok) throw new Error(`upload failed: ${response.status}`);
        return (await response.json()) as FileRef;
      },
      { name, text },
    );
  }

  /** Gives a script the time to run, if it were going to. */
  const settle = () => app.page.waitForTimeout(500);

  it.each([
    { kind: "SVG", name: "drawing.svg", body: SVG, mimeType: "image/svg+xml" },
    { kind: "HTML", name: "page.html", body: HTML, mimeType: "text/html" },
  ])("an $kind upload opened by its owner downloads instead of running", async (file) => {
    const { page, server } = app;
    screenshotOnFailure(() => page, `chat-files-${file.kind}`);
    const saved = await upload(file.name, file.body);
    expect(saved.mimeType).toBe(file.mimeType);
    const url = `${server.url}/files/${saved.sha256}`;
    // Start from the app, whose title no upload has touched.
    await page.goto(server.url);
    await composer(page).waitFor();
    expect(await page.title()).not.toBe("pwned");
    beacons.length = 0;

    // Opened directly: Content-Disposition makes it a download; nothing is rendered.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.goto(url).catch(() => undefined),
    ]);
    expect(download.suggestedFilename()).toBe(file.name);
    await settle();
    expect(await page.title()).not.toBe("pwned");
    expect(beacons).toEqual([]);

    // Should a proxy drop Content-Disposition, the CSP sandbox still stops every script: the
    // server's real response is rendered, with that one header removed.
    await page.route(url, async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      delete headers["content-disposition"];
      await route.fulfill({ response, headers });
    });
    await page.goto(url);
    await settle();
    expect(await page.title()).not.toBe("pwned");
    expect(beacons).toEqual([]);
    await page.unroute(url);

    // The same bytes without Parley's headers do run, so the checks above can fail.
    const control = `${server.url}/control-${file.kind}`;
    await page.route(control, (route) =>
      route.fulfill({ status: 200, contentType: file.mimeType, body: file.body }),
    );
    await page.goto(control);
    await expect.poll(() => page.title()).toBe("pwned");
    await expect.poll(() => beacons.length).toBeGreaterThan(0);
    await page.unroute(control);
  });

  it("keeps a stranger out: another visitor gets 404 for the owner's file", async () => {
    const saved = await upload("secret.md", "# secret\n");
    const stranger = await app.browser.newContext();
    try {
      const other = await stranger.newPage();
      const response = await other.goto(`${app.server.url}/files/${saved.sha256}`);
      expect(response?.status()).toBe(404);
      expect(await other.textContent("body")).not.toContain("secret");
    } finally {
      await stranger.close();
    }
  });
});
