import { beforeAll, describe, expect, it } from "vitest";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import { guestClient, screenshotOnFailure, useChatApp } from "./helpers/chat.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

describe.skipIf(skipBrowserTests)("the conversation list", () => {
  const app = useChatApp();

  beforeAll(async () => {
    // The page's guest, also driven from here: 35 conversations, more than one page of the list.
    const client = await guestClient(app);
    const now = Date.now();
    const ages = [0, 1, 3, 20]; // today, yesterday, previous 7 days, older
    for (let index = 0; index < 35; index += 1) {
      const { conversationId } = await client.conversations.create.mutate();
      const age = ages[index % ages.length] ?? 0;
      await app.server.database.db.conversation.update({
        where: { id: conversationId },
        data: { title: `Topic ${index}`, updatedAt: new Date(now - age * DAY_MS - index * 1000) },
      });
    }
  });

  const sidebar = () => app.page.getByRole("navigation", { name: "Conversations" });
  const links = () => sidebar().getByRole("link");

  it("groups by day and loads more as it scrolls", async () => {
    const { page } = app;
    screenshotOnFailure(() => page, "chat-sidebar");
    await page.reload();
    await expect.poll(() => links().count()).toBeGreaterThanOrEqual(30);
    const headings = await sidebar().getByRole("heading", { level: 3 }).allTextContents();
    expect(headings).toEqual(
      ["Today", "Yesterday", "Previous 7 days", "Older"].slice(0, headings.length),
    );
    await sidebar().evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    await expect.poll(() => links().count()).toBe(35);
    expect(await sidebar().getByRole("heading", { level: 3 }).allTextContents()).toEqual([
      "Today",
      "Yesterday",
      "Previous 7 days",
      "Older",
    ]);
    expect(await sidebar().getByRole("region", { name: "Older" }).getByRole("link").count()).toBe(
      8,
    );
  });

  it("renames in place and deletes after confirming", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-sidebar-edit");
    await sidebar().getByRole("button", { name: "Rename “Topic 0”" }).click();
    const field = sidebar().getByRole("textbox", { name: "Conversation title" });
    await field.fill("Renamed topic");
    await field.press("Enter");
    await sidebar().getByRole("link", { name: "Renamed topic" }).waitFor();
    await expect
      .poll(
        async () =>
          (await server.database.db.conversation.findFirst({ where: { title: "Renamed topic" } }))
            ?.id,
      )
      .toBeTruthy();

    // Esc leaves the title as it was.
    await sidebar().getByRole("button", { name: "Rename “Topic 4”" }).click();
    await field.fill("Not this");
    await field.press("Escape");
    await sidebar().getByRole("link", { name: "Topic 4", exact: true }).waitFor();

    await sidebar().getByRole("link", { name: "Renamed topic" }).click();
    await page.waitForURL(/\/c\//);
    await sidebar().getByRole("button", { name: "Delete “Renamed topic”" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this conversation?" });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await sidebar().getByRole("link", { name: "Renamed topic" }).count()).toBe(1);
    await sidebar().getByRole("button", { name: "Delete “Renamed topic”" }).click();
    await dialog.getByRole("button", { name: "Delete" }).click();
    // Deleting the open conversation goes back to a new chat.
    await page.waitForURL(`${server.url}/`);
    await expect.poll(() => sidebar().getByRole("link", { name: "Renamed topic" }).count()).toBe(0);
    // The list drops it before the server answers (optimistic), so the row goes a moment later.
    await expect
      .poll(() => server.database.db.conversation.count({ where: { title: "Renamed topic" } }))
      .toBe(0);
  });

  itLogsNoErrors(app.errors);
});
