// The demo's first answer in Chromium (issue 15, item 10): a newcomer with no provider configured
// says hello and reads, rendered, that this is a demo model, how to connect a real one (with
// the README's section a click away), and what to try. The screenshot is kept in e2e/artifacts.

import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { providerDocs } from "../server/src/llm/mock/index.ts";
import { startTestServer, type TestServer } from "../server/test/helpers/server.ts";
import { freePort } from "./helpers/account.ts";
import { itLogsNoErrors, skipBrowserTests, useBrowserApp } from "./helpers/browser.ts";
import {
  answerSettled,
  lastAnswer,
  newChatVisitor,
  screenshotOnFailure,
  sendFirst,
} from "./helpers/chat.ts";

const SCREENSHOT = fileURLToPath(new URL("./artifacts/demo-first-answer.png", import.meta.url));

describe.skipIf(skipBrowserTests)("the demo in Chromium", () => {
  const app = useBrowserApp<TestServer>(
    // The demo as `pnpm start` runs it with no provider: the mock's guided answers, linking to
    // the README this Parley serves at its PUBLIC_URL.
    async () => {
      const port = await freePort();
      const publicUrl = `http://127.0.0.1:${port}`;
      return startTestServer({
        port,
        env: { PUBLIC_URL: publicUrl },
        mock: { demo: { docsUrl: providerDocs(publicUrl) }, defaultTokenDelayMs: 2 },
      });
    },
    newChatVisitor,
  );

  it("answers a first hello with what the demo is and how to connect a real model", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "demo-first-answer-failed");
    await page.goto(server.url);
    await page.getByRole("note").filter({ hasText: "Demo mode" }).waitFor();
    await sendFirst(page, "Hello!");
    expect(await answerSettled(page)).toBe("done");

    const answer = lastAnswer(page);
    await expect.poll(() => answer.locator("strong").first().textContent()).toBe("Parley Demo");
    const text = ((await answer.locator(".markdown").textContent()) ?? "").replace(/\s+/g, " ");
    expect(text).toMatch(/^Hello! I am Parley Demo, the stand-in model Parley answers with/);
    for (const expected of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "MODELS", "ask me for markdown"]) {
      expect(text).toContain(expected);
    }
    const link = answer.getByRole("link", { name: "Connecting a model provider" });
    const docs = providerDocs(server.url);
    expect(await link.getAttribute("href")).toBe(docs);
    // Settings names are code; what to try is in bold.
    expect(await answer.locator("code").count()).toBe(4);
    expect(await answer.locator("strong").allTextContents()).toEqual([
      "Parley Demo",
      "To talk to a real model",
      "markdown",
      "a long answer",
      "reasoning",
      "an image",
    ]);
    // The conversation is titled after it, in the header and the sidebar.
    await expect
      .poll(() => page.getByRole("heading", { level: 1 }).textContent())
      .toBe("Welcome to Parley");

    await answer.scrollIntoViewIfNeeded();
    const image = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    // A real page, not a blank one: a PNG of some size.
    expect(image.subarray(1, 4).toString()).toBe("PNG");
    expect(image.length).toBeGreaterThan(20_000);

    // The link leads to the README's section, served by Parley.
    const readme = await page.request.get(docs);
    expect(await readme.text()).toContain("## Connecting a model provider");
  });

  itLogsNoErrors(app.errors);
});
