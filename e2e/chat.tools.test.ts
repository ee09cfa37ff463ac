// Tools in the browser (issue 14): choose tools in the composer, watch a tool step appear, run
// and finish, reload in the middle of a call, and read the answer's sources.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type HttpToolServer,
  startHttpToolServer,
} from "../server/test/helpers/mcp/http-server.ts";
import { startFakeSearxng } from "../server/test/helpers/searxng.ts";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import {
  answerSettled,
  composer,
  lastAnswer,
  screenshotOnFailure,
  sendFirst,
  useChatApp,
} from "./helpers/chat.ts";

describe.skipIf(skipBrowserTests)("tools in the web app", () => {
  let tools: HttpToolServer;
  let searxng: Awaited<ReturnType<typeof startFakeSearxng>>;
  // Filled in before the app starts (hooks run in the order they are registered).
  const env: Record<string, string> = { GUEST_TOOLS: "true" };
  beforeAll(async () => {
    tools = await startHttpToolServer();
    searxng = await startFakeSearxng();
    env.MCP_SERVERS = JSON.stringify({ remote: { url: tools.url } });
    env.SEARXNG_URL = searxng.url;
  });
  const app = useChatApp({ server: { env } });
  afterAll(async () => {
    await tools?.close();
    await searxng?.close();
  });

  it("chooses tools, shows each step live and after a reload mid-call, and lists the sources", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-tools");
    await page.goto(server.url);

    // The tools menu: every tool of `remote`, and web search.
    const menu = page.getByRole("button", { name: "Tools" });
    await menu.click();
    await page.getByRole("checkbox", { name: "remote", exact: true }).check();
    await page.getByRole("checkbox", { name: /^search/ }).check();
    await page.keyboard.press("Escape");
    await expect.poll(() => menu.getAttribute("aria-expanded")).toBe("false");
    await expect.poll(() => menu.textContent()).toBe("Tools (2)");

    await composer(page).focus();
    await sendFirst(
      page,
      'Look it up [[tool:remote.slow {"ms":2500}]] [[tool:web.search {"query":"parley"}]]',
    );
    const slow = lastAnswer(page).locator('li.tool-step[data-tool="remote.slow"]');
    const search = lastAnswer(page).locator('li.tool-step[data-tool="web.search"]');
    await slow.waitFor();
    expect(await slow.getAttribute("data-state")).toBe("running");
    await expect.poll(() => search.getAttribute("data-state")).toBe("done");

    // Reload while the slow tool still runs: the steps are where they were.
    await page.reload();
    await slow.waitFor();
    expect(await slow.getAttribute("data-state")).toBe("running");
    expect(await search.getAttribute("data-state")).toBe("done");
    expect(await answerSettled(page, 20_000)).toBe("done");
    expect(await slow.getAttribute("data-state")).toBe("done");

    // A step opens to show its arguments and result.
    await slow.locator("summary").click();
    await expect
      .poll(async () => (await slow.locator(".tool-result").textContent())?.trim())
      .toBe("waited 2500 ms");
    expect(await slow.locator(".tool-arguments").textContent()).toBe('{\n  "ms": 2500\n}');

    // The sources, as links, and the answer's citations link to them.
    const sources = lastAnswer(page).getByRole("region", { name: "Sources" });
    const links = sources.getByRole("link");
    expect(await links.evaluateAll((all) => all.map((a) => a.getAttribute("href")))).toEqual([
      "https://example.org/parley/1",
      "https://example.org/parley/2",
    ]);
    const cited = lastAnswer(page).getByRole("link", { name: "[1]", exact: true });
    expect(await cited.getAttribute("href")).toBe("https://example.org/parley/1");

    // After a plain reload (nothing streaming), the saved steps show the same.
    await page.reload();
    await slow.waitFor();
    expect(await slow.getAttribute("data-state")).toBe("done");
    expect(await sources.getByRole("link").count()).toBe(2);
  });

  itLogsNoErrors(app.errors);
});
