// Helpers for the chat browser tests: a real server with the mock model and a browser, and the
// few page queries every chat test needs.

import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { onTestFailed } from "vitest";
import type { TestServerOptions } from "../../server/test/helpers/server.ts";
import { type ChatServer, startChatServer } from "../../server/test/helpers/session.ts";
import { collectPageErrors, startWithBrowser } from "./browser.ts";

/** A chat server (mock model: 1 ms per token, 12 tokens unless a message says otherwise). */
export async function startChatApp(options: Omit<TestServerOptions, "mock"> = {}) {
  return startWithBrowser(startChatServer(options));
}

export type { ChatServer };

/** A new visitor (own cookies) with one page; console errors and uncaught ones go to `errors`. */
export async function newChatVisitor(
  browser: Browser,
  errors: string[],
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  watchErrors(page, errors);
  return { context, page };
}

export function watchErrors(page: Page, errors: string[]) {
  // Chromium logs failed requests itself; tests cut connections on purpose.
  collectPageErrors(page, errors, /Failed to load resource|net::ERR_/);
}

/** On failure, keeps a screenshot in e2e/artifacts (git-ignored). */
export function screenshotOnFailure(page: () => Page | undefined, name: string) {
  onTestFailed(async () => {
    const path = fileURLToPath(new URL(`../artifacts/${name}.png`, import.meta.url));
    await page()
      ?.screenshot({ path, fullPage: true })
      .catch(() => {});
  });
}

export const composer = (page: Page) => page.getByRole("textbox", { name: "Message" });
export const answers = (page: Page) => page.getByRole("article", { name: "Answer" });
export const lastAnswer = (page: Page) => answers(page).last();

/** Opens a new chat and sends `text` with Enter; resolves on the conversation's page. */
export async function startConversation(page: Page, url: string, text: string): Promise<string> {
  await page.goto(url);
  await composer(page).fill(text);
  await composer(page).press("Enter");
  await page.waitForURL(/\/c\/[^/]+$/);
  return conversationIdOf(page);
}

export function conversationIdOf(page: Page): string {
  const id = new URL(page.url()).pathname.split("/").at(-1);
  if (!id) throw new Error(`not on a conversation: ${page.url()}`);
  return id;
}

/** Waits until the last answer is no longer streaming, and returns its status. */
export async function answerSettled(page: Page, timeout = 15_000): Promise<string> {
  const answer = lastAnswer(page);
  await answer.waitFor({ timeout });
  await page.waitForFunction(
    () => {
      const all = document.querySelectorAll('article[aria-label="Answer"]');
      const status = all[all.length - 1]?.getAttribute("data-status");
      return status && status !== "streaming";
    },
    undefined,
    { timeout },
  );
  return (await answer.getAttribute("data-status")) ?? "";
}

/** The text an answer shows, with whitespace collapsed. */
export async function shownText(page: Page, index = -1): Promise<string> {
  const answer = index === -1 ? lastAnswer(page) : answers(page).nth(index);
  const text = await answer
    .locator(".markdown")
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, with its line breaks between blocks.
    .evaluate((element) => (element as HTMLElement).innerText);
  return normalize(text);
}

/** Markdown source as the mock writes it (bold, code) reduced to the text it shows. */
export function plain(markdown: string): string {
  return normalize(markdown.replace(/\*\*|`/g, ""));
}

export function normalize(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** The answer as the server saved it. */
export async function savedMessage(server: ChatServer, messageId: string) {
  const message = await server.database.db.message.findUnique({ where: { id: messageId } });
  if (!message) throw new Error(`no message ${messageId}`);
  return message;
}

/** The id of the last answer on the page. */
export async function lastAnswerId(page: Page): Promise<string> {
  const id = await lastAnswer(page).getAttribute("data-message-id");
  if (!id) throw new Error("the last answer has no id");
  return id;
}

/** Resolves once the page shows at least `chars` characters of the last answer. */
export async function waitForShown(page: Page, chars: number, timeout = 10_000) {
  await page.waitForFunction(
    (min) => {
      const answers = document.querySelectorAll('article[aria-label="Answer"] .markdown');
      const last = answers[answers.length - 1] as HTMLElement | undefined;
      return (last?.textContent?.length ?? 0) >= min;
    },
    chars,
    { timeout },
  );
}
