import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import {
  answerSettled,
  lastAnswer,
  plain,
  savedMessage,
  screenshotOnFailure,
  send,
  shownText,
  startConversation,
  useChatApp,
  waitForShown,
  watchErrors,
} from "./helpers/chat.ts";

describe.skipIf(skipBrowserTests)("two tabs in Chromium", () => {
  const app = useChatApp();
  let second: Page;

  it("streams a generation started in one tab live in the other, with the sidebar's running dot", async () => {
    const { server, context, page: first, errors } = app;
    screenshotOnFailure(() => second, "chat-tabs");
    const conversationId = await startConversation(first, server.url, "Hello there");
    await answerSettled(first);

    // The second tab (same browser, same guest) shows the same conversation.
    second = await context.newPage();
    watchErrors(second, errors);
    await second.goto(`${server.url}/c/${conversationId}`);
    await lastAnswer(second).waitFor();
    expect(await second.getByRole("article", { name: "Answer" }).count()).toBe(1);

    await send(first, "Tell me more [[mock tokens=250 delay=12]]");

    // The other tab picks it up while it is being written.
    await expect.poll(() => second.getByRole("article", { name: "Answer" }).count()).toBe(2);
    await expect.poll(() => lastAnswer(second).getAttribute("data-status")).toBe("streaming");
    await waitForShown(second, 40);
    const early = (await shownText(second)).length;
    await waitForShown(second, early + 40);
    expect(await lastAnswer(second).getAttribute("data-status")).toBe("streaming");
    const dot = second
      .getByRole("navigation", { name: "Conversations" })
      .getByRole("img", { name: "Answer being written" });
    expect(await dot.count()).toBe(1);

    // Both end with the saved answer; the dot goes away.
    await answerSettled(first);
    await answerSettled(second);
    const answerId = await lastAnswer(second).getAttribute("data-message-id");
    const saved = await savedMessage(server, answerId ?? "");
    expect(await shownText(second)).toBe(plain(saved.content));
    expect(await shownText(first)).toBe(plain(saved.content));
    await expect.poll(() => dot.count()).toBe(0);
  });

  itLogsNoErrors(app.errors);
});
