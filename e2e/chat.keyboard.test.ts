import { describe, expect, it } from "vitest";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import {
  answerSettled,
  lastAnswer,
  screenshotOnFailure,
  useChatApp,
  waitForShown,
} from "./helpers/chat.ts";

describe.skipIf(skipBrowserTests)("the keyboard alone", () => {
  const app = useChatApp();

  /** What has the focus: its role-ish tag and accessible label. */
  const focused = () =>
    app.page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      return {
        tag: element?.tagName.toLowerCase(),
        label:
          element?.getAttribute("aria-label") ??
          (element?.id
            ? document.querySelector(`label[for="${element.id}"]`)?.textContent
            : null) ??
          element?.textContent?.trim(),
      };
    });

  /** Tabs backwards until the control labelled `label` has the focus. */
  const shiftTabTo = async (label: string) => {
    for (let presses = 0; presses < 15; presses += 1) {
      if ((await focused()).label === label) return;
      await app.page.keyboard.press("Shift+Tab");
    }
    throw new Error(`no "${label}" within 15 presses of Shift+Tab`);
  };

  it("starts a chat, sends, stops, retries and edits without the mouse", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-keyboard");
    await page.goto(server.url);
    // A new chat puts the cursor in the message input.
    await expect.poll(focused).toEqual({ tag: "textarea", label: "Message" });
    await page.keyboard.type("Write slowly [[mock tokens=300 delay=15]]");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("please");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/c\//);
    expect(await page.locator(".user-bubble").textContent()).toContain(
      "[[mock tokens=300 delay=15]]\nplease",
    );

    // Esc stops the answer being written.
    await waitForShown(page, 30);
    await expect.poll(focused).toEqual({ tag: "textarea", label: "Message" });
    await page.keyboard.press("Escape");
    expect(await answerSettled(page)).toBe("interrupted");

    // Retry, reached with Shift+Tab from the input.
    await shiftTabTo("Retry");
    await page.keyboard.press("Enter");
    await expect
      .poll(() => lastAnswer(page).getByRole("group", { name: "Branches" }).textContent())
      .toMatch(/2\s*\/\s*2/);
    await page.keyboard.press("Escape");
    await answerSettled(page);

    // ↑ in the empty input edits the last message; Enter sends the edit as a new branch.
    await page.getByRole("textbox", { name: "Message" }).focus();
    await page.keyboard.press("ArrowUp");
    await expect.poll(focused).toEqual({ tag: "textarea", label: "Edit message" });
    await page.keyboard.press("Control+a");
    await page.keyboard.type("Short one");
    await page.keyboard.press("Enter");
    const question = page.getByRole("article", { name: "Your message" });
    await expect.poll(() => question.locator(".user-bubble").textContent()).toBe("Short one");
    await expect
      .poll(() => question.getByRole("group", { name: "Branches" }).textContent())
      .toMatch(/2\s*\/\s*2/);
    await answerSettled(page);

    // Ctrl+Shift+O: a new chat, with the cursor in the input.
    await page.keyboard.press("Control+Shift+O");
    await page.waitForURL(`${server.url}/`);
    await expect.poll(focused).toEqual({ tag: "textarea", label: "Message" });
  });

  itLogsNoErrors(app.errors);
});
