import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { startTestServer, type TestServer } from "../server/test/helpers/server.ts";
import { launchBrowser, skipBrowserTests } from "./helpers/browser.ts";

describe.skipIf(skipBrowserTests)("the web app in Chromium", () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    // Both start at once; allSettled so that if one fails, afterAll still closes the other.
    const results = await Promise.allSettled([
      startTestServer().then((started) => {
        server = started;
      }),
      launchBrowser().then((launched) => {
        browser = launched;
      }),
    ]);
    for (const result of results) if (result.status === "rejected") throw result.reason;
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(`uncaught: ${error.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** On failure, keep what the page looked like (e2e/artifacts is git-ignored). */
  function screenshotOnFailure(name: string) {
    onTestFailed(async () => {
      const path = fileURLToPath(new URL(`artifacts/${name}.png`, import.meta.url));
      await page.screenshot({ path, fullPage: true });
    });
  }

  /** The names and ids of the model cards the page shows, in order. */
  async function shownModels() {
    const list = page.getByRole("list", { name: "Models" });
    await list.waitFor();
    const cards = list.getByRole("article");
    // Role queries skip hidden elements, so these are the names a user can see.
    const names = await cards.getByRole("heading").allTextContents();
    const ids = await cards.locator("code").allTextContents();
    return names.map((name, index) => ({ name, id: ids[index] }));
  }

  it("shows every configured model and the demo-mode banner", async () => {
    screenshotOnFailure("models");
    const { models, demo } = await server.client.models.list.query();
    expect(demo).toBe(true);

    await page.goto(server.url);

    expect(await page.title()).toBe("Parley");
    expect(await shownModels()).toEqual(models.map(({ name, id }) => ({ name, id })));
    const banner = page.getByRole("note");
    expect(await banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toContain("Demo mode");
    expect(await page.getByRole("banner").textContent()).toContain("Parley");
    expect(await page.getByRole("navigation", { name: "Conversations" }).isVisible()).toBe(true);
  });

  it("loads the app from a deep link and on reload", async () => {
    screenshotOnFailure("deep-link");
    const { models } = await server.client.models.list.query();

    const response = await page.goto(`${server.url}/some/route`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-type"]).toContain("text/html");
    expect((await shownModels()).map((model) => model.name)).toEqual(models.map((m) => m.name));

    await page.reload();
    expect(new URL(page.url()).pathname).toBe("/some/route");
    expect((await shownModels()).map((model) => model.name)).toEqual(models.map((m) => m.name));
  });

  it("logs no console errors", () => {
    expect(consoleErrors).toEqual([]);
  });
});
