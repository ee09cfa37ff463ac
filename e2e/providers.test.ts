// A model provider going down and coming back, in Chromium (issue 13): a banner names the
// models that are unavailable and why, and goes away by itself, with no reload.

import { afterAll, describe, expect, it } from "vitest";
import {
  createMockUpstream,
  listenMockUpstream,
  type MockUpstreamServer,
} from "../server/src/llm/mock/index.ts";
import { freePort } from "../server/test/helpers/ports.ts";
import { startChatServer } from "../server/test/helpers/session.ts";
import {
  itLogsNoErrors,
  screenshotOnFailure,
  skipBrowserTests,
  useBrowserApp,
} from "./helpers/browser.ts";
import { composer, newChatVisitor } from "./helpers/chat.ts";

describe.skipIf(skipBrowserTests)("the unavailable-models banner in Chromium", () => {
  let port = 0;
  let provider: MockUpstreamServer | undefined;
  const startProvider = async () => {
    const upstream = createMockUpstream({ defaultTokenDelayMs: 1, defaultTokens: 12 });
    provider = await listenMockUpstream(upstream, { port });
  };
  const app = useBrowserApp(async () => {
    port = await freePort();
    await startProvider();
    return startChatServer({
      env: { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` },
      // Checked often, so the outage shows within the page's polling.
      providers: { checkIntervalMs: 300, retryMs: 100 },
    });
  }, newChatVisitor);
  afterAll(() => provider?.close());

  const banner = () => app.page.getByRole("status", { name: "Unavailable models" });

  it("shows no banner while the provider answers", async () => {
    screenshotOnFailure(() => app.page, "providers-up");
    await app.page.goto(app.server.url);
    await composer(app.page).waitFor();
    // A mark that a reload would wipe.
    await app.page.evaluate(() => {
      (window as { parleyTestMark?: boolean }).parleyTestMark = true;
    });
    expect(await banner().count()).toBe(0);
  });

  it("names the unavailable models and why when the provider stops", async () => {
    screenshotOnFailure(() => app.page, "providers-down");
    await provider?.close();
    provider = undefined;
    // The page polls models.list every 15 s while everything is up.
    await expect.poll(() => banner().count(), { timeout: 25_000 }).toBe(1);
    const text = await banner().textContent();
    expect(text).toContain(
      "Unavailable: parley-demo, parley-demo-responses, parley-demo-reasoning, parley-demo-vision.",
    );
    expect(text).toContain("Could not reach the model provider.");
  });

  it("goes away without a reload once the provider is back", async () => {
    screenshotOnFailure(() => app.page, "providers-back");
    await startProvider();
    // Every 5 s while something is down.
    await expect.poll(() => banner().count(), { timeout: 15_000 }).toBe(0);
    expect(
      await app.page.evaluate(() => (window as { parleyTestMark?: boolean }).parleyTestMark),
    ).toBe(true);
  });

  itLogsNoErrors(app.errors);
});
