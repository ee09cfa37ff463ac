import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, expect, it, onTestFailed } from "vitest";

/**
 * Browser tests drive the system Chromium (never `playwright install`, which downloads a browser).
 * Set CHROMIUM_PATH to use another binary.
 */
export const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

const isCI = process.env.CI === "true";
const chromiumMissing = !existsSync(chromiumPath);

/**
 * When Chromium is missing: on a developer machine the browser tests are skipped, with the
 * reason printed, so `pnpm test` still runs everything else; on CI (CI=true) they run and fail
 * in launchBrowser(), because a CI that silently skips them would prove nothing.
 */
export const skipBrowserTests = chromiumMissing && !isCI;

if (skipBrowserTests) {
  console.warn(
    `Skipping browser tests: no Chromium at ${chromiumPath}. ` +
      "Install it (apt-get install chromium) or set CHROMIUM_PATH. On CI (CI=true) this is a failure.",
  );
}

export async function launchBrowser(): Promise<Browser> {
  if (chromiumMissing) {
    throw new Error(
      `Browser tests need Chromium, and there is none at ${chromiumPath}. ` +
        "Install it (apt-get install chromium) or set CHROMIUM_PATH to its executable.",
    );
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // No sandbox: CI containers run as root. The rest keeps Chromium from calling home.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Starts a server and a browser together; if either fails, closes whichever did start. */
export async function startWithBrowser<S extends { close(): Promise<unknown> }>(
  startServer: Promise<S>,
): Promise<{ server: S; browser: Browser }> {
  const [server, browser] = await Promise.allSettled([startServer, launchBrowser()]);
  if (server.status === "rejected" || browser.status === "rejected") {
    if (server.status === "fulfilled") await server.value.close();
    if (browser.status === "fulfilled") await browser.value.close();
    throw server.status === "rejected" ? server.reason : (browser as PromiseRejectedResult).reason;
  }
  return { server: server.value, browser: browser.value };
}

/** A visitor: a browser context (its own cookies) with one page. */
export interface Visitor {
  context: BrowserContext;
  page: Page;
}

/**
 * A file's server and browser, and its default visitor, as useBrowserApp fills them in: every
 * field is there by the time a test (or a hook registered after useBrowserApp) runs.
 */
export interface BrowserApp<S> extends Visitor {
  server: S;
  browser: Browser;
  /** Where visitors' pages put their errors (when watched), for itLogsNoErrors at the end. */
  errors: string[];
  /** Another visitor made like the default one; the browser closes it at the end. */
  newVisitor(): Promise<Visitor>;
}

export interface BrowserAppOptions {
  /**
   * The default visitor (`context`, `page`): one for the whole file ("file", the default), a new
   * one before each test, the one before closed ("each"), or none ("none": tests make their own
   * with newVisitor(), and `context` and `page` stay unset).
   */
  visitor?: "file" | "each" | "none";
}

/**
 * Registers the hooks that start a server and a browser before the file's tests (with the
 * default visitor) and close them after, and returns the object they fill in.
 */
export function useBrowserApp<S extends { close(): Promise<unknown> }>(
  startServer: () => Promise<S>,
  visit: (browser: Browser, errors: string[]) => Promise<Visitor>,
  { visitor = "file" }: BrowserAppOptions = {},
): BrowserApp<S> {
  const errors: string[] = [];
  const app = { errors, newVisitor: () => visit(app.browser, errors) } as BrowserApp<S>;
  // Unset until its hook has run, whatever the type says (a failed start leaves them so).
  const started: Partial<BrowserApp<S>> = app;

  beforeAll(async () => {
    Object.assign(app, await startWithBrowser(startServer()));
    if (visitor === "file") Object.assign(app, await app.newVisitor());
  });

  if (visitor === "each") {
    beforeEach(async () => {
      await started.context?.close();
      Object.assign(app, await app.newVisitor());
    });
  }

  afterAll(async () => {
    await started.context?.close();
    await started.browser?.close();
    await started.server?.close();
  });

  return app;
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

/** Puts the page's console errors (except those matching `ignore`) and uncaught ones in `errors`. */
export function collectPageErrors(page: Page, errors: string[], ignore: RegExp) {
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    if (ignore.test(text)) return;
    errors.push(text);
  });
  page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
}

/** The last test of a file: nothing went to `errors` while the others ran. */
export function itLogsNoErrors(errors: string[], name = "logs no console errors") {
  it(name, () => {
    expect(errors).toEqual([]);
  });
}
