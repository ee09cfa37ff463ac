import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import {
  answerSettled,
  lastAnswer,
  lastAnswerId,
  screenshotOnFailure,
  sendFollowUp,
  shownText,
  startConversation,
  useChatApp,
} from "./helpers/chat.ts";

describe.skipIf(skipBrowserTests)("branches in Chromium", () => {
  const app = useChatApp();

  const question = () => app.page.getByRole("article", { name: "Your message" }).last();
  const position = async (article: ReturnType<Page["locator"]>) =>
    (await article.getByRole("group", { name: "Branches" }).textContent())?.replace(/[‹›\s]/g, "");

  it("retry and edit make branches; ‹ 1 / 2 › switches them; the shown path survives a reload", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-branches");
    await startConversation(page, server.url, "What is a river?");
    await answerSettled(page);
    const first = await lastAnswerId(page);
    const firstText = await shownText(page);

    // Retry: a second answer to the same question, shown as branch 2 of 2.
    await lastAnswer(page).getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => lastAnswerId(page)).not.toBe(first);
    await answerSettled(page);
    const second = await lastAnswerId(page);
    expect(await position(lastAnswer(page))).toBe("2/2");

    await lastAnswer(page).getByRole("button", { name: "Previous branch" }).click();
    await expect.poll(() => lastAnswerId(page)).toBe(first);
    expect(await position(lastAnswer(page))).toBe("1/2");
    expect(await shownText(page)).toBe(firstText);
    await lastAnswer(page).getByRole("button", { name: "Next branch" }).click();
    await expect.poll(() => lastAnswerId(page)).toBe(second);

    // Edit: a sibling question with its own answer, shown as branch 2 of 2.
    await question().getByRole("button", { name: "Edit message" }).click();
    const editor = question().getByRole("textbox", { name: "Edit message" });
    await editor.fill("What is a bridge?");
    await editor.press("Enter");
    await expect
      .poll(() => question().locator(".user-bubble").textContent())
      .toBe("What is a bridge?");
    await answerSettled(page);
    expect(await position(question())).toBe("2/2");
    const edited = await lastAnswerId(page);
    expect([first, second]).not.toContain(edited);
    // The edited question has one answer: no branch switcher on it.
    expect(await lastAnswer(page).getByRole("group", { name: "Branches" }).count()).toBe(0);

    // Back to the first question: its answers come back, with the one chosen before.
    await question().getByRole("button", { name: "Previous branch" }).click();
    await expect
      .poll(() => question().locator(".user-bubble").textContent())
      .toBe("What is a river?");
    expect(await lastAnswerId(page)).toBe(second);
    await lastAnswer(page).getByRole("button", { name: "Previous branch" }).click();
    await expect.poll(() => lastAnswerId(page)).toBe(first);

    // A reload shows the same path.
    await page.reload();
    await lastAnswer(page).waitFor();
    expect(await question().locator(".user-bubble").textContent()).toBe("What is a river?");
    expect(await position(question())).toBe("1/2");
    expect(await lastAnswerId(page)).toBe(first);
    expect(await position(lastAnswer(page))).toBe("1/2");

    // A follow-up goes under the shown answer.
    await sendFollowUp(page, "And then?", 2);
    const followUp = await server.database.db.message.findFirst({
      where: { content: "And then?" },
    });
    expect(followUp?.parentId).toBe(first);
  });

  it("deletes a branch after confirming", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-branch-delete");
    await lastAnswer(page).getByRole("button", { name: "Delete branch" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this branch?" });
    await dialog.getByRole("button", { name: "Delete" }).click();
    await expect.poll(() => page.getByRole("article", { name: "Answer" }).count()).toBe(1);
    await expect
      .poll(() => server.database.db.message.count({ where: { content: "And then?" } }))
      .toBe(1);
  });

  it("changes the model and system prompt, and shows the exact prompt of an answer", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-conversation-settings");
    const { models } = await server.client.models.list.query();
    const other = models.at(-1);
    if (!other) throw new Error("no models");
    await page.getByRole("combobox", { name: "Model" }).selectOption(other.id);
    const conversationId = new URL(page.url()).pathname.split("/").at(-1) ?? "";
    const stored = () =>
      server.database.db.conversation.findUnique({ where: { id: conversationId } });
    await expect.poll(async () => (await stored())?.model).toBe(other.id);

    await page.getByRole("button", { name: "System prompt" }).click();
    const dialog = page.getByRole("dialog", { name: "System prompt" });
    await dialog.getByRole("textbox").fill("Answer like a sailor.");
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect.poll(async () => (await stored())?.systemPrompt).toBe("Answer like a sailor.");
    // The dialog closes when the client hears the save back, which can be after the database has it.
    await expect.poll(() => dialog.count()).toBe(0);

    await sendFollowUp(page, "Where are we?", 2);
    expect(await lastAnswer(page).locator(".message-facts").textContent()).toContain(other.name);

    await lastAnswer(page).getByRole("button", { name: "Inspect prompt" }).click();
    const prompt = page.getByRole("dialog", { name: "Prompt" });
    const body = prompt.getByRole("region", { name: "Request body" });
    await body.waitFor();
    const request = JSON.parse((await body.textContent()) ?? "{}") as Record<string, unknown>;
    expect(JSON.stringify(request)).toContain("Answer like a sailor.");
    expect(JSON.stringify(request)).toContain("Where are we?");
    await prompt.getByRole("button", { name: "Close" }).click();
    expect(await prompt.count()).toBe(0);
  });

  itLogsNoErrors(app.errors);
});
