import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  newEmail,
  screenshotOnFailure,
  signUpInBrowser,
  useAccountApp,
} from "./helpers/account.ts";
import { skipBrowserTests } from "./helpers/browser.ts";

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string; html: string }[];
}

/** Runs axe-core on the page as it is and returns its serious and critical violations. */
async function seriousViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate(() => "axe" in window))) {
    // Evaluated by the browser's tooling, not as an inline <script> (the app's CSP refuses those).
    await page.evaluate(axeSource);
  }
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: Violation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

function describeViolations(violations: Violation[]): string {
  return violations
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help}\n` +
        v.nodes
          .map(
            (node) => `  ${JSON.stringify(node.target)} ${node.html}\n    ${node.failureSummary}`,
          )
          .join("\n"),
    )
    .join("\n");
}

describe.skipIf(skipBrowserTests)("accessibility (axe-core) in Chromium", () => {
  const app = useAccountApp({ watchErrors: false });

  /** Opens a screen and waits until it has rendered its content (not a loading state). */
  async function open(path: string, ready: (page: Page) => Promise<unknown>) {
    const { page, server } = app;
    await page.goto(`${server.url}${path}`);
    await ready(page);
    await page.waitForFunction(
      () => !document.querySelector("main")?.textContent?.includes("Loading"),
    );
  }

  async function expectNoSeriousViolations(screen: string) {
    const violations = await seriousViolations(app.page);
    if (violations.length > 0) {
      console.log(`axe-core on ${screen}:\n${describeViolations(violations)}`);
    }
    expect(violations.map((v) => `${v.id} (${v.nodes.length})`)).toEqual([]);
  }

  for (const scheme of ["light", "dark"] as const) {
    describe(`in the ${scheme} colour scheme`, () => {
      beforeAll(async () => {
        await app.page.emulateMedia({ colorScheme: scheme });
      });

      it("has no serious or critical violations on the chat screen", async () => {
        const { page } = app;
        screenshotOnFailure(() => page, `a11y-chat-${scheme}`);
        await open("/", (p) => p.getByRole("textbox", { name: "Message" }).waitFor());
        await expectNoSeriousViolations(`/ (${scheme})`);
      });

      it("has no serious or critical violations on the settings screen", async () => {
        const { page } = app;
        screenshotOnFailure(() => page, `a11y-settings-${scheme}`);
        await open("/settings", (p) => p.getByLabel("Temperature").waitFor());
        await expectNoSeriousViolations(`/settings (${scheme})`);
      });

      it("has no serious or critical violations on the sign-in screen, errors shown", async () => {
        const { page } = app;
        screenshotOnFailure(() => page, `a11y-signin-${scheme}`);
        await open("/signin", (p) => p.getByRole("button", { name: "Sign in" }).waitFor());
        await expectNoSeriousViolations(`/signin (${scheme})`);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.getByRole("alert").waitFor();
        await expectNoSeriousViolations(`/signin with errors (${scheme})`);
      });

      it("has no serious or critical violations on the API panel, a form with errors open", async () => {
        const { page } = app;
        screenshotOnFailure(() => page, `a11y-panel-${scheme}`);
        const procedures = page.getByRole("navigation", { name: "Procedures" });
        await open("/panel", () => procedures.getByRole("button").first().waitFor());
        await page.getByLabel("Filter procedures").fill("settings.update");
        await procedures.getByRole("button", { name: "settings.update" }).click();
        // A union (nullable), a record and an enum, and an empty required value to complain about.
        await page.getByLabel("Include defaultModel").check();
        await page.getByLabel("Include modelParameters").check();
        await page.getByLabel("Include theme").check();
        await page.getByRole("button", { name: "Run mutation" }).click();
        await page.getByRole("alert").filter({ hasText: "Fix the input" }).waitFor();
        await expectNoSeriousViolations(`/panel (${scheme})`);
      });
    });
  }

  it("has no serious or critical violations on the sign-up, sessions and tokens screens", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "a11y-account");
    await page.emulateMedia({ colorScheme: "light" });
    await open("/signup", (p) => p.getByRole("button", { name: "Create account" }).waitFor());
    await expectNoSeriousViolations("/signup");

    const email = newEmail("a11y");
    await signUpInBrowser(page, server.url, email, "correct horse battery");
    await page.getByRole("button", { name: `Account menu for ${email}` }).click();
    await expectNoSeriousViolations("account menu open");

    await open("/account/sessions", (p) => p.getByRole("list", { name: "Sessions" }).waitFor());
    await expectNoSeriousViolations("/account/sessions");

    await open("/account/tokens", (p) => p.getByText("You have no API tokens.").waitFor());
    await page.getByLabel("Name").fill("a11y");
    await page.getByRole("button", { name: "Create token" }).click();
    await page.getByRole("textbox", { name: "Token" }).waitFor();
    await expectNoSeriousViolations("/account/tokens with a new secret");
  });
});
