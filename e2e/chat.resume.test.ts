import type { Page } from "playwright-core";
import { beforeEach, describe, expect, it } from "vitest";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import {
  answerSettled,
  lastAnswer,
  lastAnswerId,
  savedMessage,
  screenshotOnFailure,
  startConversation,
  useChatApp,
  waitForShown,
} from "./helpers/chat.ts";

/** Long enough to act in the middle of it: 300 tokens, 10 ms apart. */
const SLOW = "[[mock tokens=300 delay=10]]";

describe.skipIf(skipBrowserTests)("streams that survive reloads and dropped connections", () => {
  const app = useChatApp({ visitor: "each" });

  beforeEach(async () => {
    const { context, server } = app;
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  });

  /** The exact source text the page holds for the last answer, through its copy button. */
  const copiedAnswer = async () => {
    await lastAnswer(app.page).getByRole("button", { name: "Copy answer" }).click();
    return app.page.evaluate(() => navigator.clipboard.readText());
  };

  /**
   * The last event id each generations.stream request carried: in its input (a new
   * subscription) or in the Last-Event-ID header (the event source reconnecting by itself).
   */
  const streamRequests = (target: Page) => {
    const seen: (string | null)[] = [];
    target.on("request", async (request) => {
      const url = new URL(request.url());
      if (!url.pathname.endsWith("/generations.stream")) return;
      const input = JSON.parse(url.searchParams.get("input") ?? "{}") as {
        json?: { lastEventId?: string | null };
      };
      const header = (await request.allHeaders())["last-event-id"];
      seen.push(input.json?.lastEventId ?? header ?? null);
    });
    return seen;
  };

  it("resumes after a reload mid-stream, from the last event id, ending with exactly the saved text", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-resume-reload");
    await startConversation(page, server.url, `Describe a garden ${SLOW}`);
    await waitForShown(page, 150);
    const answerId = await lastAnswerId(page);
    const requests = streamRequests(page);

    await page.reload();
    await lastAnswer(page).waitFor();
    expect(await answerSettled(page, 20_000)).toBe("done");

    // The stream after the reload asked to resume after an event, not from the start.
    expect(requests.length).toBeGreaterThan(0);
    expect(requests[0]).toMatch(/^[\w-]+:\d+$/);
    const saved = await savedMessage(server, answerId);
    expect(saved.interrupted).toBe(false);
    expect(await copiedAnswer()).toBe(saved.content);
  });

  it("shows “reconnecting…” while offline for 3 s, then resumes with exactly the saved text", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-resume-offline");
    await startConversation(page, server.url, `Describe a bridge ${SLOW}`);
    await waitForShown(page, 100);
    const answerId = await lastAnswerId(page);
    const requests = streamRequests(page);

    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    const network = (offline: boolean) =>
      cdp.send("Network.emulateNetworkConditions", {
        offline,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
    await network(true);
    // Chromium's offline emulation fails new requests but leaves an open stream alone, so the
    // server side of the drop is made by closing the connections.
    server.app.server.closeAllConnections();
    const status = lastAnswer(page).getByRole("status").filter({ hasText: "Reconnecting…" });
    await status.waitFor({ timeout: 5_000 });
    await page.waitForTimeout(3_000);
    await network(false);

    expect(await answerSettled(page, 20_000)).toBe("done");
    expect(await status.count()).toBe(0);
    // The reconnection resumed after the last event it had.
    expect(requests.some((id) => id !== null)).toBe(true);
    const saved = await savedMessage(server, answerId);
    expect(await copiedAnswer()).toBe(saved.content);
  });

  itLogsNoErrors(app.errors);
});
