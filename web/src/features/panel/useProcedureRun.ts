// Running one procedure from the panel: a query or a mutation (one outcome), or a subscription
// (its events, as they come, until it ends or is stopped). `runReducer` says what each step
// does to what the panel shows; `useProcedureRun` drives it.

import type { ProcedureDescription } from "@parley/shared";
import { useEffect, useReducer, useRef } from "react";
import {
  type CallOutcome,
  callProcedure,
  type RunAs,
  type StreamEvent,
  subscribe,
} from "./client.ts";

/** Events kept on screen for one subscription; older ones are dropped (the count is kept). */
export const MAX_EVENTS = 500;

export type StreamStatus = "connecting" | "live" | "reconnecting" | "ended" | "stopped" | "failed";

export interface StreamState {
  status: StreamStatus;
  events: StreamEvent[];
  total: number;
  error: Extract<CallOutcome, { ok: false }> | null;
  connectionError: string | null;
}

export interface RunState {
  /** A query or mutation is on its way. */
  running: boolean;
  outcome: CallOutcome | null;
  stream: StreamState | null;
}

export type RunAction =
  | { type: "call" }
  | { type: "called"; outcome: CallOutcome }
  | { type: "subscribe" }
  | { type: "started" }
  | { type: "event"; event: StreamEvent }
  | { type: "connection"; state: "connecting" | "pending" | "idle"; error: string | null }
  | { type: "end"; status: "ended" | "stopped" | "failed"; error?: StreamState["error"] };

export const IDLE: RunState = { running: false, outcome: null, stream: null };

export function runReducer(state: RunState, action: RunAction): RunState {
  const { stream } = state;
  switch (action.type) {
    case "call":
      return { ...state, running: true, outcome: null };
    case "called":
      return { ...state, running: false, outcome: action.outcome };
    case "subscribe":
      return {
        ...state,
        stream: { status: "connecting", events: [], total: 0, error: null, connectionError: null },
      };
    case "started":
      return stream ? { ...state, stream: { ...stream, status: "live" } } : state;
    case "event":
      return stream
        ? {
            ...state,
            stream: {
              ...stream,
              status: "live",
              events: [...stream.events, action.event].slice(-MAX_EVENTS),
              total: stream.total + 1,
            },
          }
        : state;
    case "connection":
      return stream
        ? {
            ...state,
            stream: {
              ...stream,
              status:
                action.state === "connecting" && stream.status === "live"
                  ? "reconnecting"
                  : stream.status,
              connectionError: action.error,
            },
          }
        : state;
    case "end":
      return stream
        ? { ...state, stream: { ...stream, status: action.status, error: action.error ?? null } }
        : state;
  }
}

/** What a finished run reports for the history: its outcome in a word, and its time. */
export type Recorder = (outcome: string, ok: boolean, ms: number | null) => void;

/** Runs `procedure`: a call, or a subscription that ends with the page or a `stop()`. */
export function useProcedureRun(procedure: ProcedureDescription) {
  const [state, dispatch] = useReducer(runReducer, IDLE);
  const stopRef = useRef<(() => void) | null>(null);

  // Leaving the procedure (or the page) ends its subscription.
  useEffect(() => () => stopRef.current?.(), []);

  async function call(runAs: RunAs, input: unknown, record: Recorder) {
    if (procedure.kind === "subscription") return;
    dispatch({ type: "call" });
    const outcome = await callProcedure(runAs, procedure.kind, procedure.path, input);
    dispatch({ type: "called", outcome });
    record(outcome.ok ? "ok" : outcome.code, outcome.ok, outcome.ms);
  }

  function listen(runAs: RunAs, input: unknown, record: Recorder) {
    stopRef.current?.();
    const started = performance.now();
    // Counted here too: reducers must stay pure (StrictMode runs them twice).
    let total = 0;
    const finish = (status: "ended" | "stopped" | "failed", error?: StreamState["error"]) => {
      stopRef.current = null;
      record(
        error ? error.code : `${status} · ${total} event${total === 1 ? "" : "s"}`,
        !error,
        Math.round(performance.now() - started),
      );
      dispatch({ type: "end", status, error });
    };
    dispatch({ type: "subscribe" });
    const stop = subscribe(runAs, procedure.path, input, {
      onStarted: () => dispatch({ type: "started" }),
      onEvent: (event) => {
        total += 1;
        dispatch({ type: "event", event });
      },
      onError: (error) => {
        stop();
        finish("failed", error);
      },
      onComplete: () => {
        stop();
        finish("ended");
      },
      onConnectionState: (connection, error) =>
        dispatch({ type: "connection", state: connection, error }),
    });
    stopRef.current = () => {
      stop();
      finish("stopped");
    };
  }

  const streaming =
    state.stream !== null && ["connecting", "live", "reconnecting"].includes(state.stream.status);
  return {
    state,
    /** A call is on its way, or a subscription is open. */
    busy: state.running || streaming,
    streaming,
    run(runAs: RunAs, input: unknown, record: Recorder) {
      if (procedure.kind === "subscription") listen(runAs, input, record);
      else void call(runAs, input, record);
    },
    stop: () => stopRef.current?.(),
  };
}
