// A streamed event's id is `<generationId>:<seq>`; a reconnecting client sends the last one it
// had and resumes after it. Events that piled up come merged, numbered as the last of them, so
// resuming after a merged event resumes after everything in it.

import type { GenerationEvent } from "@parley/shared";
import { describe, expect, it } from "vitest";
import type { LoggedEvent } from "../src/chat/bus/index.ts";
import { merge, seqAfter } from "../src/chat/generations/stream.ts";

describe("resuming after an event id", () => {
  it("resumes at the seq after the one given", () => {
    expect(seqAfter("g1", "g1:0")).toBe(1);
    expect(seqAfter("g1", "g1:41")).toBe(42);
    // Generation ids may hold colons: the seq is after the last one.
    expect(seqAfter("a:b:c", "a:b:c:7")).toBe(8);
  });

  it("refuses an id of another generation, or one whose seq is not a whole number ≥ 0", () => {
    for (const id of [
      "g2:3",
      "g1",
      "3",
      "g1:",
      "g1: 7",
      "g1:0x7",
      "g1:7e0",
      "g1:-1",
      "g1:1.5",
      "g1:abc",
      "g1:end",
      "g1:1e400",
    ]) {
      expect(() => seqAfter("g1", id), id).toThrow('lastEventId must be "g1:<seq>"');
    }
  });

  it("following a message, starts over at an id of its earlier generation (before a continue)", () => {
    expect(seqAfter("g2", "g1:30", true)).toBe(0);
    expect(seqAfter("g2", "whatever", true)).toBe(0);
    // …and resumes within the current one as usual.
    expect(seqAfter("g2", "g2:5", true)).toBe(6);
    expect(() => seqAfter("g2", "g2:x", true)).toThrow('lastEventId must be "g2:<seq>"');
  });
});

const token = (text: string): GenerationEvent => ({ type: "token", text, pad: "  " });
const reasoning = (text: string): GenerationEvent => ({ type: "reasoning", text, pad: "" });
const logged = (...events: GenerationEvent[]): LoggedEvent[] =>
  events.map((event, i) => ({ seq: 10 + i, event }));

describe("merging a batch of events", () => {
  it("joins each run of tokens or of reasoning into one event numbered as its last", () => {
    const title: GenerationEvent = { type: "title", title: "Herons" };
    const batch = logged(
      reasoning("Let me "),
      reasoning("think."),
      token("Herons "),
      token("wade"),
      token("."),
      title,
      token("!"),
    );
    expect(merge(batch)).toEqual([
      { seq: 11, event: { type: "reasoning", text: "Let me think.", pad: "" } },
      { seq: 14, event: { type: "token", text: "Herons wade.", pad: "" } },
      { seq: 15, event: title },
      { seq: 16, event: { type: "token", text: "!", pad: "  " } },
    ]);
  });

  it("keeps a batch without runs as it is, and an empty one empty", () => {
    const batch = logged(token("a"), reasoning("b"), token("c"));
    expect(merge(batch)).toEqual(batch);
    expect(merge([])).toEqual([]);
  });

  it("loses no text and skips no seq: resuming after a merged event is resuming after its run", () => {
    const batch = logged(...Array.from({ length: 50 }, (_, i) => token(`${i} `)));
    const [only, ...rest] = merge(batch);
    expect(rest).toEqual([]);
    expect(only?.seq).toBe(59);
    expect(only?.event.type === "token" && only.event.text).toBe(
      Array.from({ length: 50 }, (_, i) => `${i} `).join(""),
    );
    expect(seqAfter("g1", `g1:${only?.seq}`)).toBe(60);
  });
});
