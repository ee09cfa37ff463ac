// Share links in Chromium: share from a conversation, open the link as someone else, switch
// branches, continue it as your own and get an answer; revoke it in settings.

import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { itLogsNoErrors, skipBrowserTests, type Visitor } from "./helpers/browser.ts";
import {
  answerSettled,
  composer,
  conversationIdOf,
  lastAnswer,
  lastAnswerId,
  screenshotOnFailure,
  send,
  sendFirst,
  shownText,
  useChatApp,
} from "./helpers/chat.ts";

const NOTES = "Tides at the harbour: high water 06:12 and 18:40.\n";

describe.skipIf(skipBrowserTests)("share links in Chromium", () => {
  const app = useChatApp({ visitor: "none" });
  let owner: Visitor;
  let visitor: Visitor;
  let link = "";
  let title = "";
  let conversationId = "";
  const shared = { first: "", second: "" };
  let fileHref = "";

  beforeAll(async () => {
    owner = await app.newVisitor();
    visitor = await app.newVisitor();
  });

  const position = (page: Page) =>
    lastAnswer(page)
      .getByRole("group", { name: "Branches" })
      .textContent()
      .then((text) => text?.replace(/[‹›\s]/g, ""));

  it("shares the branch on screen and shows a link to copy", async () => {
    const { page } = owner;
    screenshotOnFailure(() => page, "shares-share");
    // The first question comes with a file, which the share's viewers may then download.
    await page.goto(app.server.url);
    await page
      .locator('input[type="file"]')
      .setInputFiles([{ name: "harbour.txt", mimeType: "text/plain", buffer: Buffer.from(NOTES) }]);
    await page
      .getByRole("list", { name: "Attachments" })
      .locator('[data-status="ready"]')
      .waitFor();
    conversationId = await sendFirst(page, "What is a harbour?");
    await answerSettled(page);
    const first = await lastAnswerId(page);
    shared.first = await shownText(page);
    await lastAnswer(page).getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => lastAnswerId(page)).not.toBe(first);
    await answerSettled(page);
    shared.second = await shownText(page);
    // Back to the first answer: that is the branch shared.
    await lastAnswer(page).getByRole("button", { name: "Previous branch" }).click();
    await expect.poll(() => lastAnswerId(page)).toBe(first);
    title = (await page.locator("h1.chat-title").textContent()) ?? "";

    await page.getByRole("button", { name: "Share", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Share this conversation" });
    const field = dialog.getByRole("textbox", { name: "Link" });
    await field.waitFor();
    link = await field.inputValue();
    expect(link).toMatch(new RegExp(`^${app.server.url}/s/[A-Za-z0-9_-]{7}$`));
    await dialog.getByRole("button", { name: "Copy link" }).click();
    await dialog
      .getByRole("status")
      .filter({ hasText: /Copied|Could not copy/ })
      .waitFor();
    await dialog.getByRole("button", { name: "Close" }).click();
    expect(await dialog.count()).toBe(0);

    // Sharing the same thing again gives the same link.
    await page.getByRole("button", { name: "Share", exact: true }).click();
    expect(await dialog.getByRole("textbox", { name: "Link" }).inputValue()).toBe(link);
    await dialog.getByRole("button", { name: "Close" }).click();
  });

  it("shows another visitor the shared branch, read-only, with the other branches a click away", async () => {
    const { page } = visitor;
    screenshotOnFailure(() => page, "shares-view");
    await page.goto(link);
    await page.getByRole("heading", { name: title }).waitFor();
    await lastAnswer(page).waitFor();
    expect(await shownText(page)).toBe(shared.first);
    expect(await position(page)).toBe("1/2");
    // The file comes through the share; the browser downloads it with the share's id.
    const file = page.locator("a.message-file");
    expect(await file.textContent()).toContain("harbour.txt");
    const href = (await file.getAttribute("href")) ?? "";
    expect(href).toMatch(new RegExp(`^/files/[0-9a-f]{64}\\?share=${link.split("/").at(-1)}$`));
    const download = await visitor.context.request.get(`${app.server.url}${href}`);
    expect(download.status()).toBe(200);
    expect(await download.text()).toBe(NOTES);
    fileHref = href;
    // Nothing here changes the owner's conversation.
    expect(await composer(page).count()).toBe(0);
    for (const name of ["Retry", "Edit message", "Delete branch", "Inspect prompt"]) {
      expect(await page.getByRole("button", { name }).count()).toBe(0);
    }

    await lastAnswer(page).getByRole("button", { name: "Next branch" }).click();
    await expect.poll(() => shownText(page)).toBe(shared.second);
    expect(await position(page)).toBe("2/2");
  });

  it("continues the conversation as the visitor's own copy, at the branch shown, and answers", async () => {
    const { page } = visitor;
    screenshotOnFailure(() => page, "shares-continue");
    await page.getByRole("button", { name: "Continue this conversation" }).click();
    await page.waitForURL(/\/c\/[^/]+$/);
    const copyId = conversationIdOf(page);
    expect(copyId).not.toBe(conversationId);
    await lastAnswer(page).waitFor();
    expect(await shownText(page)).toBe(shared.second);
    expect(await position(page)).toBe("2/2");
    // The copy's file is the visitor's own to read now, without the share.
    const ownHref = fileHref.replace(/\?share=.*$/, "");
    expect(await page.locator("a.message-file").getAttribute("href")).toBe(ownHref);
    expect((await visitor.context.request.get(`${app.server.url}${ownHref}`)).status()).toBe(200);
    // The copy is in the visitor's sidebar.
    await page.getByRole("link", { name: title }).first().waitFor();

    await send(page, "[[mock tokens=60 delay=15]] And a marina?");
    // The answer streams in, then settles.
    await page.waitForSelector('article[aria-label="Answer"][data-status="streaming"]');
    expect(await answerSettled(page)).toBe("done");
    expect((await shownText(page)).length).toBeGreaterThan(0);

    const copy = await app.server.database.db.conversation.findUniqueOrThrow({
      where: { id: copyId },
      include: { messages: true },
    });
    expect(copy.messages).toHaveLength(5);
    const question = copy.messages.find((m) => m.content.endsWith("And a marina?"));
    const answerTo = copy.messages.find((m) => m.id === question?.parentId);
    expect(answerTo?.content.length).toBeGreaterThan(0);
    // The owner's conversation did not change.
    expect(await app.server.database.db.message.count({ where: { conversationId } })).toBe(3);
  });

  it("revokes the link from settings; the link then says it is not found", async () => {
    const { page } = owner;
    screenshotOnFailure(() => page, "shares-revoke");
    await page.goto(`${app.server.url}/settings`);
    const section = page.getByRole("region", { name: "Shared links" });
    await section.getByRole("link", { name: title }).waitFor();
    await section.getByRole("button", { name: `Revoke the link to ${title}` }).click();
    const dialog = page.getByRole("dialog", { name: "Revoke this link?" });
    await dialog.getByRole("button", { name: "Revoke" }).click();
    await section.getByText("You have not shared any conversations.").waitFor();

    await visitor.page.goto(link);
    await visitor.page.getByRole("heading", { name: "Shared conversation not found" }).waitFor();
    // The file is no longer anyone's through the share (a stranger's browser: no copy of it).
    const stranger = await app.browser.newContext();
    expect((await stranger.request.get(`${app.server.url}${fileHref}`)).status()).toBe(404);
    await stranger.close();
    expect(
      await visitor.page.getByRole("button", { name: "Continue this conversation" }).count(),
    ).toBe(0);
  });

  itLogsNoErrors(app.errors);
});
