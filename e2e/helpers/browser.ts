import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { expect, it } from "vitest";

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
