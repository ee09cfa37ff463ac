import { describe, expect, it } from "vitest";
import {
  clientLike,
  countRequests,
  screenshotOnFailure,
  useAccountApp,
} from "./helpers/account.ts";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";

/** More than the settings page's debounce (600 ms): time for a second request to show up. */
const QUIET_MS = 1_500;

describe.skipIf(skipBrowserTests)("settings in Chromium", () => {
  // Each test is a new guest, with default settings.
  const app = useAccountApp({ visitor: "each" });

  const openSettings = async () => {
    const { page, server } = app;
    await page.goto(`${server.url}/settings`);
    await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
    await page.getByRole("checkbox", { name: /Smooth streaming/ }).waitFor();
  };
  const toggles = () => [
    app.page.getByRole("checkbox", { name: /Smooth streaming/ }),
    app.page.getByRole("checkbox", { name: /Show reasoning/ }),
    app.page.getByRole("checkbox", { name: /Wrap long lines in code/ }),
  ];
  const saved = () =>
    app.page.getByRole("status").filter({ hasText: "All changes saved" }).waitFor();

  it("sends three quick toggles as one settings.update, and they persist across a reload", async () => {
    const { context, page, server } = app;
    screenshotOnFailure(() => page, "settings-toggles");
    await openSettings();
    const updates = countRequests(page, "settings.update");
    const before = await Promise.all(toggles().map((toggle) => toggle.isChecked()));
    expect(before).toEqual([true, true, false]);

    const response = page.waitForResponse((r) => r.url().includes("/trpc/settings.update"));
    for (const toggle of toggles()) await toggle.click();
    // Optimistic: every box shows its new state before anything is saved.
    expect(await Promise.all(toggles().map((toggle) => toggle.isChecked()))).toEqual([
      false,
      false,
      true,
    ]);
    expect((await response).ok()).toBe(true);
    await saved();
    await page.waitForTimeout(QUIET_MS);

    expect(updates).toHaveLength(1);
    const sent = JSON.parse(updates[0]?.body ?? "{}") as Record<string, { json: unknown }>;
    expect(Object.values(sent)[0]?.json).toEqual({
      streamingSmoothing: false,
      showReasoning: false,
      wrapCode: true,
    });

    const client = await clientLike(context, server);
    expect(await client.settings.get.query()).toMatchObject({
      streamingSmoothing: false,
      showReasoning: false,
      wrapCode: true,
    });

    await page.reload();
    await page.getByRole("checkbox", { name: /Smooth streaming/ }).waitFor();
    expect(await Promise.all(toggles().map((toggle) => toggle.isChecked()))).toEqual([
      false,
      false,
      true,
    ]);
  });

  it("applies the theme at once and keeps it across a reload", async () => {
    const { context, page, server } = app;
    screenshotOnFailure(() => page, "settings-theme");
    await page.emulateMedia({ colorScheme: "light" });
    await openSettings();
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme ?? "system");
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await theme()).toBe("system");
    expect(await background()).toBe("rgb(255, 255, 255)");

    await page.getByRole("radio", { name: "Dark", exact: true }).check();
    expect(await theme()).toBe("dark");
    expect(await background()).toBe("rgb(17, 20, 24)");
    await saved();

    await page.reload();
    await page.getByRole("radio", { name: "Dark", exact: true }).waitFor();
    expect(await page.getByRole("radio", { name: "Dark", exact: true }).isChecked()).toBe(true);
    expect(await background()).toBe("rgb(17, 20, 24)");

    // Light wins over a dark operating system; System follows it again.
    await page.emulateMedia({ colorScheme: "dark" });
    await page.getByRole("radio", { name: "Light", exact: true }).check();
    expect(await background()).toBe("rgb(255, 255, 255)");
    await page.getByRole("radio", { name: /System/ }).check();
    expect(await theme()).toBe("system");
    expect(await background()).toBe("rgb(17, 20, 24)");
    await saved();
    const client = await clientLike(context, server);
    expect((await client.settings.get.query()).theme).toBe("system");
  });

  it("saves the default model, system prompt, send key and per-model parameters", async () => {
    const { context, page, server } = app;
    screenshotOnFailure(() => page, "settings-fields");
    await openSettings();
    const updates = countRequests(page, "settings.update");

    await page.getByLabel("Default model").selectOption({ label: "Parley Demo Reasoning" });
    await page.getByLabel("Custom system prompt").fill("Answer like a pirate.");
    await page.getByRole("radio", { name: /Ctrl\+Enter/ }).check();

    // The parameters editor starts on the default model at the time the page opened.
    expect(await page.getByLabel("Model", { exact: true }).inputValue()).toBe("parley-demo");
    await page.getByLabel("Model", { exact: true }).selectOption("parley-demo-reasoning");
    await page.getByLabel("Temperature").fill("3");
    expect(await page.getByText("Use a number from 0 to 2.").isVisible()).toBe(true);
    expect(await page.getByLabel("Temperature").getAttribute("aria-invalid")).toBe("true");
    await page.getByLabel("Temperature").fill("0.4");
    expect(await page.getByText("Use a number from 0 to 2.").count()).toBe(0);
    await page.getByLabel("Max output tokens").fill("500");
    await page.getByLabel("Reasoning effort").selectOption("high");
    await saved();
    await page.waitForTimeout(QUIET_MS);
    // Typing debounced too: a handful of requests at most, not one per keystroke.
    expect(updates.length).toBeLessThanOrEqual(2);

    const client = await clientLike(context, server);
    expect(await client.settings.get.query()).toMatchObject({
      defaultModel: "parley-demo-reasoning",
      systemPrompt: "Answer like a pirate.",
      sendKey: "mod-enter",
      modelParameters: {
        "parley-demo-reasoning": {
          temperature: 0.4,
          maxOutputTokens: 500,
          reasoningEffort: "high",
        },
      },
    });

    await page.reload();
    await page.getByLabel("Default model").waitFor();
    expect(await page.getByLabel("Default model").inputValue()).toBe("parley-demo-reasoning");
    expect(await page.getByLabel("Custom system prompt").inputValue()).toBe(
      "Answer like a pirate.",
    );
    expect(await page.getByRole("radio", { name: /Ctrl\+Enter/ }).isChecked()).toBe(true);
    expect(await page.getByLabel("Temperature").inputValue()).toBe("0.4");
    expect(await page.getByLabel("Max output tokens").inputValue()).toBe("500");
    expect(await page.getByLabel("Reasoning effort").inputValue()).toBe("high");

    // A model without reasoning has no effort to set; resetting drops the overrides.
    await page.getByLabel("Model", { exact: true }).selectOption("parley-demo");
    expect(await page.getByLabel("Reasoning effort").count()).toBe(0);
    await page.getByLabel("Model", { exact: true }).selectOption("parley-demo-reasoning");
    await page.getByRole("button", { name: /Reset Parley Demo Reasoning/ }).click();
    expect(await page.getByLabel("Temperature").inputValue()).toBe("");
    await saved();
    expect((await client.settings.get.query()).modelParameters).toEqual({});
  });

  it("shows a failed save, rolls the change back, and saves it on Try again", async () => {
    const { context, page, server } = app;
    screenshotOnFailure(() => page, "settings-error");
    await openSettings();
    const wrap = page.getByRole("checkbox", { name: /Wrap long lines in code/ });
    await page.route("**/trpc/settings.update**", (route) => route.abort("failed"));

    await wrap.check();
    const alert = page.getByRole("alert").filter({ hasText: "could not be saved" });
    await alert.waitFor();
    expect(await wrap.isChecked()).toBe(false);

    await page.unroute("**/trpc/settings.update**");
    await alert.getByRole("button", { name: "Try again" }).click();
    await saved();
    expect(await wrap.isChecked()).toBe(true);
    expect(await alert.count()).toBe(0);
    const client = await clientLike(context, server);
    expect((await client.settings.get.query()).wrapCode).toBe(true);
  });

  it("deletes all conversations only after confirming", async () => {
    const { context, page, server } = app;
    screenshotOnFailure(() => page, "settings-delete-all");
    await openSettings();
    const client = await clientLike(context, server);
    await client.conversations.create.mutate({});
    await client.conversations.create.mutate({});
    expect((await client.conversations.list.query({})).items).toHaveLength(2);

    const open = page.getByRole("button", { name: "Delete all conversations" });
    await open.click();
    const dialog = page.getByRole("dialog", { name: "Delete all conversations?" });
    await dialog.waitFor();
    // Cancel has the focus, so Enter alone deletes nothing.
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "hidden" });
    expect((await client.conversations.list.query({})).items).toHaveLength(2);

    await open.click();
    await dialog.getByRole("button", { name: "Delete all" }).click();
    await page.getByRole("status").filter({ hasText: "Deleted 2 conversations." }).waitFor();
    expect(await dialog.isVisible()).toBe(false);
    expect((await client.conversations.list.query({})).items).toHaveLength(0);
  });

  it("is usable by keyboard alone", async () => {
    const { page } = app;
    screenshotOnFailure(() => page, "settings-keyboard");
    await openSettings();
    const updates = countRequests(page, "settings.update");
    await page.getByRole("radio", { name: /System/ }).focus();
    // Arrow keys move through a radio group and choose.
    await page.keyboard.press("ArrowDown");
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
    const focused = () =>
      page.evaluate(() => {
        const element = document.activeElement;
        return element?.closest("label")?.textContent ?? element?.textContent ?? "";
      });
    for (let step = 0; step < 20 && !(await focused()).includes("Smooth streaming"); step++) {
      await page.keyboard.press("Tab");
    }
    expect(await focused()).toContain("Smooth streaming");
    await page.keyboard.press("Space");
    expect(await page.getByRole("checkbox", { name: /Smooth streaming/ }).isChecked()).toBe(false);
    await saved();
    await page.waitForTimeout(QUIET_MS);
    expect(updates).toHaveLength(1);
  });

  itLogsNoErrors(app.errors, "logs no errors in the page");
});
