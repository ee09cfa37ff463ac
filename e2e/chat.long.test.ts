// A conversation of a thousand messages in Chromium: it opens at its last messages within
// 300 ms of its data arriving, with a bounded number of DOM nodes; scrolling up renders the
// older messages as they come into view; a search result deep inside it, a branch switch and a
// streamed answer still work. The figures are printed for the record.

import { describe, expect, it } from "vitest";
import type { ExportedMessage, ParleyExport } from "../shared/src/export.ts";
import type { Client } from "./helpers/account.ts";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import {
  answerSettled,
  answers,
  guestClient,
  screenshotOnFailure,
  send,
  useChatApp,
} from "./helpers/chat.ts";

const MESSAGES = 1_000;
/** Opening: from the last byte of conversations.get to its last message on screen. */
const OPEN_BUDGET_MS = 300;
/** Elements under the message list, whatever the conversation's length (today's screenful: ~700). */
const NODE_BUDGET = 2_500;

/** An answer of about 1,000 bytes of Markdown, numbered, as a long chat has them. */
function answerText(index: number): string {
  return [
    `Answer ${index}: herons wade in **shallow water** and strike at fish with their bills.`,
    "",
    `- They stand still for long minutes (note ${index}a).`,
    `- They nest in colonies called heronries (note ${index}b).`,
    `- Their flight is slow, with the neck drawn back (note ${index}c).`,
    "",
    "Most species hunt alone at dawn and dusk, walking slowly through reeds, marshes and the",
    "edges of lakes; some also take frogs, insects and small mammals. `Ardea` is the genus of",
    `the large ones. That is all for answer ${index}; ask about another bird if you like.`,
    "",
    "> Herons and egrets belong to the same family, Ardeidae; the names follow looks more than",
    "> lineage, and white herons are usually called egrets whatever their size or their genus.",
    "",
    `Next time (after answer ${index}) we could compare them with storks, cranes and spoonbills.`,
  ].join("\n");
}

/** What a message has when it is text and nothing else. */
const PLAIN = {
  reasoning: "" as const,
  interrupted: false as const,
  error: null,
  parameters: null,
  usage: null,
  toolRounds: [] as ExportedMessage["toolRounds"],
};

/**
 * A Parley export of one conversation: MESSAGES messages, questions and answers in turn, and
 * three answers to the last question (a fork to switch).
 */
function longConversation(): { document: ParleyExport; lastAnswer: string; forkAnswer: string } {
  const start = Date.parse("2026-11-01T10:00:00.000Z");
  const messages: ExportedMessage[] = [];
  const add = (role: "user" | "assistant", content: string, parentId: string | null) => {
    const id = `m${messages.length + 1}`;
    const model = role === "assistant" ? "parley-demo" : null;
    const createdAt = new Date(start + messages.length * 60_000);
    messages.push({ ...PLAIN, files: [], id, parentId, role, content, model, createdAt });
    return id;
  };
  let parent: string | null = null;
  for (let pair = 1; messages.length < MESSAGES - 4; pair++) {
    const question = add("user", `Question ${pair}: tell me more about herons.`, parent);
    parent = add("assistant", answerText(pair), question);
  }
  const lastQuestion = add("user", "Question last: and the shoebill?", parent);
  add("assistant", "An early answer to the last question.", lastQuestion);
  const forkAnswer = "Another answer to the last question: the shoebill is not a heron.";
  add("assistant", forkAnswer, lastQuestion);
  const lastAnswer = "The end: the shoebill stands still even longer than herons do.";
  add("assistant", lastAnswer, lastQuestion);
  return {
    document: {
      format: "parley.export",
      version: 1,
      exportedAt: new Date(start),
      conversations: [
        {
          title: "A thousand messages about herons",
          model: "parley-demo",
          systemPrompt: "",
          createdAt: new Date(start),
          updatedAt: new Date(start + messages.length * 60_000),
          messages,
        },
      ],
      files: [],
    },
    lastAnswer,
    forkAnswer,
  };
}

/**
 * In the page: when conversations.get's response ended (resource timing), and the first frame
 * in which the message `lastId` is on screen, with the DOM's size then.
 */
function watchOpening(lastId: string) {
  const record: {
    dataAt?: number;
    bytes?: number;
    shownAt?: number;
    listNodes?: number;
    pageNodes?: number;
    articles?: number;
  } = {};
  (window as unknown as { __opening: typeof record }).__opening = record;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const timing = entry as PerformanceResourceTiming;
      if (timing.name.includes("conversations.get") && record.dataAt === undefined) {
        record.dataAt = timing.responseEnd;
        record.bytes = timing.decodedBodySize;
      }
    }
  }).observe({ type: "resource", buffered: true });
  const frame = () => {
    const element = document.querySelector(`[data-message-id="${lastId}"]`);
    const scroller = element?.closest(".messages-scroller");
    if (element && scroller) {
      const box = element.getBoundingClientRect();
      const view = scroller.getBoundingClientRect();
      if (box.top < view.bottom && box.bottom > view.top) {
        record.shownAt = performance.now();
        record.listNodes = scroller.querySelectorAll("*").length;
        record.pageNodes = document.querySelectorAll("*").length;
        record.articles = scroller.querySelectorAll("article").length;
        return;
      }
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

describe.skipIf(skipBrowserTests)("a conversation of a thousand messages", () => {
  const app = useChatApp({
    timeout: 15_000,
    // The mock reads a prompt of a thousand messages before its first token: on a busy machine
    // that can take longer than the tests' usual 0.3 s of upstream silence.
    server: { chat: { idleTimeoutMs: 10_000 } },
  });
  let client: Client;
  let conversationId = "";
  let ids: string[] = [];

  const scroller = () => app.page.locator(".messages-scroller");
  const listNodes = () => scroller().evaluate((element) => element.querySelectorAll("*").length);

  it(`opens at its last messages within ${OPEN_BUDGET_MS} ms of the data, with a bounded DOM`, async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-long-open");
    client = await guestClient(app);
    const { document: exported, lastAnswer } = longConversation();
    const content = JSON.stringify(exported);
    const report = await client.conversations.import.mutate({ content, filename: "long.json" });
    conversationId = report.imported[0]?.conversationId ?? "";
    const conversation = await client.conversations.get.query({ id: conversationId });
    ids = conversation.messages.map((message) => message.id);
    expect(ids).toHaveLength(MESSAGES);
    const lastId = conversation.messages.find((message) => message.content === lastAnswer)?.id;

    await page.addInitScript(watchOpening, lastId ?? "");
    await page.goto(`${server.url}/c/${conversationId}`);
    const opening = await page.waitForFunction(
      () => {
        const record = (window as unknown as { __opening: { shownAt?: number; dataAt?: number } })
          .__opening;
        return record.shownAt !== undefined && record.dataAt !== undefined ? record : null;
      },
      undefined,
      { timeout: 15_000 },
    );
    const figures = (await opening.jsonValue()) as {
      dataAt: number;
      bytes: number;
      shownAt: number;
      listNodes: number;
      pageNodes: number;
      articles: number;
    };
    const openMs = Math.round(figures.shownAt - figures.dataAt);
    console.log(
      `${MESSAGES} messages (conversations.get: ${Math.round(figures.bytes / 1024)} KiB): last message on ` +
        `screen ${openMs} ms after conversations.get's data arrived; then ${figures.articles} ` +
        `messages rendered, ${figures.listNodes} elements in the list, ${figures.pageNodes} in the page`,
    );
    expect(openMs).toBeLessThan(OPEN_BUDGET_MS);
    expect(figures.listNodes).toBeLessThan(NODE_BUDGET);
    // It stays at the bottom, and stays small, once everything has settled.
    await page.waitForTimeout(500);
    const settled = await scroller().evaluate((element) => ({
      atBottom: element.scrollHeight - element.scrollTop - element.clientHeight < 48,
    }));
    expect(settled.atBottom).toBe(true);
    expect(await listNodes()).toBeLessThan(NODE_BUDGET);
    expect(await page.getByRole("button", { name: "↓ Jump to latest" }).count()).toBe(0);
  });

  it("renders older messages as they scroll into view, up to the first", async () => {
    const { page } = app;
    screenshotOnFailure(() => page, "chat-long-scroll");
    const first = page.locator(`article[data-message-id="${ids[0]}"]`);
    expect(await first.count()).toBe(0);
    // Up in steps, as a reader does, until the first question is there.
    for (let step = 0; step < 400 && (await first.count()) === 0; step++) {
      await scroller().evaluate((element) => {
        element.scrollTop -= element.clientHeight * 3;
      });
      await page.waitForTimeout(16);
    }
    await first.waitFor();
    expect(await first.textContent()).toContain("Question 1:");
    expect(await listNodes()).toBeLessThan(NODE_BUDGET);
    await page.getByRole("button", { name: "↓ Jump to latest" }).click();
    await page.getByText("The end: the shoebill").waitFor();
  });

  it("opens a search result deep inside it at that message, marked", async () => {
    const { page, server } = app;
    const target = ids[201] ?? "";
    await page.goto(`${server.url}/c/${conversationId}?m=${target}`);
    const found = page.locator(`article[data-message-id="${target}"]`);
    await expect.poll(() => found.getAttribute("data-found")).toBe("");
    expect(await found.textContent()).toContain("Answer 101:");
    const visible = await found.evaluate((element) => {
      const box = element.getBoundingClientRect();
      const frame = (element.closest(".messages-scroller") as HTMLElement).getBoundingClientRect();
      return box.bottom > frame.top && box.top < frame.bottom;
    });
    expect(visible).toBe(true);
  });

  it("switches the branch of its last question, and streams a new answer at its end", async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-long-stream");
    await page.goto(`${server.url}/c/${conversationId}`);
    const last = answers(page).last();
    await page.getByText("The end: the shoebill").waitFor();
    await last.getByRole("button", { name: "Previous branch" }).click();
    await page.getByText("Another answer to the last question").waitFor();
    await answers(page).last().getByRole("button", { name: "Next branch" }).click();
    await page.getByText("The end: the shoebill").waitFor();

    await send(page, "One more about egrets [[mock tokens=200 delay=5]]");
    await page
      .getByRole("article", { name: "Your message" })
      .filter({ hasText: "One more about egrets" })
      .waitFor();
    await expect.poll(() => answers(page).last().getAttribute("data-status")).toBe("streaming");
    expect(await answerSettled(page)).toBe("done");
    expect(await answers(page).last().textContent()).not.toContain("The end: the shoebill");
    const atBottom = await scroller().evaluate(
      (element) => element.scrollHeight - element.scrollTop - element.clientHeight < 48,
    );
    expect(atBottom).toBe(true);
  });

  itLogsNoErrors(app.errors);
});
