import { describe, expect, it } from "vitest";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import {
  answerSettled,
  conversationIdOf,
  guestClient,
  lastAnswer,
  lastAnswerId,
  plain,
  savedMessage,
  screenshotOnFailure,
  sendFirst,
  shownText,
  startConversation,
  useChatApp,
  waitForShown,
} from "./helpers/chat.ts";

describe.skipIf(skipBrowserTests)("chatting in Chromium", () => {
  const app = useChatApp({ visitor: "each" });

  // Long enough to stop mid-way on a busy machine (15 s: at 7.5 s a loaded CI run once saw the
  // answer end before the click), then continued to its end: another 15 s.
  it("streams an answer and its title; a stop keeps it, marked interrupted; continue finishes it", {
    timeout: 90_000,
  }, async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-stream");
    const conversationId = await startConversation(
      page,
      server.url,
      "Tell me about rivers [[mock tokens=1000 delay=15]]",
    );
    expect(conversationIdOf(page)).toBe(conversationId);
    await expect.poll(() => lastAnswer(page).getAttribute("data-status")).toBe("streaming");

    // Tokens arrive over time: the text grows while the answer is still streaming.
    await waitForShown(page, 20);
    const early = (await shownText(page)).length;
    await waitForShown(page, early + 40);
    expect(await lastAnswer(page).getAttribute("data-status")).toBe("streaming");

    // The title replaces "New chat" in the header and the sidebar while the answer streams.
    const heading = page.getByRole("heading", { level: 1 });
    // The title is a second upstream request: on a loaded machine it takes more than poll's 1 s.
    await expect.poll(() => heading.textContent(), { timeout: 10_000 }).not.toBe("New chat");
    const title = (await heading.textContent()) ?? "";
    const saved = await server.database.db.conversation.findUnique({
      where: { id: conversationId },
    });
    expect(title).toBe(saved?.title);
    const sidebar = page.getByRole("navigation", { name: "Conversations" });
    await sidebar.getByRole("link", { name: title }).waitFor();

    // Stop mid-answer: the text shown is kept, and the answer says it was stopped.
    await page.getByRole("button", { name: "Stop" }).click();
    expect(await answerSettled(page)).toBe("interrupted");
    await lastAnswer(page).getByText("Stopped").waitFor();
    const answerId = await lastAnswerId(page);
    const stopped = await savedMessage(server, answerId);
    expect(stopped.interrupted).toBe(true);
    expect(stopped.content.length).toBeGreaterThan(0);
    expect(await shownText(page)).toBe(plain(stopped.content));

    // Continue: the same answer grows from where it stopped, to the end.
    await lastAnswer(page).getByRole("button", { name: "Continue" }).click();
    // Polled: right after the click the answer still shows "interrupted" until the send returns.
    await expect
      .poll(() => lastAnswer(page).getAttribute("data-status"), { timeout: 40_000 })
      .toBe("done");
    const finished = await savedMessage(server, answerId);
    expect(finished.interrupted).toBe(false);
    expect(finished.content.startsWith(stopped.content)).toBe(true);
    expect(finished.content.length).toBeGreaterThan(stopped.content.length);
    // Markers on both sides: where the stop fell between two bold words, the joined text has
    // "****", which Markdown shows as it is.
    expect(plain(await shownText(page))).toBe(plain(finished.content));
    expect(await page.getByRole("article", { name: "Answer" }).count()).toBe(1);
  });

  it("says when an answer was cut at the length limit, and Continue finishes it", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-truncated");
    const client = await guestClient(app);
    await client.settings.update.mutate({
      modelParameters: { "parley-demo": { maxOutputTokens: 8 } },
    });
    await sendFirst(page, "Write at length [[mock tokens=30]]");
    expect(await answerSettled(page)).toBe("truncated");
    await lastAnswer(page).getByText("Cut off at the length limit").waitFor();
    const answerId = await lastAnswerId(page);
    const cut = await savedMessage(server, answerId);
    expect({ truncated: cut.truncated, interrupted: cut.interrupted }).toEqual({
      truncated: true,
      interrupted: false,
    });

    await client.settings.update.mutate({ modelParameters: {} });
    await lastAnswer(page).getByRole("button", { name: "Continue" }).click();
    await expect
      .poll(() => lastAnswer(page).getAttribute("data-status"), { timeout: 20_000 })
      .toBe("done");
    const finished = await savedMessage(server, answerId);
    expect(finished.truncated).toBe(false);
    expect(finished.content.startsWith(cut.content)).toBe(true);
    expect(await lastAnswer(page).getByText("Cut off at the length limit").count()).toBe(0);
  });

  it("shows a failed answer's error inline, with a retry button that writes another answer", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-error");
    await startConversation(page, server.url, "Fail please [[mock tokens=40 fail=after:5]]");
    expect(await answerSettled(page)).toBe("error");
    const alert = lastAnswer(page).getByRole("alert");
    expect(await alert.textContent()).toContain("Mock upstream failure");
    const saved = await savedMessage(server, await lastAnswerId(page));
    expect(saved.error).toContain("Mock upstream failure");

    await alert.getByRole("button", { name: "Retry" }).click();
    await expect
      .poll(() => lastAnswer(page).getByRole("group", { name: "Branches" }).textContent())
      .toMatch(/2\s*\/\s*2/);
    await answerSettled(page);
  });

  itLogsNoErrors(app.errors);
});
