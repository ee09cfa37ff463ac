import type { ProcedureDescription } from "@parley/shared";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { copyText } from "../../lib/clipboard.ts";
import { CopiedSnippet } from "./CopiedSnippet.tsx";
import type { RunAs } from "./client.ts";
import { curlCommand, typeScriptSnippet } from "./copyAs.ts";
import { JsonEditor, useJsonText } from "./form/JsonEditor.tsx";
import { SchemaForm } from "./form/SchemaForm.tsx";
import { formatJson } from "./json.ts";
import { OutcomeView, StreamView } from "./RunResult.tsx";
import {
  asNode,
  type Issue,
  initialValue,
  pathKey,
  type SchemaNode,
  toWire,
  validate,
} from "./schema.ts";
import { useProcedureRun } from "./useProcedureRun.ts";

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
  const json = useJsonText(setValue);
  const jsonError = json.error;
  const [attempted, setAttempted] = useState(false);
  const [skipValidation, setSkipValidation] = useState(false);
  const [copied, setCopied] = useState<{ what: string; text: string; ok: boolean } | null>(null);
  const [runAsError, setRunAsError] = useState<string | null>(null);
  const runner = useProcedureRun(procedure);
  const { running, outcome, stream } = runner.state;

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

  const run = () => {
    setAttempted(true);
    setCopied(null);
    if (!props.runAs) {
      setRunAsError("Paste an API token first, or run as this session.");
      return;
    }
    setRunAsError(null);
    if (jsonError || (!skipValidation && issues.length > 0)) return;
    runner.run(props.runAs, wireInput(), record);
  };

  // A history entry asked to run at once.
  const autoRun = useRef(props.initial?.run ?? false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once, on opening.
  useEffect(() => {
    if (!autoRun.current) return;
    autoRun.current = false;
    run();
  }, []);

  const showJson = () => {
    json.show(value);
    setView("json");
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
    run();
  };

  const { streaming } = runner;
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
            text={json.text}
            error={json.error}
            onChange={json.edit}
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
            <button key="stop" type="button" className="button-danger" onClick={runner.stop}>
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
