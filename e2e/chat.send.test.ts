// Sending in Chromium: the answer's stream opens (by the answer's id, chosen by the page) before
// the send has returned; a refused send takes its drafts away and says why, keeping the text,
// and a refused first message leaves no empty conversation behind.

import type { Page, Request } from "playwright-core";
import { describe, expect, it } from "vitest";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import {
  answerSettled,
  answers,
  composer,
  screenshotOnFailure,
  send,
  startConversation,
  useChatApp,
} from "./helpers/chat.ts";

/** The tRPC input of a GET request (a subscription's), or of a batch's procedure at `index`. */
function inputOf(request: Request, index = 0): Record<string, unknown> {
  const url = new URL(request.url());
  const raw = url.searchParams.get("input");
  if (raw !== null) {
    const parsed = JSON.parse(raw) as { json?: unknown } & Record<string, unknown>;
    return ((url.searchParams.has("batch") ? parsed[String(index)] : parsed) ?? {}) as Record<
      string,
      unknown
    >;
  }
  const body = JSON.parse(request.postData() ?? "{}") as Record<string, { json?: unknown }>;
  return (body[String(index)]?.json ?? {}) as Record<string, unknown>;
}

/** When the page asked for each answer stream, and when each send's answer arrived. */
function watchSends(page: Page) {
  const streams: { at: number; input: Record<string, unknown> }[] = [];
  const sends: { requestedAt: number; answeredAt: number; input: Record<string, unknown> }[] = [];
  page.on("request", (request) => {
    const procedures = new URL(request.url()).pathname.replace("/trpc/", "").split(",");
    if (procedures[0] === "generations.stream") {
      const input = inputOf(request);
      streams.push({ at: Date.now(), input: (input.json ?? input) as Record<string, unknown> });
    }
    const index = procedures.indexOf("messages.send");
    if (index >= 0) {
      const entry = { requestedAt: Date.now(), answeredAt: 0, input: inputOf(request, index) };
      sends.push(entry);
      void request.response().then(() => {
        entry.answeredAt = Date.now();
      });
    }
  });
  return { streams, sends };
}

describe.skipIf(skipBrowserTests)("sending in Chromium", () => {
  const app = useChatApp({
    // Three messages a minute: the fourth send is refused.
    server: { env: { RATE_LIMIT_MESSAGES_PER_MINUTE: "3" } },
  });

  it("opens a follow-up answer's stream by its id before the send has returned", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-send-early");
    const watched = watchSends(page);
    await startConversation(page, server.url, "Hello [[mock tokens=20]]");
    expect(await answerSettled(page)).toBe("done");
    await send(page, "And again [[mock tokens=20]]");
    await expect.poll(() => answers(page).count()).toBe(2);
    expect(await answerSettled(page)).toBe("done");

    expect(watched.sends).toHaveLength(2);
    for (const [index, sent] of watched.sends.entries()) {
      const answerId = sent.input.assistantMessageId;
      expect(answerId).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
      const stream = watched.streams.find((each) => each.input.messageId === answerId);
      expect(stream, `a stream for answer ${answerId}`).toBeDefined();
      if (index === 0) {
        // The first message starts its conversation in the same send, and its stream opens once
        // that returns: a new visitor has no session to open it with before.
        expect(sent.input.newConversation).toBeDefined();
        expect(stream?.at).toBeGreaterThanOrEqual(sent.answeredAt);
      } else {
        // Asked for before the send's answer came back.
        expect(stream?.at).toBeLessThanOrEqual(sent.answeredAt);
      }
    }
    // The answers shown are those ids.
    const shown = await answers(page).evaluateAll((elements) =>
      elements.map((element) => element.getAttribute("data-message-id")),
    );
    expect(shown).toEqual(watched.sends.map((sent) => sent.input.assistantMessageId));
  });

  it("stops an answer the moment it is sent, its send still on its way or not", async () => {
    const { page } = app;
    screenshotOnFailure(() => page, "chat-send-stop");
    await send(page, "Count slowly [[mock tokens=400 delay=20]]");
    // Esc stops the answer being written, as soon as it shows.
    await expect.poll(() => answers(page).count()).toBe(3);
    await page.keyboard.press("Escape");
    expect(await answerSettled(page)).toBe("interrupted");
  });

  it("takes a refused message's drafts away, says why, and keeps its text", async () => {
    const { page } = app;
    screenshotOnFailure(() => page, "chat-send-refused");
    await send(page, "One too many");
    const alert = page.locator(".composer-error");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/\S/);
    expect(await composer(page).inputValue()).toBe("One too many");
    await expect.poll(() => answers(page).count()).toBe(3);
    expect(await page.getByRole("article", { name: "Your message" }).count()).toBe(3);
  });

  it("brings a refused first message back to the new chat, leaving no empty conversation", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-send-refused-first");
    const sidebar = page.getByRole("navigation", { name: "Conversations" });
    await page.goto(server.url);
    await sidebar.locator(".conversation-link").first().waitFor();
    const before = await sidebar.locator(".conversation-link").count();
    await send(page, "A new chat, refused");
    await page.locator(".composer-error").waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    expect(await composer(page).inputValue()).toBe("A new chat, refused");
    await page.reload();
    await sidebar.locator(".conversation-link").first().waitFor();
    expect(await sidebar.locator(".conversation-link").count()).toBe(before);
  });

  itLogsNoErrors(app.errors);
});
