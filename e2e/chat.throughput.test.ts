import { describe, expect, it } from "vitest";
import { itLogsNoErrors, skipBrowserTests } from "./helpers/browser.ts";
import {
  answerSettled,
  lastAnswerId,
  plain,
  savedMessage,
  screenshotOnFailure,
  shownText,
  startConversation,
  useChatApp,
} from "./helpers/chat.ts";

const TOKENS = 5_000;
/**
 * The mock's pace: 1 ms per token, as fast as its timers go (about 1,000 tokens/s, faster than
 * any real model streams). With no delay at all the answer is complete before the page has
 * subscribed, and the page only replays the log.
 */
const DELAY_MS = 1;

/**
 * Records, in the page's clock, when each generations.stream event arrived (wrapping
 * EventSource) and, every frame, how much of the last answer is on screen.
 */
function instrument() {
  const stats = { arrivals: [] as number[], shown: [] as [number, number][] };
  (window as unknown as { __stats: typeof stats }).__stats = stats;
  const Native = window.EventSource;
  window.EventSource = class extends Native {
    constructor(url: string | URL, init?: EventSourceInit) {
      super(url, init);
      if (String(url).includes("generations.stream")) {
        this.addEventListener("message", () => stats.arrivals.push(performance.now()));
      }
    }
  };
  const sample = () => {
    const answers = document.querySelectorAll('article[aria-label="Answer"] .markdown');
    const last = answers[answers.length - 1];
    stats.shown.push([performance.now(), last?.textContent?.length ?? 0]);
    requestAnimationFrame(sample);
  };
  requestAnimationFrame(sample);
}

describe.skipIf(skipBrowserTests)("a long answer at full speed", () => {
  const app = useChatApp();

  it(`shows a ${TOKENS.toLocaleString("en")}-token answer as fast as it arrives, completely`, async () => {
    const { page, server } = app;
    screenshotOnFailure(() => page, "chat-throughput");
    await page.addInitScript(instrument);
    await startConversation(
      page,
      server.url,
      `A long one [[mock tokens=${TOKENS} delay=${DELAY_MS}]]`,
    );
    await answerSettled(page, 60_000);

    const saved = await savedMessage(server, await lastAnswerId(page));
    expect(saved.interrupted).toBe(false);
    expect(await shownText(page)).toBe(plain(saved.content));

    const { arrivals, shown } = await page.evaluate(
      () =>
        (window as unknown as { __stats: { arrivals: number[]; shown: [number, number][] } })
          .__stats,
    );
    // Events over the whole answer (the server merges tokens that pile up for a busy reader, so
    // there may be fewer events than tokens, but not a handful).
    expect(arrivals.length).toBeGreaterThan(TOKENS / 10);
    const finalLength = shown.at(-1)?.[1] ?? 0;
    const firstShown = shown.find(([, length]) => length > 0)?.[0] ?? 0;
    const complete = shown.find(([, length]) => length >= finalLength)?.[0] ?? 0;
    const firstArrival = arrivals[0] ?? 0;
    const lastArrival = arrivals.at(-1) ?? 0;
    const receiveSeconds = (lastArrival - firstArrival) / 1000;
    const showSeconds = (complete - firstShown) / 1000;
    const sentPerSecond = TOKENS / receiveSeconds;
    const shownPerSecond = TOKENS / showSeconds;
    const ratio = shownPerSecond / sentPerSecond;
    // Frames while streaming: how often the page repainted the answer.
    const frames = shown.filter(([at]) => at >= firstShown && at <= complete).length;
    console.log(
      `throughput: ${TOKENS} tokens; received ${sentPerSecond.toFixed(0)} tokens/s over ${receiveSeconds.toFixed(2)} s, ` +
        `shown ${shownPerSecond.toFixed(0)} tokens/s over ${showSeconds.toFixed(2)} s; ratio ${ratio.toFixed(2)}; ` +
        `last token shown ${(complete - lastArrival).toFixed(0)} ms after it arrived; ${frames} frames`,
    );
    expect(ratio).toBeGreaterThanOrEqual(0.9);
    // The page never falls behind: the last words are on screen within half a second.
    expect(complete - lastArrival).toBeLessThan(500);
  }, 90_000);

  itLogsNoErrors(app.errors);
});
