import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { skipBrowserTests } from "./helpers/browser.ts";
import { composer, newChatVisitor, useChatApp } from "./helpers/chat.ts";

/** The budget for the JavaScript the first page (/) loads, gzipped. */
const BUDGET_KB = 128;

describe.skipIf(skipBrowserTests)("the first page's weight", () => {
  const app = useChatApp({ visitor: "none" });

  it(`loads under ${BUDGET_KB} KB of gzipped JavaScript for /, and none of the heavy renderers`, async () => {
    const { browser, server } = app;
    const { context, page } = await newChatVisitor(browser, []);
    const scripts: { url: string; body: Promise<Buffer> }[] = [];
    page.on("response", (response) => {
      if (response.request().resourceType() === "script") {
        scripts.push({ url: response.url(), body: response.body() });
      }
    });
    await page.goto(server.url);
    await composer(page).waitFor();
    await page.waitForLoadState("networkidle");

    const sizes = await Promise.all(
      scripts.map(async ({ url, body }) => ({
        file: new URL(url).pathname.split("/").at(-1) ?? url,
        gzip: gzipSync(await body).length,
      })),
    );
    const totalKb = sizes.reduce((sum, { gzip }) => sum + gzip, 0) / 1024;
    console.log(
      `initial JS for /: ${totalKb.toFixed(1)} KB gzipped in ${sizes.length} files: ` +
        sizes.map(({ file, gzip }) => `${file} ${(gzip / 1024).toFixed(1)}`).join(", "),
    );
    expect(totalKb).toBeLessThan(BUDGET_KB);
    // Markdown, math and highlighting load with the first conversation, not with /.
    expect(sizes.map(({ file }) => file).join(" ")).not.toMatch(/katex|highlight|ConversationPage/);
    await context.close();
  });
});
