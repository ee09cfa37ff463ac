import { describe, expect, it } from "vitest";
import { startTestServer } from "../server/test/helpers/server.ts";
import { itLogsNoErrors, skipBrowserTests, useBrowserApp } from "./helpers/browser.ts";
import { newChatVisitor, screenshotOnFailure } from "./helpers/chat.ts";

describe.skipIf(skipBrowserTests)("the web app in Chromium", () => {
  // A plain test server (the chat helpers' one has no rate limits) and a chat visitor.
  const app = useBrowserApp(() => startTestServer(), newChatVisitor);

  /** The model picker's options, as the user sees them. */
  const pickerModels = async () => {
    const picker = app.page.getByRole("combobox", { name: "Model" });
    await expect.poll(() => picker.isEnabled()).toBe(true);
    return picker.locator("option").evaluateAll((options) =>
      options.map((option) => ({
        id: (option as HTMLOptionElement).value,
        name: option.textContent,
      })),
    );
  };

  it("opens a new chat offering every configured model, with the demo-mode banner", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "app-new-chat");
    const { models, demo, defaultModel } = await server.client.models.list.query();
    expect(demo).toBe(true);

    await page.goto(server.url);

    await expect.poll(() => page.title()).toBe("New chat — Parley");
    expect(await pickerModels()).toEqual(models.map(({ id, name }) => ({ id, name })));
    expect(await page.getByRole("combobox", { name: "Model" }).inputValue()).toBe(defaultModel);
    const banner = page.getByRole("note");
    expect(await banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toContain("Demo mode");
    expect(await page.getByRole("banner").textContent()).toContain("Parley");
    expect(await page.getByRole("navigation", { name: "Conversations" }).isVisible()).toBe(true);
  });

  it("loads the app from a deep link and on reload", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "app-deep-link");
    const response = await page.goto(`${server.url}/some/route`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-type"]).toContain("text/html");
    const notFound = page.getByRole("heading", { name: "Page not found" });
    await notFound.waitFor();

    await page.reload();
    expect(new URL(page.url()).pathname).toBe("/some/route");
    await notFound.waitFor();
    // The way back: a link to a new chat.
    await page.getByRole("link", { name: "Start a new chat" }).click();
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
  });

  itLogsNoErrors(app.errors);
});
