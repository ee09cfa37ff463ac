// The API panel in Chromium (issue 7, acceptance 3 and 5): find a procedure, run it, fill an
// input from the generated form, watch a live generation's events and stop watching, and run
// as an API token a call whose "copy as curl" command, run in a shell, answers the same.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { MOCK_MODELS } from "../server/src/llm/mock/index.ts";
import { CookieJar, createClient } from "../server/test/helpers/server.ts";
import { expectRisingIds, readStream, textOf } from "../server/test/helpers/session.ts";
import { type Client, clientLike, countRequests } from "./helpers/account.ts";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import { screenshotOnFailure, useChatApp } from "./helpers/chat.ts";

const run = promisify(execFile);

describe.skipIf(skipBrowserTests)("the API panel in Chromium", () => {
  const app = useChatApp({ visitor: "each", timeout: 8_000 });

  const nav = () => app.page.getByRole("navigation", { name: "Procedures" });
  const result = () => app.page.getByRole("region", { name: "Result" });
  const events = () => app.page.getByRole("list", { name: "Stream events" }).getByRole("listitem");

  async function openPanel() {
    const { page, server } = app;
    await page.goto(`${server.url}/panel`);
    await page.getByRole("heading", { name: "API panel", level: 1 }).waitFor();
    await nav().getByRole("button").first().waitFor();
  }

  /** Finds a procedure with the filter box and opens it. */
  async function choose(path: string) {
    const { page } = app;
    await page.getByLabel("Filter procedures").fill(path);
    await nav().getByRole("button", { name: path }).click();
    await page.getByRole("heading", { name: path, level: 2 }).waitFor();
  }

  /**
   * Starts an answer through `client` (a script beside the page) and subscribes to its
   * generation's events in the panel; returns the generation and the stream's status.
   */
  async function sendAndWatch(client: Client, conversationId: string, content: string) {
    const { page } = app;
    const { generationId } = await client.messages.send.mutate({
      conversationId,
      content,
      mode: "new",
    });
    await choose("generations.stream");
    await page.getByLabel("generationId", { exact: true }).fill(generationId);
    await page.getByRole("button", { name: "Subscribe" }).click();
    return {
      generationId,
      status: page.getByRole("region", { name: "Events" }).getByRole("status"),
    };
  }

  /** Waits for a query's or mutation's outcome and returns it with the data shown. */
  async function outcome(): Promise<{ status: string; text: string; data: unknown }> {
    const status = result().getByRole("status");
    await status.waitFor();
    const outcomeCode = (await status.getAttribute("data-outcome")) ?? "";
    const shown = result().locator("pre");
    const text = (await shown.count()) > 0 ? ((await shown.textContent()) ?? "") : "";
    return {
      status: `${outcomeCode} · ${await status.textContent()}`,
      text,
      data: outcomeCode === "ok" ? (JSON.parse(text) as unknown) : undefined,
    };
  }

  it("finds models.list with the filter, runs it and shows the models", async () => {
    const { page } = app;
    screenshotOnFailure(() => page, "panel-models");
    await openPanel();
    await page.getByLabel("Filter procedures").fill("models.list");
    // The filter leaves only the matching procedure in the tree.
    await expect.poll(() => nav().getByRole("button").count()).toBe(1);
    await choose("models.list");
    await page.getByText("The configured models, their capabilities").waitFor();

    await page.getByRole("button", { name: "Run query" }).click();
    const { status, data } = await outcome();
    expect(status).toMatch(/^ok · OK · HTTP 200 · \d+ ms$/);
    const { models, demo } = data as { models: { id: string }[]; demo: boolean };
    expect(models.map((model) => model.id)).toEqual(MOCK_MODELS.map((model) => model.id));
    expect(demo).toBe(true);
  });

  it("fills conversations.create from the generated form, checked before it is sent", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "panel-create");
    await openPanel();
    await choose("conversations.create");
    const creates = countRequests(page, "conversations.create");

    // An included but empty model is refused on the page, next to the field, and not sent.
    await page.getByLabel("Include model").check();
    await page.getByRole("button", { name: "Run mutation" }).click();
    const model = page.getByLabel("model", { exact: true });
    await expect.poll(() => model.getAttribute("aria-invalid")).toBe("true");
    await page.getByRole("alert").filter({ hasText: "Fix the input" }).waitFor();
    expect(creates).toEqual([]);

    await model.fill("parley-demo-responses");
    // Typing into an optional field includes it.
    await page.getByLabel("systemPrompt", { exact: true }).fill("You are a panel test.");
    expect(await page.getByLabel("Include systemPrompt").isChecked()).toBe(true);
    expect(await model.getAttribute("aria-invalid")).toBeNull();

    // The JSON editor holds the same value; an edit there shows in the form.
    await page.getByRole("button", { name: "JSON" }).click();
    const json = page.getByLabel("Input as JSON");
    expect(JSON.parse(await json.inputValue())).toEqual({
      model: "parley-demo-responses",
      systemPrompt: "You are a panel test.",
    });
    await json.fill(
      JSON.stringify({ model: "parley-demo-responses", systemPrompt: "Be brief, panel." }),
    );
    await page.getByRole("button", { name: "Form" }).click();
    expect(await page.getByLabel("systemPrompt", { exact: true }).inputValue()).toBe(
      "Be brief, panel.",
    );

    await page.getByRole("button", { name: "Run mutation" }).click();
    const { status, data } = await outcome();
    expect(status).toMatch(/^ok · OK · HTTP 200/);
    const { conversationId } = data as { conversationId: string };
    expect(conversationId).toMatch(/\S/);
    expect(creates).toHaveLength(1);

    // Created for this browser's session, as the form said.
    const client = await clientLike(page.context(), server);
    const conversation = await client.conversations.get.query({ id: conversationId });
    expect(conversation).toMatchObject({
      model: "parley-demo-responses",
      systemPrompt: "Be brief, panel.",
    });
  });

  it("builds arrays, unions, defaults and records from the form, the same value as JSON", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "panel-shapes");
    await openPanel();
    const asJson = async () => {
      await page.getByRole("button", { name: "JSON" }).click();
      const value = JSON.parse(await page.getByLabel("Input as JSON").inputValue()) as unknown;
      await page.getByRole("button", { name: "Form" }).click();
      return value;
    };

    await choose("messages.send");
    expect(await asJson()).toEqual({ conversationId: "" });
    // An array: add two items, fill them, remove the first.
    await page.getByLabel("Include files").check();
    await page.getByRole("button", { name: "Add item to files" }).click();
    await page.getByRole("button", { name: "Add item to files" }).click();
    await page.getByLabel("files[0]", { exact: true }).fill("a".repeat(64));
    await page.getByLabel("files[1]", { exact: true }).fill("b".repeat(64));
    await page.getByRole("button", { name: "Remove files[0]" }).click();
    // A nullable value: the variant picker switches it to null.
    await page.getByLabel("Include parentId").check();
    await page.getByLabel("Type of parentId").selectOption("null");
    // An enum with a default starts at its default.
    await page.getByLabel("Include mode").check();
    expect(
      await page.getByLabel("mode", { exact: true }).locator("option:checked").textContent(),
    ).toBe("new");
    expect(await asJson()).toEqual({
      conversationId: "",
      files: ["b".repeat(64)],
      parentId: null,
      mode: "new",
    });

    // A record of objects: a new entry, with an optional number inside it.
    await choose("settings.update");
    await page.getByLabel("Include modelParameters").check();
    await page.getByLabel("New key in modelParameters").fill("parley-demo");
    await page.getByRole("button", { name: "Add entry to modelParameters" }).click();
    await page.getByLabel("Include temperature").check();
    await page.getByLabel("temperature", { exact: true }).fill("0.25");
    expect(await asJson()).toEqual({ modelParameters: { "parley-demo": { temperature: 0.25 } } });
    await page.getByRole("button", { name: "Run mutation" }).click();
    expect((await outcome()).data).toMatchObject({
      modelParameters: { "parley-demo": { temperature: 0.25 } },
    });
    const client = await clientLike(page.context(), server);
    expect((await client.settings.get.query()).modelParameters).toEqual({
      "parley-demo": { temperature: 0.25 },
    });
  });

  it("shows the server's error, HTTP status and Zod issues when sent without checking", async () => {
    const { page } = app;
    screenshotOnFailure(() => page, "panel-zod");
    await openPanel();
    await choose("conversations.get");
    await page.getByLabel("Send without checking").check();
    await page.getByRole("button", { name: "Run query" }).click();
    const { status } = await outcome();
    expect(status).toMatch(/^BAD_REQUEST · Error BAD_REQUEST · HTTP 400 · \d+ ms$/);
    const issues = result().getByRole("list", { name: "Zod issues" });
    await expect.poll(() => issues.textContent()).toMatch(/^id: /);
  });

  it("streams a live generation's events in order with their tracked ids, until stopped", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "panel-stream");
    await openPanel();
    // A slow answer, started by a script acting as the same guest as the page.
    const client = await clientLike(page.context(), server);
    const { conversationId } = await client.conversations.create.mutate({});
    const { generationId, status } = await sendAndWatch(
      client,
      conversationId,
      "Count slowly [[mock tokens=200 delay=50]]",
    );
    await expect.poll(() => status.getAttribute("data-stream")).toBe("live");
    await expect.poll(() => events().count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(12);

    await page.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => status.getAttribute("data-stream")).toBe("stopped");
    const seen = await events().count();
    // The generation goes on (only the panel stopped watching), and no more events show up.
    await page.waitForTimeout(800);
    expect(await events().count()).toBe(seen);
    expect(seen).toBeLessThan(200);

    const shown = await events().evaluateAll((items) =>
      items.map((item) => ({
        id: item.getAttribute("data-event-id"),
        data: item.querySelector("code")?.textContent ?? "",
      })),
    );
    const streamed = shown.map((event) => ({
      id: event.id ?? "",
      event: JSON.parse(event.data) as Parameters<typeof textOf>[0][number]["event"],
    }));
    // Tracked ids `<generationId>:<seq>`, rising from 0, none repeated (tokens that piled up
    // before the panel subscribed come merged, numbered as the last of them).
    expectRisingIds(generationId, streamed);
    expect(streamed[0]?.event.type).toBe("started");
    // Tokens (and the conversation's new title, which comes in parallel); not the end yet.
    const types = new Set(streamed.slice(1).map(({ event }) => event.type));
    expect([...types].filter((type) => type !== "title")).toEqual(["token"]);

    // In order: what the panel showed is the start of the whole answer.
    const whole = await readStream(client, { generationId });
    expect(whole.end).toBe("complete");
    expect(whole.events.at(-1)?.event.type).toBe("final");
    expect(textOf(whole.events).startsWith(textOf(streamed))).toBe(true);
    expect(textOf(streamed).length).toBeGreaterThan(0);
  }, 40_000);

  it("runs as a pasted API token, and its copied curl command answers the same", async () => {
    const { context, page, server } = app;
    screenshotOnFailure(() => page, "panel-token");
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    // Someone else's account, reached only through its token: the page's own guest has nothing.
    const owner = createClient(server.url, { jar: new CookieJar() });
    await owner.auth.signUp.mutate({ email: "panel-token@example.com", password: "panel pass 1" });
    const { conversationId } = await owner.conversations.create.mutate({});
    await owner.conversations.update.mutate({ id: conversationId, title: "Token's own chat" });
    const { secret } = await owner.tokens.create.mutate({ name: "panel" });

    await openPanel();
    await page.getByRole("radio", { name: "An API token" }).check();
    await page.getByRole("textbox", { name: "API token" }).fill(secret);
    await choose("conversations.list");
    await page.getByRole("button", { name: "Run query" }).click();
    const { status, data } = await outcome();
    expect(status).toMatch(/^ok · OK · HTTP 200/);
    const { items } = data as { items: { id: string; title: string }[] };
    expect(items.map((item) => [item.id, item.title])).toEqual([
      [conversationId, "Token's own chat"],
    ]);

    await page.getByRole("button", { name: "Copy as curl" }).click();
    const command = await page.getByLabel("curl command").inputValue();
    await page.getByRole("status").filter({ hasText: "Copied as curl." }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(command);
    expect(command).toContain(`Bearer ${secret}`);

    const { stdout } = await run("sh", ["-c", command], { timeout: 10_000 });
    // tRPC's answer: `{ result: { data: <superjson> } }`; superjson's `json` half holds the
    // Dates as ISO strings, as the panel shows them.
    const response = JSON.parse(stdout) as { result: { data: { json: unknown } } };
    expect(response.result.data.json).toEqual(data);

    // Subscriptions run as the token too (an SSE request with the bearer header, no cookies):
    // the token's owner's generation streams; the page's own guest would get NOT_FOUND.
    const { generationId, status: streamStatus } = await sendAndWatch(
      owner,
      conversationId,
      "Hello [[mock tokens=40 delay=20]]",
    );
    await expect.poll(() => streamStatus.getAttribute("data-stream")).toBe("ended");
    expect(await events().last().getAttribute("data-event-id")).toMatch(`${generationId}:`);
    expect(await events().last().locator("code").textContent()).toContain('"type": "final"');

    // The history says a token was used, and never which.
    const stored = await page.evaluate(() => localStorage.getItem("parley:panel:history"));
    expect(stored).toContain("conversations.list");
    expect(stored).toContain('"runAs":"token"');
    expect(stored).not.toContain(secret);
  });

  it("keeps recent calls to run again, until cleared", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "panel-history");
    await openPanel();
    await choose("models.list");
    await page.getByLabel("Include capability").check();
    await page.getByLabel("capability", { exact: true }).selectOption("reasoning");
    await page.getByRole("button", { name: "Run query" }).click();
    const first = await outcome();
    expect((first.data as { models: { id: string }[] }).models.map((m) => m.id)).toEqual(
      MOCK_MODELS.filter((model) => model.reasoning).map((model) => model.id),
    );

    const history = page.getByRole("list", { name: "Recent calls" });
    await history.getByRole("listitem").first().waitFor();
    expect(await history.getByRole("listitem").first().textContent()).toContain("models.list");

    // A reload starts from the procedure list; the history is still there.
    await page.goto(`${server.url}/panel`);
    await history.getByRole("listitem").first().waitFor();
    const requests = countRequests(page, "models.list");
    await history
      .getByRole("button", { name: /^Run models\.list .* again$/ })
      .first()
      .click();
    const again = await outcome();
    expect(again.data).toEqual(first.data);
    expect(requests).toHaveLength(1);
    // The form shows the input it ran again.
    const capability = page.getByLabel("capability", { exact: true });
    expect(await capability.evaluate((select) => (select as HTMLSelectElement).value)).not.toBe("");
    expect(await capability.locator("option:checked").textContent()).toBe("reasoning");

    await page.getByRole("button", { name: "Clear history" }).click();
    await page.getByText("Calls you run appear here").waitFor();
    expect(await page.evaluate(() => localStorage.getItem("parley:panel:history"))).toBeNull();
  });

  itLogsNoErrors(app.errors);
});
