import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ProviderAccount,
  startOidcProvider,
  type TestOidcProvider,
} from "../server/test/helpers/oidc-provider.ts";
import { CookieJar, createClient } from "../server/test/helpers/server.ts";
import {
  clientLike,
  freePort,
  newEmail,
  screenshotOnFailure,
  signUpInBrowser,
  useAccountApp,
} from "./helpers/account.ts";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";

const PASSWORD = "correct horse battery";

describe.skipIf(skipBrowserTests)("accounts in Chromium", () => {
  const app = useAccountApp({ visitor: "each" });

  const accountButton = (email: string) =>
    app.page.getByRole("button", { name: `Account menu for ${email}` });

  it("signs up with inline errors from the server, then shows the account in the header", async () => {
    const { context, page, server } = app;
    screenshotOnFailure(() => page, "auth-signup");
    const email = newEmail("signup");
    await page.goto(`${server.url}/signup`);
    await page.getByRole("heading", { name: "Create an account" }).waitFor();

    // Nothing filled in: the server's Zod issues land on their fields.
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("alert").filter({ hasText: "Check the highlighted fields." }).waitFor();
    const emailField = page.getByLabel("Email");
    const passwordField = page.getByLabel("Password", { exact: true });
    expect(await emailField.getAttribute("aria-invalid")).toBe("true");
    expect(await passwordField.getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByText("Enter a valid email address").isVisible()).toBe(true);
    expect(await page.getByText("Use at least 8 characters").isVisible()).toBe(true);
    // The error is read with its field.
    const describedBy = (await passwordField.getAttribute("aria-describedby")) ?? "";
    const description = await page.evaluate(
      (ids) => ids.map((id) => document.getElementById(id)?.textContent).join(" "),
      describedBy.split(" "),
    );
    expect(description).toContain("Use at least 8 characters");

    await emailField.fill(email);
    await passwordField.fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("Enter a valid email address").waitFor({ state: "detached" });
    await page.getByText("Use at least 8 characters").waitFor();
    expect(await emailField.getAttribute("aria-invalid")).toBeNull();

    await passwordField.fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await accountButton(email).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    const client = await clientLike(context, server);
    expect((await client.auth.me.query()).user?.email).toBe(email);

    // The same email again: the server's own words.
    await context.clearCookies();
    await page.goto(`${server.url}/signup`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: "An account with this email already exists" })
      .waitFor();
  });

  it("opens the account menu by keyboard and signs out from it", async () => {
    const { context, page, server } = app;
    screenshotOnFailure(() => page, "auth-signout");
    const email = newEmail("signin");
    await signUpInBrowser(page, server.url, email, PASSWORD);

    await accountButton(email).focus();
    await page.keyboard.press("Enter");
    expect(await accountButton(email).getAttribute("aria-expanded")).toBe("true");
    const menuLinks = await page.locator(".account-menu-panel").getByRole("link").allTextContents();
    expect(menuLinks).toEqual(["Settings", "Sessions", "API tokens", "API panel"]);
    // Tab goes into the menu; Escape closes it and gives the focus back to its button.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Settings");
    await page.keyboard.press("Escape");
    expect(await accountButton(email).getAttribute("aria-expanded")).toBe("false");
    expect(await accountButton(email).evaluate((button) => button === document.activeElement)).toBe(
      true,
    );

    await accountButton(email).click();
    await page.getByRole("button", { name: "Sign out" }).click();
    const account = page.getByRole("navigation", { name: "Account" });
    await account.getByRole("link", { name: "Sign in" }).waitFor();
    expect((await (await clientLike(context, server)).auth.me.query()).user).toBeNull();
  });

  it("signs in with the server's error for a wrong password, then returns to the page asked for", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "auth-signin");
    const email = newEmail("signin");
    await createClient(server.url, { jar: new CookieJar() }).auth.signUp.mutate({
      email,
      password: PASSWORD,
    });

    await page.goto(`${server.url}/signin?callback=${encodeURIComponent("/settings")}`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    const wrong = page.getByRole("alert").filter({ hasText: "Wrong email or password" });
    await wrong.waitFor();
    // The alert takes the focus, so it is read at once.
    await page.waitForFunction(() => document.activeElement?.getAttribute("role") === "alert");

    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/settings");
    await accountButton(email).waitFor();
  });

  it("lists sessions with this browser marked, and revokes another", async () => {
    const { context, page, server } = app;
    screenshotOnFailure(() => page, "auth-sessions");
    const email = newEmail("sessions");
    await signUpInBrowser(page, server.url, email, PASSWORD);
    // A second device: a script signing in with the same account.
    const other = createClient(server.url, {
      jar: new CookieJar(),
      headers: { "user-agent": "Mozilla/5.0 (Windows NT 10.0) Gecko/20100101 Firefox/128.0" },
    });
    await other.auth.signIn.mutate({ email, password: PASSWORD });
    expect((await other.auth.me.query()).user?.email).toBe(email);

    await page.goto(`${server.url}/account/sessions`);
    const list = page.getByRole("list", { name: "Sessions" });
    await list.getByRole("listitem").nth(1).waitFor();
    expect(await list.getByRole("listitem").count()).toBe(2);
    const current = list.getByRole("listitem").filter({ hasText: "This browser" });
    expect(await current.count()).toBe(1);
    expect(await current.textContent()).toContain("Chrome on Linux");
    expect(await current.getByRole("button", { name: "Sign out" }).isVisible()).toBe(true);

    const firefox = list.getByRole("listitem").filter({ hasText: "Firefox on Windows" });
    await firefox.getByRole("button", { name: /^Revoke Firefox on Windows/ }).click();
    await firefox.waitFor({ state: "detached" });
    expect(await list.getByRole("listitem").count()).toBe(1);
    expect((await other.auth.me.query()).user).toBeNull();
    // This browser is still signed in.
    expect((await (await clientLike(context, server)).auth.me.query()).user?.email).toBe(email);
  });

  it("creates an API token whose secret is shown once, with a working copy button", async () => {
    const { context, page, server } = app;
    screenshotOnFailure(() => page, "auth-tokens");
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    const email = newEmail("tokens");
    await signUpInBrowser(page, server.url, email, PASSWORD);
    await page.goto(`${server.url}/account/tokens`);
    await page.getByText("You have no API tokens.").waitFor();

    await page.getByRole("button", { name: "Create token" }).click();
    await page.getByText("This field is required.").waitFor();

    await page.getByLabel("Name").fill("nightly export");
    await page.getByLabel("Expires").selectOption({ label: "In 30 days" });
    await page.getByRole("button", { name: "Create token" }).click();
    const secretField = page.getByRole("textbox", { name: "Token" });
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret.length).toBeGreaterThan(20);
    expect(await page.getByText("This is the only time Parley shows this token").isVisible()).toBe(
      true,
    );
    // Focus moved to the new secret's heading, so it is announced.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain(
      "nightly export",
    );

    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.getByText("Copied to the clipboard.").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    // The secret works for scripts.
    const script = createClient(server.url, { token: secret });
    expect((await script.auth.me.query()).user?.email).toBe(email);

    const list = page.getByRole("list", { name: "Your tokens" });
    const item = list.getByRole("listitem").filter({ hasText: "nightly export" });
    await item.waitFor();
    const [token] = await script.tokens.list.query();
    expect(await item.textContent()).toContain(token?.prefix);
    expect(await item.textContent()).toContain("Expires");

    await page.getByRole("button", { name: "I have copied it" }).click();
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await item.waitFor();
    expect(await page.content()).not.toContain(secret);

    // Revoking asks first; Cancel keeps it.
    await item.getByRole("button", { name: "Revoke nightly export" }).click();
    const dialog = page.getByRole("dialog", { name: /Revoke “nightly export”/ });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect((await script.auth.me.query()).user?.email).toBe(email);

    await item.getByRole("button", { name: "Revoke nightly export" }).click();
    await dialog.getByRole("button", { name: "Revoke token" }).click();
    await page.getByText("You have no API tokens.").waitFor();
    await expect(script.auth.me.query()).rejects.toThrow("Invalid or revoked API token");
  });

  it("asks a guest to sign in on the sessions and tokens pages", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "auth-guest-pages");
    for (const path of ["/account/sessions", "/account/tokens"]) {
      await page.goto(`${server.url}${path}`);
      const link = page.getByRole("main").getByRole("link", { name: "Sign in" });
      await link.waitFor();
      expect(await link.getAttribute("href")).toBe(`/signin?callback=${encodeURIComponent(path)}`);
    }
    // No single sign-on button without an OIDC provider.
    await page.goto(`${server.url}/signin`);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await page.getByRole("link", { name: /single sign-on/ }).count()).toBe(0);
  });

  itLogsNoErrors(app.errors, "logs no errors in the page");
});

describe.skipIf(skipBrowserTests)("single sign-on in Chromium", () => {
  let provider: TestOidcProvider;
  let port = 0;

  // Registered before the app's hooks: the provider starts before the server, and stops after.
  beforeAll(async () => {
    port = await freePort();
    provider = await startOidcProvider({
      redirectUris: [`http://127.0.0.1:${port}/auth/oidc/callback`],
    });
  });

  afterAll(async () => {
    await provider?.close();
  });

  const app = useAccountApp({
    visitor: "none",
    watchErrors: false,
    server: () => ({
      port,
      env: {
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: provider.clientId,
        OIDC_CLIENT_SECRET: provider.clientSecret,
      },
    }),
  });

  it("signs in through the provider from the sign-in page and comes back where it started", async () => {
    const { server } = app;
    const { context, page } = await app.newVisitor();
    screenshotOnFailure(() => page, "auth-oidc");
    await page.goto(`${server.url}/signin?callback=${encodeURIComponent("/settings")}`);
    const button = page.getByRole("link", { name: "Continue with single sign-on" });
    await button.waitFor();
    expect(await button.getAttribute("href")).toBe(
      `/auth/oidc/login?callback=${encodeURIComponent("/settings")}`,
    );

    // The person at the provider (its helper registers the account when asked to sign in).
    const account: ProviderAccount = {
      sub: "ada",
      email: "ada@example.com",
      email_verified: true,
      name: "Ada",
    };
    await provider.signIn("about:blank", account);
    // The provider's development pages load a web font; there is no internet here.
    await page.route("https://fonts.googleapis.com/**", (route) => route.abort());

    await button.click();
    await page.locator('input[name="login"]').fill(account.sub);
    await page.locator('input[name="password"]').fill("any");
    await page.getByRole("button", { name: "Sign-in" }).click();
    await page.getByRole("button", { name: "Continue" }).click();

    await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/settings");
    await page.getByRole("button", { name: "Account menu for ada@example.com" }).waitFor();
    expect((await (await clientLike(context, server)).auth.me.query()).user?.email).toBe(
      "ada@example.com",
    );
    await context.close();
  });
});

describe.skipIf(skipBrowserTests)("a server that requires login, in Chromium", () => {
  const app = useAccountApp({
    visitor: "none",
    watchErrors: false,
    server: { env: { REQUIRE_LOGIN: "true" } },
  });

  it("sends a visitor to sign in first, then back to the page they asked for", async () => {
    const { server } = app;
    const { context, page } = await app.newVisitor();
    screenshotOnFailure(() => page, "auth-require-login");
    await page.goto(`${server.url}/settings`);
    await page.waitForURL(`${server.url}/signin?callback=%2Fsettings`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    // No guest here: no guest banner, no settings link for nobody.
    expect(await page.locator(".guest-banner").count()).toBe(0);
    expect(await page.getByRole("navigation", { name: "Account" }).textContent()).not.toContain(
      "Settings",
    );

    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(`${server.url}/signup?callback=%2Fsettings`);
    const email = newEmail("required");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/settings");
    await page.getByRole("button", { name: `Account menu for ${email}` }).waitFor();
    await context.close();
  });
});
