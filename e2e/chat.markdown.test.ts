import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import {
  answerSettled,
  lastAnswer,
  lastAnswerId,
  screenshotOnFailure,
  startConversation,
  useChatApp,
} from "./helpers/chat.ts";

const CODE = 'def greet(name: str) -> str:\n    return f"Hello, {name}!"\n\nprint(greet("Parley"))';

/** An answer with everything people expect rendered, and attacks that must stay text. */
const ANSWER = [
  "## Rivers compared",
  "",
  "| River | Length (km) | Mouth |",
  "| --- | ---: | --- |",
  "| Nile | 6,650 | Mediterranean |",
  "| Amazon | 6,400 | Atlantic |",
  "",
  "```python",
  CODE,
  "```",
  "",
  "Inline math $E = mc^2$ and a display formula:",
  "",
  "$$",
  "\\int_0^1 x^2 \\, dx = \\frac{1}{3}",
  "$$",
  "",
  "- [x] measured",
  "- [ ] mapped",
  "",
  "See [the source](https://example.com/rivers) for more.",
  "",
  "Attacks: <img src=x onerror=\"window.__xss = 'img'\"> and <script>window.__xss = 'script'</script>",
  "and [a link](javascript:window.__xss='link') and <a href=\"javascript:window.__xss='a'\">raw</a>",
  "and ![pic](javascript:window.__xss='image') and <svg onload=\"window.__xss='svg'\"></svg>",
  "",
  "<iframe src=\"javascript:window.__xss='iframe'\"></iframe>",
].join("\n");

describe.skipIf(skipBrowserTests)("markdown in Chromium", () => {
  const app = useChatApp();
  let conversationUrl: string;

  beforeAll(async () => {
    const { context, page, server } = app;
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    // The mock writes prose; the answer under test is put in place as if a model had written it.
    const id = await startConversation(
      page,
      server.url,
      "Compare rivers <img src=x onerror=\"window.__xss='user'\"> <script>window.__xss='user'</script>",
    );
    await answerSettled(page);
    await server.database.db.message.update({
      where: { id: await lastAnswerId(page) },
      data: { content: ANSWER },
    });
    conversationUrl = `${server.url}/c/${id}`;
    await page.goto(conversationUrl);
    await lastAnswer(page).locator("table").waitFor();
  });

  const markdown = () => lastAnswer(app.page).locator(".markdown");

  it("renders a table, highlighted code with a working copy button, math and task lists", async () => {
    const { page } = app;
    screenshotOnFailure(() => page, "chat-markdown");
    const rows = await markdown()
      .locator("table tr")
      .evaluateAll((trs) =>
        trs.map((tr) => Array.from(tr.children).map((cell) => cell.textContent)),
      );
    expect(rows).toEqual([
      ["River", "Length (km)", "Mouth"],
      ["Nile", "6,650", "Mediterranean"],
      ["Amazon", "6,400", "Atlantic"],
    ]);
    expect(await markdown().getByRole("heading", { level: 2 }).textContent()).toBe(
      "Rivers compared",
    );

    // Code: coloured once the highlighter has loaded, and the copy button copies it exactly.
    const block = markdown().locator(".code-block");
    expect(await block.locator(".code-lang").textContent()).toBe("python");
    await block.locator(".hljs-keyword").first().waitFor();
    await block.getByRole("button", { name: "Copy code" }).click({ timeout: 5000 });
    await expect
      .poll(() => block.getByRole("button", { name: "Copy code" }).textContent())
      .toBe("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(CODE);

    // Math: KaTeX, inline and display.
    await markdown().locator(".katex").first().waitFor();
    expect(await markdown().locator(".katex-display").count()).toBe(1);
    expect(await markdown().locator(".katex").count()).toBe(2);
    expect(await markdown().locator(".katex-mathml annotation").first().textContent()).toBe(
      "E = mc^2",
    );

    const boxes = markdown().locator('input[type="checkbox"]');
    expect(
      await boxes.evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).checked)),
    ).toEqual([true, false]);

    // Links open in a new tab, without access to this one.
    const link = markdown().getByRole("link", { name: "the source" });
    expect(await link.getAttribute("href")).toBe("https://example.com/rivers");
    expect(await link.getAttribute("target")).toBe("_blank");
    expect(await link.getAttribute("rel")).toContain("noopener");
  });

  it("executes none of the HTML, scripts or javascript: links in a message", async () => {
    const { page } = app;
    screenshotOnFailure(() => page, "chat-markdown-xss");
    const attacks = lastAnswer(page);
    // Shown as text, not turned into elements.
    expect(await attacks.locator("img, script, iframe, svg[onload], [onerror]").count()).toBe(0);
    const text = (await markdown().textContent()) ?? "";
    expect(text).toContain("<img src=x onerror=\"window.__xss = 'img'\">");
    expect(text).toContain("<script>window.__xss = 'script'</script>");
    // javascript: links are not links.
    expect(await markdown().locator('a[href^="javascript" i]').count()).toBe(0);
    expect(await markdown().getByRole("link", { name: "a link" }).count()).toBe(0);
    await markdown().getByText("a link").click();
    // The user's message is plain text too.
    const question = page.getByRole("article", { name: "Your message" });
    expect(await question.locator("img, script").count()).toBe(0);
    expect(await question.textContent()).toContain("<img src=x");

    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
  });

  it("looks right at 1280×800 and 390×844 (screenshots in /tmp)", async () => {
    const { context, page } = app;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(conversationUrl);
    await lastAnswer(page).locator(".katex").first().waitFor();
    await lastAnswer(page).locator(".hljs-keyword").first().waitFor();
    const toTable = (target: Page) =>
      lastAnswer(target)
        .getByRole("heading", { name: "Rivers compared" })
        .evaluate((heading) => heading.scrollIntoView({ block: "start" }));
    await toTable(page);
    await page.screenshot({ path: "/tmp/parley-chat-1280x800.png" });

    const mobile = await context.newPage();
    await mobile.setViewportSize({ width: 390, height: 844 });
    await mobile.goto(conversationUrl);
    await lastAnswer(mobile).locator(".katex").first().waitFor();
    await lastAnswer(mobile).locator(".hljs-keyword").first().waitFor();
    await toTable(mobile);
    await mobile.screenshot({ path: "/tmp/parley-chat-390x844.png" });
    // Nothing wider than the screen: the page itself never scrolls sideways.
    const overflow = await mobile.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBe(0);
    // The conversations are in a drawer behind the menu button.
    const nav = mobile.getByRole("navigation", { name: "Conversations" });
    expect(await nav.isVisible()).toBe(false);
    await mobile.getByRole("button", { name: "Open conversations" }).click();
    await expect.poll(() => nav.isVisible()).toBe(true);
    await mobile.waitForTimeout(300);
    await mobile.screenshot({ path: "/tmp/parley-drawer-390x844.png" });
    await mobile.close();

    // And in the dark.
    await page.emulateMedia({ colorScheme: "dark" });
    await toTable(page);
    await page.screenshot({ path: "/tmp/parley-chat-dark-1280x800.png" });
    await page.emulateMedia({ colorScheme: "light" });
  });

  itLogsNoErrors(app.errors);
});
