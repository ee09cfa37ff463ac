// Export and import in Chromium: ChatGPT's conversations.json imported through Settings lands in
// the sidebar with its branches, and its ZIP with the pictures; the report lists what was
// imported (with what was left out of each) apart from what was skipped; a conversation's
// branch downloads as Markdown, and the whole conversation as a Parley export.

import { readFile } from "node:fs/promises";
import type { Download, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { CHATGPT_SAMPLE } from "../server/test/helpers/chatgpt-sample.ts";
import { OPEN_WEBUI_SAMPLE, OWUI_PNG_BASE64 } from "../server/test/helpers/open-webui-sample.ts";
import { zipBuffer } from "../server/test/helpers/zip.ts";
import { ParleyExport } from "../shared/src/export.ts";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import { screenshotOnFailure, useChatApp } from "./helpers/chat.ts";

describe.skipIf(skipBrowserTests)("export and import in Chromium", () => {
  const app = useChatApp({ timeout: 8_000 });

  const sidebar = () => app.page.getByRole("navigation", { name: "Conversations" });
  const question = () => app.page.getByRole("article", { name: "Your message" }).last();
  const answer = () => app.page.getByRole("article", { name: "Answer" }).last();
  const position = async (article: ReturnType<Page["locator"]>) =>
    (await article.getByRole("group", { name: "Branches" }).textContent())?.replace(/[‹›\s]/g, "");

  async function downloaded(download: Download): Promise<string> {
    const path = await download.path();
    return readFile(path, "utf8");
  }

  it("imports ChatGPT's conversations.json from Settings, with its branches", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "exchange-import");
    await page.goto(`${server.url}/settings`);
    await page.getByRole("heading", { name: "Export and import" }).waitFor();
    await page.getByLabel("Import conversations").setInputFiles({
      name: "conversations.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify(CHATGPT_SAMPLE)),
    });

    const report = page.getByRole("status").filter({ hasText: "Imported 2 conversations." });
    await report.waitFor();
    const imported = report.getByRole("list", { name: "Imported", exact: true });
    expect(await imported.getByRole("link").allTextContents()).toEqual([
      "Lisbon weekend",
      "Reverse a list in Python",
    ]);
    expect(
      await report.getByRole("list", { name: "Left out of Lisbon weekend" }).textContent(),
    ).toBe("Left out 1 image, 1 tool call, 1 tool message.");
    expect(
      await report.getByRole("list", { name: "Skipped" }).getByRole("listitem").allTextContents(),
    ).toEqual(["A photo: Nothing to import: it has no text messages. Left out 1 image."]);

    // The sidebar lists them without a reload.
    await sidebar().getByRole("link", { name: "Lisbon weekend" }).waitFor();
    await sidebar().getByRole("link", { name: "Reverse a list in Python" }).waitFor();

    // Opened: the newest branch (the edited question), with the first one a click away.
    await sidebar().getByRole("link", { name: "Lisbon weekend" }).click();
    await page.waitForURL(/\/c\/[^/]+$/);
    await expect.poll(() => answer().textContent()).toContain("Belém Tower");
    const first = page.getByRole("article", { name: "Your message" }).first();
    expect(await first.locator(".user-bubble").textContent()).toBe("Plan four days in Lisbon.");
    expect(await position(first)).toBe("2/2");
    await first.getByRole("button", { name: "Previous branch" }).click();
    await expect
      .poll(() => question().locator(".user-bubble").textContent())
      .toBe("Plan three days in Lisbon.");
    // Under it, the regenerated answer is the second of two.
    expect(await position(answer())).toBe("2/2");
    expect(await answer().textContent()).toContain("then a day trip to");
  });

  it("downloads the branch shown as Markdown, and the conversation as JSON", async () => {
    const { page } = app;
    screenshotOnFailure(() => page, "exchange-export");
    await page.getByRole("button", { name: "Export" }).click();
    const [markdown] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Markdown (this branch)" }).click(),
    ]);
    expect(markdown.suggestedFilename()).toBe("lisbon-weekend.md");
    const text = await downloaded(markdown);
    expect(text).toMatch(
      /^# Lisbon weekend\n\n- Model: Parley Demo\n- Started: 2024-06-01 10:00 UTC\n/,
    );
    expect(text).toContain(
      [
        "## You",
        "",
        "Plan three days in Lisbon.",
        "",
        "## Assistant",
        "",
        "Three days: **Alfama**, **Belém**, then a day trip to **Sintra**.",
        "",
      ].join("\n"),
    );
    expect(text).not.toContain("four days");
    // The menu closed once the file was saved.
    expect(await page.getByRole("button", { name: "Markdown (this branch)" }).count()).toBe(0);

    await page.getByRole("button", { name: "Export" }).click();
    const [json] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "JSON (every branch and file)" }).click(),
    ]);
    expect(json.suggestedFilename()).toBe("lisbon-weekend.json");
    const document = ParleyExport.parse(JSON.parse(await downloaded(json)));
    expect(document.conversations.map((c) => [c.title, c.messages.length])).toEqual([
      ["Lisbon weekend", 7],
    ]);
  });

  it("exports every conversation from Settings", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "exchange-export-all");
    await page.goto(`${server.url}/settings`);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export all as Markdown" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^parley-export-\d{4}-\d{2}-\d{2}\.md$/);
    const titles = (await downloaded(download)).match(/^# .*$/gm);
    expect(titles).toEqual(["# Reverse a list in Python", "# Lisbon weekend"]);
  });

  it("imports ChatGPT's ZIP with its pictures, showing its progress", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "exchange-import-zip");
    await page.goto(`${server.url}/settings`);
    // Every state the import's status line goes through.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { importStatuses: string[] }).importStatuses = seen;
      new MutationObserver(() => {
        for (const status of document.querySelectorAll(".import-progress")) {
          const text = status.textContent ?? "";
          if (seen.at(-1) !== text) seen.push(text);
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const png = Buffer.from(OWUI_PNG_BASE64, "base64");
    const zip = await zipBuffer([
      { name: "conversations.json", data: JSON.stringify(CHATGPT_SAMPLE) },
      { name: "file-Xy9-photo.png", data: png, store: true },
    ]);
    await page.getByLabel("Import conversations").setInputFiles({
      name: "chatgpt-export.zip",
      mimeType: "application/zip",
      buffer: zip,
    });
    const report = page.getByRole("status").filter({ hasText: "Imported 3 conversations." });
    await report.waitFor();
    const statuses = await page.evaluate(
      () => (window as unknown as { importStatuses: string[] }).importStatuses,
    );
    expect(statuses[0]).toMatch(/^Uploading "chatgpt-export\.zip"… \d+%$/);
    expect(await report.getByRole("list", { name: "Skipped" }).count()).toBe(0);

    await report.getByRole("link", { name: "A photo" }).click();
    await page.waitForURL(/\/c\/[^/]+$/);
    const picture = page.getByRole("article", { name: "Your message" }).getByRole("img");
    await expect.poll(() => picture.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
  });

  it("imports Open WebUI's export, both models' answers as branches", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "exchange-import-open-webui");
    await page.goto(`${server.url}/settings`);
    await page.getByLabel("Import conversations").setInputFiles({
      name: "chat-export-1722000000000.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify(OPEN_WEBUI_SAMPLE)),
    });
    const report = page.getByRole("status").filter({ hasText: "Imported 3 conversations." });
    await report.waitFor();
    expect(
      await report.getByRole("list", { name: "Skipped" }).getByRole("listitem").allTextContents(),
    ).toEqual(["Only instructions: Nothing to import: it has no messages."]);
    await report.getByRole("link", { name: "Sourdough starter" }).click();
    await page.waitForURL(/\/c\/[^/]+$/);
    // The newest branch is shown: the edited question, whose answer failed.
    await expect
      .poll(() => question().locator(".user-bubble").textContent())
      .toBe("How long until it is ready?");
    const answers = page.getByRole("article", { name: "Answer" });
    expect(await position(answers.first())).toBe("2/2");
  });

  it("says what is wrong with a file it cannot import", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "exchange-import-error");
    await page.goto(`${server.url}/settings`);
    await page.getByLabel("Import conversations").setInputFiles({
      name: "notes.json",
      mimeType: "application/json",
      buffer: Buffer.from('{"hello": "world"}'),
    });
    await page
      .getByRole("alert")
      .filter({ hasText: `Could not import: "notes.json" is not an export Parley knows` })
      .waitFor();
  });

  itLogsNoErrors(app.errors);
});
