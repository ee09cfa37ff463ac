// Helpers for the account and settings browser tests: a server and a browser per file, a
// typed API client sharing the page's cookies, request counting, and evidence on failure.

import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  CookieJar,
  createClient,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from "../../server/test/helpers/server.ts";
import {
  type BrowserApp,
  type BrowserAppOptions,
  collectPageErrors,
  useBrowserApp,
} from "./browser.ts";

export { freePort } from "../../server/test/helpers/ports.ts";
export { screenshotOnFailure } from "./browser.ts";
export type Client = TestServer["client"];

export interface AccountAppOptions extends BrowserAppOptions {
  /** The server's settings, or a function that gives them when it starts (in beforeAll). */
  server?: TestServerOptions | (() => TestServerOptions);
  /** Whether visitors' pages put their errors in the app's `errors` (default: yes). */
  watchErrors?: boolean;
}

/**
 * A server (rate limits off unless `env` says otherwise) and a browser for the file's tests, with
 * a visitor made by newVisitor (see useBrowserApp): registers the hooks.
 */
export function useAccountApp(options: AccountAppOptions = {}): BrowserApp<TestServer> {
  return useBrowserApp(
    () => {
      const server = typeof options.server === "function" ? options.server() : options.server;
      return startTestServer({
        ...server,
        env: {
          RATE_LIMIT_MESSAGES_PER_MINUTE: "0",
          RATE_LIMIT_IP_MESSAGES_PER_MINUTE: "0",
          ...server?.env,
        },
      });
    },
    (browser, errors) => newVisitor(browser, options.watchErrors === false ? undefined : errors),
    options,
  );
}

/** Uncaught errors and console errors a page logged (checked at the end of each file). */
export function collectErrors(page: Page, errors: string[]) {
  // The browser logs every 4xx/5xx response; the tests provoke some on purpose.
  collectPageErrors(page, errors, /Failed to load resource/);
}

/** A fresh browser context (its own cookies: a new visitor) with one page at 1280×800. */
export async function newVisitor(browser: Browser, errors?: string[]) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // Well inside the test timeout, so a wait that fails says what it waited for.
  page.setDefaultTimeout(8_000);
  if (errors) collectErrors(page, errors);
  return { context, page };
}

/** A typed client that is the same guest or account as the browser context (its cookies now). */
export async function clientLike(context: BrowserContext, server: TestServer): Promise<Client> {
  const jar = new CookieJar();
  for (const cookie of await context.cookies(server.url))
    jar.cookies.set(cookie.name, cookie.value);
  return createClient(server.url, { jar });
}

/** Counts the requests the page makes to a tRPC procedure (alone or inside a batch). */
export function countRequests(page: Page, procedure: string) {
  const requests: { url: string; body: string | null }[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (!path.startsWith("/trpc/")) return;
    if (path.slice("/trpc/".length).split(",").includes(procedure)) {
      requests.push({ url: request.url(), body: request.postData() });
    }
  });
  return requests;
}

let emails = 0;
/** A new address each call, so tests in one file never collide. */
export function newEmail(label: string) {
  emails += 1;
  return `${label}-${emails}-${Date.now().toString(36)}@example.com`;
}

/** Creates an account through the sign-up page and waits until the app shows it signed in. */
export async function signUpInBrowser(
  page: Page,
  baseUrl: string,
  email: string,
  password: string,
) {
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("button", { name: `Account menu for ${email}` }).waitFor();
  // The page it went to has rendered (and taken the focus it takes on opening).
  await page.waitForFunction(() => {
    const heading = document.querySelector("main h1");
    return heading !== null && heading.textContent !== "Create an account";
  });
}
