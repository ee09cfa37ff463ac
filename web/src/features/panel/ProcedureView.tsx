import type { ProcedureDescription } from "@parley/shared";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { copyText } from "../../lib/clipboard.ts";
import {
  type CallOutcome,
  callProcedure,
  type RunAs,
  type StreamEvent,
  subscribe,
} from "./client.ts";
import { curlCommand, typeScriptSnippet } from "./copyAs.ts";
import { formatJson, formatJsonLine } from "./json.ts";
import { SchemaForm } from "./SchemaForm.tsx";
import {
  asNode,
  type Issue,
  initialValue,
  pathKey,
  type SchemaNode,
  toWire,
  validate,
} from "./schema.ts";

/** Events kept on screen for one subscription; older ones are dropped (the count is kept). */
const MAX_EVENTS = 500;

type StreamStatus = "connecting" | "live" | "reconnecting" | "ended" | "stopped" | "failed";

interface StreamState {
  status: StreamStatus;
  events: StreamEvent[];
  total: number;
  error: Extract<CallOutcome, { ok: false }> | null;
  connectionError: string | null;
}

export interface CallRecord {
  path: string;
  kind: ProcedureDescription["kind"];
  input: unknown;
  runAs: "session" | "token";
  outcome: string;
  ok: boolean;
  ms: number | null;
}

/** One procedure: what it is, a form for its input, running it, and what came back. */
export function ProcedureView(props: {
  procedure: ProcedureDescription;
  runAs: RunAs | null;
  /** An input to start from (a history entry), and whether to run it at once. */
  initial: { input: unknown; run: boolean } | null;
  onCalled(record: CallRecord): void;
}) {
  const { procedure } = props;
  const headingId = useId();
  const schema: SchemaNode | null = procedure.input ? asNode(procedure.input) : null;
  const [value, setValue] = useState<unknown>(() =>
    props.initial ? props.initial.input : schema ? initialValue(schema, schema) : undefined,
  );
  const [view, setView] = useState<"form" | "json">("form");
  const [jsonText, setJsonText] = useState("");
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [attempted, setAttempted] = useState(false);
  const [skipValidation, setSkipValidation] = useState(false);
  const [running, setRunning] = useState(false);
  const [outcome, setOutcome] = useState<CallOutcome | null>(null);
  const [stream, setStream] = useState<StreamState | null>(null);
  const [copied, setCopied] = useState<{ what: string; text: string; ok: boolean } | null>(null);
  const [runAsError, setRunAsError] = useState<string | null>(null);
  const stopRef = useRef<(() => void) | null>(null);

  // Leaving the procedure (or the page) ends its subscription.
  useEffect(() => () => stopRef.current?.(), []);

  const issues: Issue[] = (() => {
    if (!schema) return [];
    if (value === undefined) {
      return procedure.inputOptional
        ? []
        : [{ path: [], message: "This procedure needs an input" }];
    }
    return validate(value, schema, schema);
  })();
  const shownIssues = attempted ? issues : [];

  const wireInput = () =>
    schema && value !== undefined ? toWire(value, schema, schema) : undefined;

  const record = (outcomeText: string, ok: boolean, ms: number | null) =>
    props.onCalled({
      path: procedure.path,
      kind: procedure.kind,
      input: value,
      runAs: props.runAs?.kind ?? "token",
      outcome: outcomeText,
      ok,
      ms,
    });

  const run = async () => {
    setAttempted(true);
    setCopied(null);
    if (!props.runAs) {
      setRunAsError("Paste an API token first, or run as this session.");
      return;
    }
    setRunAsError(null);
    if (jsonError || (!skipValidation && issues.length > 0)) return;
    const runAs = props.runAs;
    if (procedure.kind === "subscription") {
      startSubscription(runAs);
      return;
    }
    setRunning(true);
    setOutcome(null);
    const result = await callProcedure(runAs, procedure.kind, procedure.path, wireInput());
    setRunning(false);
    setOutcome(result);
    record(result.ok ? "ok" : result.code, result.ok, result.ms);
  };

  const startSubscription = (runAs: RunAs) => {
    stopRef.current?.();
    const started = performance.now();
    // Counted here too: state updaters must stay pure (StrictMode runs them twice).
    let total = 0;
    const finish = (status: StreamStatus, error: StreamState["error"] = null) => {
      stopRef.current = null;
      record(
        error ? error.code : `${status} · ${total} event${total === 1 ? "" : "s"}`,
        !error,
        Math.round(performance.now() - started),
      );
      setStream((state) => state && { ...state, status, error });
    };
    setStream({ status: "connecting", events: [], total: 0, error: null, connectionError: null });
    const stop = subscribe(runAs, procedure.path, wireInput(), {
      onStarted: () => setStream((state) => state && { ...state, status: "live" }),
      onEvent: (event) => {
        total += 1;
        setStream(
          (state) =>
            state && {
              ...state,
              status: "live",
              events: [...state.events, event].slice(-MAX_EVENTS),
              total: state.total + 1,
            },
        );
      },
      onError: (error) => {
        stop();
        finish("failed", error);
      },
      onComplete: () => {
        stop();
        finish("ended");
      },
      onConnectionState: (state, error) =>
        setStream(
          (current) =>
            current && {
              ...current,
              status:
                state === "connecting" && current.status === "live"
                  ? "reconnecting"
                  : current.status,
              connectionError: error,
            },
        ),
    });
    stopRef.current = () => {
      stop();
      finish("stopped");
    };
  };

  const stopSubscription = () => stopRef.current?.();

  // A history entry asked to run at once.
  const autoRun = useRef(props.initial?.run ?? false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once, on opening.
  useEffect(() => {
    if (!autoRun.current) return;
    autoRun.current = false;
    void run();
  }, []);

  const showJson = () => {
    setJsonText(value === undefined ? "" : JSON.stringify(value, null, 2));
    setJsonError(null);
    setView("json");
  };

  const editJson = (text: string) => {
    setJsonText(text);
    if (text.trim() === "") {
      setValue(undefined);
      setJsonError(null);
      return;
    }
    try {
      setValue(JSON.parse(text) as unknown);
      setJsonError(null);
    } catch (error) {
      setJsonError(error instanceof Error ? error.message : "Not valid JSON");
    }
  };

  const copy = async (what: "curl" | "TypeScript") => {
    const origin = window.location.origin;
    const input = wireInput();
    const text =
      what === "curl"
        ? curlCommand({
            origin,
            kind: procedure.kind,
            path: procedure.path,
            input,
            token: props.runAs?.kind === "token" ? props.runAs.token : null,
          })
        : typeScriptSnippet({ origin, kind: procedure.kind, path: procedure.path, input });
    setCopied({ what, text, ok: await copyText(text) });
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (running || stream?.status === "live" || stream?.status === "connecting") return;
    void run();
  };

  const streaming =
    stream !== null && ["connecting", "live", "reconnecting"].includes(stream.status);
  const runLabel =
    procedure.kind === "query"
      ? "Run query"
      : procedure.kind === "mutation"
        ? "Run mutation"
        : "Subscribe";

  return (
    <section className="panel-procedure" aria-labelledby={headingId}>
      <div className="panel-procedure-header">
        <h2 id={headingId}>
          <code>{procedure.path}</code>
        </h2>
        <span className={`panel-kind panel-kind-${procedure.kind}`}>{procedure.kind}</span>
      </div>
      <p className="panel-description">{procedure.description ?? "No description."}</p>

      <form
        className="panel-input"
        onSubmit={submit}
        noValidate
        aria-label={`Input of ${procedure.path}`}
      >
        <div className="panel-section-header">
          <h3>Input</h3>
          {schema && (
            <fieldset className="panel-toggle">
              <legend className="visually-hidden">Input editor</legend>
              <button
                type="button"
                className="button-secondary panel-small-button"
                aria-pressed={view === "form"}
                onClick={() => setView("form")}
              >
                Form
              </button>
              <button
                type="button"
                className="button-secondary panel-small-button"
                aria-pressed={view === "json"}
                onClick={showJson}
              >
                JSON
              </button>
            </fieldset>
          )}
        </div>
        {!schema ? (
          <p className="muted">This procedure takes no input.</p>
        ) : view === "form" ? (
          procedure.inputOptional && value === undefined ? (
            <p className="muted">
              No input will be sent.{" "}
              <button
                type="button"
                className="button-secondary panel-small-button"
                onClick={() => setValue(initialValue(schema, schema))}
              >
                Add an input
              </button>
            </p>
          ) : (
            <SchemaForm schema={schema} value={value} onChange={setValue} issues={shownIssues} />
          )
        ) : (
          <JsonEditor
            text={jsonText}
            error={jsonError}
            onChange={editJson}
            optional={procedure.inputOptional}
          />
        )}
        {shownIssues.length > 0 && (
          <div role="alert" className="form-alert panel-issues">
            <p>Fix the input before sending:</p>
            <ul>
              {shownIssues.map((issue) => (
                <li key={`${pathKey(issue.path)}:${issue.message}`}>
                  <code>{issue.path.length ? issue.path.join(".") : "input"}</code>: {issue.message}
                </li>
              ))}
            </ul>
          </div>
        )}
        {runAsError && (
          <p role="alert" className="form-alert">
            {runAsError}
          </p>
        )}
        <div className="form-actions">
          {streaming ? (
            // Keyed apart from the submit button: were the node reused, the click that stops
            // would find a submit button by the time the browser acts on it, and subscribe again.
            <button key="stop" type="button" className="button-danger" onClick={stopSubscription}>
              Stop
            </button>
          ) : (
            <button key="run" type="submit" disabled={running}>
              {running ? "Running…" : runLabel}
            </button>
          )}
          {procedure.kind !== "subscription" && (
            <button type="button" className="button-secondary" onClick={() => copy("curl")}>
              Copy as curl
            </button>
          )}
          <button type="button" className="button-secondary" onClick={() => copy("TypeScript")}>
            Copy as TypeScript
          </button>
          {schema && (
            <label className="panel-skip">
              <input
                type="checkbox"
                checked={skipValidation}
                onChange={(event) => setSkipValidation(event.target.checked)}
              />{" "}
              Send without checking (see the server's Zod issues)
            </label>
          )}
        </div>
      </form>

      {copied && <CopiedSnippet copied={copied} />}
      {outcome && procedure.kind !== "subscription" && <OutcomeView outcome={outcome} />}
      {stream && <StreamView stream={stream} />}

      <details className="panel-schemas">
        <summary>Schemas</summary>
        <h3>Input schema</h3>
        <pre className="panel-json">{procedure.input ? formatJson(procedure.input) : "none"}</pre>
        <h3>Output schema</h3>
        <pre className="panel-json">
          {procedure.output
            ? formatJson(procedure.output)
            : procedure.kind === "subscription"
              ? "Not declared (a subscription's events are in its description)."
              : "Not declared."}
        </pre>
      </details>
    </section>
  );
}

function JsonEditor(props: {
  text: string;
  error: string | null;
  optional: boolean;
  onChange(text: string): void;
}) {
  const id = useId();
  return (
    <div className="form-field">
      <label htmlFor={id}>Input as JSON</label>
      <textarea
        id={id}
        className="panel-code panel-json-editor"
        spellCheck={false}
        value={props.text}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={`${id}-hint${props.error ? ` ${id}-error` : ""}`}
        onChange={(event) => props.onChange(event.target.value)}
      />
      <p id={`${id}-hint`} className="form-hint">
        Plain JSON; Dates as ISO strings.{props.optional ? " Leave empty to send no input." : ""}
      </p>
      {props.error && (
        <p id={`${id}-error`} className="form-error">
          {props.error}
        </p>
      )}
    </div>
  );
}

function CopiedSnippet(props: { copied: { what: string; text: string; ok: boolean } }) {
  const { copied } = props;
  const id = useId();
  return (
    <div className="panel-copied">
      <p role="status" className="form-hint">
        {copied.ok
          ? `Copied as ${copied.what}.`
          : `Could not copy as ${copied.what}: select the text below and copy it.`}
      </p>
      <label htmlFor={id} className="visually-hidden">
        {copied.what} command
      </label>
      <textarea
        id={id}
        className="panel-code panel-snippet"
        readOnly
        spellCheck={false}
        rows={Math.min(16, copied.text.split("\n").length + 1)}
        value={copied.text}
        onFocus={(event) => event.target.select()}
      />
    </div>
  );
}

function OutcomeView(props: { outcome: CallOutcome }) {
  const { outcome } = props;
  const http = outcome.httpStatus !== null ? ` · HTTP ${outcome.httpStatus}` : "";
  return (
    <section className="panel-result" aria-label="Result">
      <p
        role="status"
        className={outcome.ok ? "panel-status panel-ok" : "panel-status panel-failed"}
        data-outcome={outcome.ok ? "ok" : outcome.code}
      >
        {outcome.ok ? "OK" : `Error ${outcome.code}`}
        {http} · {outcome.ms} ms
      </p>
      {outcome.ok ? (
        <pre className="panel-json panel-result-data">{formatJson(outcome.data)}</pre>
      ) : (
        <div className="form-alert panel-error">
          <p>{outcome.message}</p>
          {outcome.zodIssues.length > 0 && (
            <ul aria-label="Zod issues">
              {outcome.zodIssues.map((issue, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: issues are shown in the server's order.
                <li key={index}>
                  <code>{issue.path.length ? issue.path.join(".") : "input"}</code>: {issue.message}
                  {issue.code ? ` (${issue.code})` : ""}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

const STATUS_TEXT: Record<StreamStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  ended: "Ended by the server",
  stopped: "Stopped",
  failed: "Failed",
};

function StreamView(props: { stream: StreamState }) {
  const { stream } = props;
  const hidden = stream.total - stream.events.length;
  return (
    <section className="panel-result" aria-label="Events">
      <p
        role="status"
        className={stream.error ? "panel-status panel-failed" : "panel-status"}
        data-stream={stream.status}
      >
        {STATUS_TEXT[stream.status]} · {stream.total} event{stream.total === 1 ? "" : "s"}
        {stream.error && ` · ${stream.error.code}`}
        {stream.error?.httpStatus ? ` · HTTP ${stream.error.httpStatus}` : ""}
        {stream.connectionError && stream.status === "reconnecting"
          ? ` · ${stream.connectionError}`
          : ""}
      </p>
      {stream.error && (
        <div className="form-alert panel-error">
          <p>{stream.error.message}</p>
          {stream.error.zodIssues.length > 0 && (
            <ul aria-label="Zod issues">
              {stream.error.zodIssues.map((issue, index) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: issues are shown in the server's order.
                <li key={index}>
                  <code>{issue.path.join(".") || "input"}</code>: {issue.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {hidden > 0 && <p className="form-hint">{hidden} earlier events not shown.</p>}
      <ol className="panel-events" aria-label="Stream events">
        {stream.events.map((event, index) => (
          <li
            // biome-ignore lint/suspicious/noArrayIndexKey: events only append.
            key={index}
            className="panel-event"
            data-event-id={event.id ?? undefined}
          >
            <span className="panel-event-meta">
              {event.id ?? "—"} · +{event.at} ms
            </span>
            <code className="panel-event-data">{formatJsonLine(event.data)}</code>
          </li>
        ))}
      </ol>
    </section>
  );
}
