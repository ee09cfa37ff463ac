// Helpers for the chat browser tests: a real server with the mock model and a browser, and the
// few page queries and steps every chat test needs.

import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";
import type { TestServerOptions } from "../../server/test/helpers/server.ts";
import { type ChatServer, startChatServer } from "../../server/test/helpers/session.ts";
import { type Client, clientLike } from "./account.ts";
import {
  type BrowserApp,
  type BrowserAppOptions,
  collectPageErrors,
  useBrowserApp,
  type Visitor,
} from "./browser.ts";

export { screenshotOnFailure } from "./browser.ts";
export type { ChatServer };

export interface ChatAppOptions extends BrowserAppOptions {
  /** The server's settings; its mock model is always the fast one of startChatServer. */
  server?: Omit<TestServerOptions, "mock">;
  /** Starts the server(s) otherwise than startChatServer(server) (several behind nginx, say). */
  start?: () => Promise<ChatServer>;
  /** Every page's default timeout for waits (Playwright's own is 30 s). */
  timeout?: number;
  /** Makes a visitor otherwise than newChatVisitor (`errors` is the app's). */
  visit?: (browser: Browser, errors: string[]) => Promise<Visitor>;
}

export type ChatApp = BrowserApp<ChatServer>;

/**
 * A chat server (mock model: 1 ms per token, 12 tokens unless a message says otherwise) and a
 * browser for the file's tests, with a chat visitor (see useBrowserApp): registers the hooks.
 */
export function useChatApp(options: ChatAppOptions = {}): ChatApp {
  const { server, timeout, visit, start } = options;
  return useBrowserApp(
    start ?? (() => startChatServer(server)),
    visit ??
      (async (browser, errors) => {
        const visitor = await newChatVisitor(browser, errors);
        if (timeout !== undefined) visitor.page.setDefaultTimeout(timeout);
        return visitor;
      }),
    options,
  );
}

/** A new visitor (own cookies) with one page; console errors and uncaught ones go to `errors`. */
export async function newChatVisitor(
  browser: Browser,
  errors: string[],
  viewport = { width: 1280, height: 800 },
): Promise<Visitor> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  watchErrors(page, errors);
  return { context, page };
}

export function watchErrors(page: Page, errors: string[]) {
  // Chromium logs failed requests itself; tests cut connections on purpose.
  collectPageErrors(page, errors, /Failed to load resource|net::ERR_/);
}

/**
 * Opens a new chat as the app's visitor (a guest from then on) and returns a client that is the
 * same guest, to set things up faster than through the page.
 */
export async function guestClient(app: ChatApp): Promise<Client> {
  await app.page.goto(app.server.url);
  await composer(app.page).waitFor();
  // The page becomes a guest with its first call (settings.get), which may still be on its way
  // (polled by hand: this also runs in beforeAll, where expect.poll cannot).
  for (let waited = 0; (await app.context.cookies(app.server.url)).length === 0; waited += 50) {
    if (waited > 10_000) throw new Error("the page never became a guest");
    await app.page.waitForTimeout(50);
  }
  return clientLike(app.context, app.server);
}

export const composer = (page: Page) => page.getByRole("textbox", { name: "Message" });
export const answers = (page: Page) => page.getByRole("article", { name: "Answer" });
export const lastAnswer = (page: Page) => answers(page).last();

/** Types `text` in the composer and sends it with Enter. */
export async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press("Enter");
}

/** Sends `text` from a new chat; resolves on the conversation's page, with its id. */
export async function sendFirst(page: Page, text: string): Promise<string> {
  await send(page, text);
  await page.waitForURL(/\/c\/[^/]+$/);
  return conversationIdOf(page);
}

/** Opens a new chat and sends `text` with Enter; resolves on the conversation's page. */
export async function startConversation(page: Page, url: string, text: string): Promise<string> {
  await page.goto(url);
  return sendFirst(page, text);
}

/**
 * Sends `text` in the open conversation, waits until the page shows `answerCount` answers (the
 * new one among them) and the last has settled; returns its status.
 */
export async function sendFollowUp(page: Page, text: string, answerCount: number) {
  await send(page, text);
  await expect.poll(() => answers(page).count()).toBe(answerCount);
  return answerSettled(page);
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
