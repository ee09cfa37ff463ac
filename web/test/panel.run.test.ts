// The panel's run of a procedure, step by step: what a call and a subscription show.

import { describe, expect, it } from "vitest";
import type { CallOutcome, StreamEvent } from "../src/features/panel/client.ts";
import {
  IDLE,
  MAX_EVENTS,
  type RunAction,
  type RunState,
  runReducer,
} from "../src/features/panel/useProcedureRun.ts";

const play = (actions: RunAction[], from: RunState = IDLE) => actions.reduce(runReducer, from);
const event = (n: number): StreamEvent => ({ id: `g:${n}`, data: { n }, at: n });

describe("running a procedure from the panel", () => {
  it("shows a call as running, then its outcome", () => {
    const outcome: CallOutcome = { ok: true, data: { id: "c1" }, httpStatus: 200, ms: 12 };
    expect(play([{ type: "call" }])).toEqual({ running: true, outcome: null, stream: null });
    expect(play([{ type: "call" }, { type: "called", outcome }])).toEqual({
      running: false,
      outcome,
      stream: null,
    });
  });

  it("shows a subscription connecting, live with its events, reconnecting, then ended", () => {
    const live = play([
      { type: "subscribe" },
      { type: "started" },
      { type: "event", event: event(1) },
    ]);
    expect(live.stream).toMatchObject({ status: "live", total: 1, events: [event(1)] });
    const dropped = runReducer(live, { type: "connection", state: "connecting", error: "offline" });
    expect(dropped.stream).toMatchObject({ status: "reconnecting", connectionError: "offline" });
    const back = runReducer(dropped, { type: "event", event: event(2) });
    expect(back.stream?.status).toBe("live");
    expect(runReducer(back, { type: "end", status: "ended" }).stream).toMatchObject({
      status: "ended",
      total: 2,
      error: null,
    });
  });

  it("keeps the last events on screen and counts them all", () => {
    const events = Array.from({ length: MAX_EVENTS + 20 }, (_, n) => ({
      type: "event" as const,
      event: event(n),
    }));
    const state = play([{ type: "subscribe" }, ...events]);
    expect(state.stream?.total).toBe(MAX_EVENTS + 20);
    expect(state.stream?.events).toHaveLength(MAX_EVENTS);
    expect(state.stream?.events[0]).toEqual(event(20));
  });

  it("shows why a subscription failed", () => {
    const error = {
      ok: false as const,
      code: "NOT_FOUND",
      message: "No such generation",
      httpStatus: 404,
      zodIssues: [],
      ms: 3,
    };
    const state = play([{ type: "subscribe" }, { type: "end", status: "failed", error }]);
    expect(state.stream).toMatchObject({ status: "failed", error });
  });

  it("ignores stream steps when no subscription was started", () => {
    expect(play([{ type: "started" }, { type: "event", event: event(1) }])).toBe(IDLE);
  });
});
