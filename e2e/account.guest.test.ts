import { describe, expect, it } from "vitest";
import { clientLike, newEmail, screenshotOnFailure, useAccountApp } from "./helpers/account.ts";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import { send } from "./helpers/chat.ts";

describe.skipIf(skipBrowserTests)("the guest message limit in Chromium", () => {
  const app = useAccountApp({ server: { env: { GUEST_MESSAGE_LIMIT: "2" } } });

  const banner = () => app.page.locator(".guest-banner");
  const bannerSays = (text: string) => banner().filter({ hasText: text }).waitFor();
  const prompt = () => app.page.getByRole("dialog", { name: "Sign in to keep chatting" });

  it("counts down, blocks at zero with a sign-in prompt, and sign-up keeps the conversations", async () => {
    const { context, page, server } = app;
    screenshotOnFailure(() => page, "guest-limit");
    await page.goto(server.url);
    await bannerSays("2 messages left");
    expect(await banner().getAttribute("role")).toBe("status");

    // One message through the chat: the banner counts it.
    await send(page, "Hello from a guest");
    await page.waitForURL(/\/c\//);
    await bannerSays("1 message left");

    // Another from a second tab (here: the API with this browser's cookies); the banner catches
    // up when the window regains focus.
    const client = await clientLike(context, server);
    const { conversationId } = await client.conversations.create.mutate({});
    await client.messages.send.mutate({ conversationId, content: "And one more", mode: "new" });
    await page.evaluate(() =>
      document.dispatchEvent(new Event("visibilitychange", { bubbles: true })),
    );
    await bannerSays("You have used all your guest messages.");

    // At zero: a modal asks to sign in; the server refuses more.
    await prompt().waitFor();
    expect(await prompt().getByRole("link", { name: "Sign in" }).isVisible()).toBe(true);
    await expect(
      client.messages.send.mutate({ conversationId, content: "A third", mode: "new" }),
    ).rejects.toThrow("Guests can send 2 messages.");
    // The page behind it is inert while it is open.
    expect(await page.evaluate(() => document.querySelector("dialog[open]") !== null)).toBe(true);

    // "Not now" lets the guest read; the prompt comes back on the next page.
    await prompt().getByRole("button", { name: "Not now" }).click();
    await prompt().waitFor({ state: "hidden" });
    await bannerSays("You have used all your guest messages.");
    await page.goto(`${server.url}/settings`);
    await prompt().waitFor();

    // Sign up from the prompt: the guest's two conversations now belong to the account.
    const guestConversations = (await client.conversations.list.query({})).items.map((c) => c.id);
    expect(guestConversations).toHaveLength(2);
    await prompt().getByRole("link", { name: "Create an account" }).click();
    await page.getByRole("heading", { name: "Create an account" }).waitFor();
    expect(await prompt().count()).toBe(0);
    const email = newEmail("guest");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password", { exact: true }).fill("correct horse battery");
    await page.getByRole("button", { name: "Create account" }).click();

    await page.getByRole("button", { name: `Account menu for ${email}` }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/settings");
    expect(await banner().count()).toBe(0);
    expect(await prompt().count()).toBe(0);

    const account = await clientLike(context, server);
    expect((await account.auth.me.query()).user?.email).toBe(email);
    const owned = (await account.conversations.list.query({})).items.map((c) => c.id);
    expect(owned.sort()).toEqual(guestConversations.sort());
    // And the account may send again.
    await account.messages.send.mutate({ conversationId, content: "Signed in now", mode: "new" });
  });

  itLogsNoErrors(app.errors, "logs no errors in the page");
});
