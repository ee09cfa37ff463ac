// What an answer shows, from the events a real server sent (recorded by
// fixtures/record-generation-events.ts): live, resumed after a reload, merged, stopped,
// continued and failed; and the pacing of what is revealed.

import type { GenerationEvent } from "@parley/shared";
import { describe, expect, it } from "vitest";
import {
  type AnswerStream,
  applyEvent,
  applySignal,
  initialStream,
  type TrackedEvent,
} from "../src/features/generations/applyEvent.ts";
import { nextShown } from "../src/features/generations/pacing.ts";
import recorded from "./fixtures/generation-events.json" with { type: "json" };

type Recording = keyof typeof recorded;

/** A recording as tracked events, the shape the tRPC client hands over. */
function events(name: Recording): TrackedEvent[] {
  return recorded[name].map(({ id, event }) => ({ id, data: event as GenerationEvent }));
}

function fold(list: readonly TrackedEvent[], from: AnswerStream = initialStream()): AnswerStream {
  return list.reduce(applyEvent, from);
}

function last<T extends GenerationEvent["type"]>(name: Recording, type: T) {
  const found = events(name).findLast((event) => event.data.type === type)?.data;
  if (!found) throw new Error(`no ${type} event in ${name}`);
  return found as Extract<GenerationEvent, { type: T }>;
}

const textEvents = (name: Recording, type: "token" | "reasoning") =>
  events(name)
    .map(({ data }) => (data.type === type ? data.text : ""))
    .join("");

describe("an answer's stream, event by event", () => {
  it("shows a live answer whole: its reasoning, its text as saved, the title, finished", () => {
    const list = events("answer");
    const state = fold(list);
    const final = last("answer", "final");
    expect(state).toMatchObject({
      status: "finished",
      text: final.text,
      reasoning: textEvents("answer", "reasoning"),
      title: last("answer", "title").title,
      interrupted: false,
      usage: final.usage,
      error: null,
      over: true,
      lastEventId: list.at(-1)?.id,
      generationId: last("answer", "started").generationId,
    });
    // The tokens added up to the saved text before final said so.
    expect(fold(list.slice(0, -1)).text).toBe(final.text);
  });

  it("is streaming from the first event on, except for a title, which says nothing of the answer", () => {
    const [started] = events("answer");
    if (!started) throw new Error("empty recording");
    expect(applyEvent(initialStream(), started).status).toBe("streaming");
    const title: TrackedEvent = { id: "g:9", data: { type: "title", title: "Herons" } };
    expect(applyEvent(initialStream(), title)).toMatchObject({
      status: "connecting",
      title: "Herons",
      lastEventId: "g:9",
    });
  });

  it("resumes after a reload from what the page saved, ending exactly as without the reload", () => {
    const before = fold(events("resumeBefore"));
    const saved = {
      lastEventId: before.lastEventId ?? "",
      text: before.text,
      reasoning: before.reasoning,
    };
    const resumed = fold(events("resumeAfter"), initialStream(saved));
    const whole = fold(events("answer"));
    expect(resumed.text).toBe(whole.text);
    expect(resumed.reasoning).toBe(whole.reasoning);
    expect(resumed.status).toBe("finished");
    expect(resumed.generationId).toBe(whole.generationId);
  });

  it("reads text that piled up, merged into fewer events with skipped seqs, as the same answer", () => {
    const merged = events("merged");
    expect(merged.length).toBeLessThan(events("answer").length);
    const state = fold(merged);
    const whole = fold(events("answer"));
    expect(state.text).toBe(whole.text);
    expect(state.reasoning).toBe(whole.reasoning);
    expect(state.lastEventId).toBe(whole.lastEventId);
  });

  it("keeps a stopped answer's text, marked interrupted", () => {
    const state = fold(events("stop"));
    expect(state).toMatchObject({
      status: "finished",
      interrupted: true,
      text: last("stop", "final").text,
    });
    expect(state.text).toBe(last("stop", "started").text + textEvents("stop", "token"));
  });

  it("continues an answer from the text it had, whatever was shown before", () => {
    const stopped = fold(events("stop"));
    const continued = events("continue");
    const state = fold(continued, initialStream({ text: stopped.text }));
    expect(last("continue", "started").text).toBe(stopped.text);
    expect(state.text.startsWith(stopped.text)).toBe(true);
    expect(state.text).toBe(last("continue", "final").text);
    expect(state.generationId).not.toBe(stopped.generationId);
  });

  it("ends a failed answer with the error's code and message, keeping the text so far", () => {
    const state = fold(events("error"));
    const error = last("error", "error");
    expect(state).toMatchObject({
      status: "failed",
      error: { code: error.code, message: error.message },
      text: textEvents("error", "token"),
      over: true,
    });
  });

  it("moves past an event of a type it does not know, changing nothing else", () => {
    const started = fold(events("answer").slice(0, 3));
    const unknown = {
      id: `${started.generationId}:99`,
      data: { type: "one_from_a_later_server", n: 1 } as unknown as GenerationEvent,
    };
    expect(applyEvent(started, unknown)).toEqual({ ...started, lastEventId: unknown.id });
  });

  it("takes nothing after the end", () => {
    const ended = fold(events("stop"));
    const late: TrackedEvent = { id: "x:1", data: { type: "token", text: "more", pad: "" } };
    expect(applyEvent(ended, late)).toBe(ended);
  });
});

describe("an answer's connection", () => {
  const open = fold(events("resumeBefore"));

  it("says reconnecting once a stream that was open drops, and streaming when it is back", () => {
    expect(applySignal(initialStream(), { type: "lost" }).status).toBe("connecting");
    const opened = applySignal(open, { type: "open" });
    const lost = applySignal(opened, { type: "lost" });
    expect(lost.status).toBe("reconnecting");
    expect(applySignal(lost, { type: "open" }).status).toBe("streaming");
  });

  it("is gone when refused; what was saved goes only if the server will never have it", () => {
    const expired = applySignal(open, { type: "refused", message: "Not found", final: true });
    expect(expired).toMatchObject({ status: "gone", error: { code: "gone" }, over: true });
    const failed = applySignal(open, { type: "refused", message: "Oops", final: false });
    expect(failed.over).toBe(false);
  });

  it("is gone, keeping what was saved, when the stream closes before its end", () => {
    expect(applySignal(open, { type: "closed" })).toMatchObject({ status: "gone", over: false });
    const finished = fold(events("answer"));
    expect(applySignal(finished, { type: "closed" })).toBe(finished);
  });
});

describe("revealing text at an even pace", () => {
  const text = "x".repeat(600);

  it("shows everything at once without smoothing", () => {
    expect(nextShown(text, 0, { smoothing: false, ended: false })).toBe(600);
  });

  it("closes a sixth of the gap per frame while streaming, a third once ended, at least 2", () => {
    expect(nextShown(text, 0, { smoothing: true, ended: false })).toBe(100);
    expect(nextShown(text, 0, { smoothing: true, ended: true })).toBe(200);
    expect(nextShown(text, 599, { smoothing: true, ended: false })).toBe(600);
    expect(nextShown(text, 590, { smoothing: true, ended: false })).toBe(592);
  });

  it("never splits a surrogate pair", () => {
    const emoji = "ab🙂cd";
    expect(nextShown(emoji, 0, { smoothing: true, ended: false })).toBe(2);
    expect(nextShown(emoji, 1, { smoothing: true, ended: false })).toBe(4);
  });
});
