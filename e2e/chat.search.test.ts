// The sidebar's full-text search in Chromium (issue 6, acceptance 6): typing searches (debounced),
// results show a highlighted snippet, and a result opens its conversation on the branch of the
// matching message, scrolled into view.

import { beforeAll, describe, expect, it } from "vitest";
import { readStream } from "../server/test/helpers/session.ts";
import type { Client } from "./helpers/account.ts";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import { guestClient, screenshotOnFailure, useChatApp } from "./helpers/chat.ts";

/** Sends (or edits `editOf` into) `content` and waits for the answer; returns both ids. */
async function say(
  client: Client,
  conversationId: string,
  content: string,
  where: { parentId?: string; editOf?: string } = {},
) {
  const sent = await client.messages.send.mutate(
    where.editOf
      ? { conversationId, content, mode: "edit", messageId: where.editOf }
      : { conversationId, content, parentId: where.parentId },
  );
  await readStream(client, { generationId: sent.generationId });
  return { question: sent.userMessageId ?? "", answer: sent.assistantMessageId };
}

describe.skipIf(skipBrowserTests)("search in Chromium", () => {
  const app = useChatApp();
  let birds = "";
  let target = "";

  beforeAll(async () => {
    // The page's guest, driven from here too.
    const client = await guestClient(app);

    // Long answers, so the conversation scrolls. Q3 forks three ways: the second branch asks
    // about the shoebill and goes on; the third (the newest, so the one shown) does not.
    const long = "[[mock tokens=160]]";
    ({ conversationId: birds } = await client.conversations.create.mutate({}));
    await client.conversations.update.mutate({ id: birds, title: "Birds" });
    const q1 = await say(client, birds, `${long} Which birds live by rivers?`);
    const q2 = await say(client, birds, `${long} And by lakes?`, { parentId: q1.answer });
    const q3 = await say(client, birds, `${long} What about the heron?`, { parentId: q2.answer });
    const shoebill = await say(client, birds, `${long} What about the shoebill <b>stork</b>?`, {
      editOf: q3.question,
    });
    target = shoebill.question;
    await say(client, birds, `${long} Where does it nest?`, { parentId: shoebill.answer });
    await say(client, birds, `${long} What about the kingfisher?`, { editOf: q3.question });

    const { conversationId: fish } = await client.conversations.create.mutate({});
    await client.conversations.update.mutate({ id: fish, title: "Fish" });
    await say(client, fish, "Tell me about salmon and the shoal they swim in");
  });

  const sidebar = () => app.page.getByRole("navigation", { name: "Conversations" });
  const searchBox = () => sidebar().getByRole("searchbox", { name: "Search conversations" });
  const results = () => sidebar().getByRole("region", { name: "Search results" });

  it("searches as one types, and opens the result at the matching message's branch", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-search");
    await page.goto(server.url);
    await sidebar().getByRole("link", { name: "Birds" }).waitFor();

    const searches: string[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname.includes("conversations.list") && url.search.includes("search")) {
        searches.push(url.search);
      }
    });
    // Typed a key at a time, faster than the debounce: one request for the last words.
    await searchBox().pressSequentially("shoebi", { delay: 40 });
    await results().getByRole("status").getByText("1 match").waitFor();
    const result = results().getByRole("link", { name: /Birds/ });
    expect(await results().getByRole("link").count()).toBe(1);
    expect(await result.locator("mark").allTextContents()).toEqual(["shoebill"]);
    // The snippet is text: markup in a message never becomes markup in the list.
    expect(await result.locator("b").count()).toBe(0);
    expect(await result.textContent()).toContain("shoebill stork");
    expect(searches.length).toBe(1);

    await result.click();
    await page.waitForURL((url) => url.pathname === `/c/${birds}`);
    const question = page.locator(`article[data-message-id="${target}"]`);
    await question.waitFor();
    expect(await question.textContent()).toContain("What about the shoebill");
    expect(
      (await question.getByRole("group", { name: "Branches" }).textContent())?.replace(
        /[‹›\s]/g,
        "",
      ),
    ).toBe("2/3");
    // Marked for a moment, and in view in the message list (not at its bottom, where it opened).
    await expect.poll(() => question.getAttribute("data-found")).toBe("");
    const view = await question.evaluate((element) => {
      const scroller = element.closest(".messages-scroller") as HTMLElement;
      const box = element.getBoundingClientRect();
      const frame = scroller.getBoundingClientRect();
      return {
        visible: box.bottom > frame.top && box.top < frame.bottom,
        atBottom: scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48,
      };
    });
    expect(view).toEqual({ visible: true, atBottom: false });
    // The branch goes on past the message found.
    await page.getByText("Where does it nest?").waitFor();
    // A reload opens where the reader is: the ?m= is gone, the branch chosen stays.
    expect(new URL(page.url()).search).toBe("");
    await page.reload();
    await page.locator(`article[data-message-id="${target}"]`).waitFor();
  });

  it("shows no results for words found nowhere, and the list again when cleared", async () => {
    screenshotOnFailure(() => app.page, "chat-search-empty");
    await searchBox().fill("zebra");
    await results().getByText("No conversations match “zebra”.").waitFor();
    await searchBox().press("Escape");
    await sidebar().getByRole("link", { name: "Fish" }).waitFor();
    expect(await results().count()).toBe(0);
  });

  itLogsNoErrors(app.errors);
});
