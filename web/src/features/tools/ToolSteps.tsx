import type { ToolRound, ToolSource } from "@parley/shared";
import { Fragment } from "react";
import { Markdown } from "../transcript/markdown/Markdown.tsx";
import "./tools.css";

/** A tool call as an answer shows it: running (no result yet) or done. */
export interface ShownStep {
  callId: string;
  tool: string;
  arguments: string;
  /** Characters of the answer's text written before the call. */
  at: number;
  result?: { ok: boolean; content: string; durationMs: number; sources?: ToolSource[] };
}

/** A saved answer's rounds as steps. */
export function stepsOf(rounds: readonly ToolRound[]): ShownStep[] {
  return rounds.flatMap((round) =>
    round.calls.map((call) => ({
      callId: call.callId,
      tool: call.tool,
      arguments: call.arguments,
      at: round.at,
      result: {
        ok: call.ok,
        content: call.content,
        durationMs: call.durationMs,
        ...(call.sources ? { sources: call.sources } : {}),
      },
    })),
  );
}

/** The saved steps, with the live ones (the stream's) in place of or after them. */
export function mergeSteps(saved: readonly ShownStep[], live: readonly ShownStep[]): ShownStep[] {
  const merged = new Map(saved.map((step) => [step.callId, step]));
  for (const step of live) {
    const known = merged.get(step.callId);
    if (!known?.result || step.result)
      merged.set(step.callId, { ...step, at: known?.at ?? step.at });
  }
  return [...merged.values()];
}

/** Every web page the answer's tools found, by number. */
export function sourcesOf(steps: readonly ShownStep[]): ToolSource[] {
  return steps.flatMap((step) => step.result?.sources ?? []).sort((a, b) => a.n - b.n);
}

/** The answer's text with its tool steps where they were called. */
export function AnswerWithSteps(props: {
  text: string;
  steps: readonly ShownStep[];
  streaming: boolean;
}) {
  const { text, steps, streaming } = props;
  const sources = sourcesOf(steps);
  const cites = (part: string) => linkCitations(part, sources);
  if (steps.length === 0) {
    return text === "" ? null : <Markdown text={cites(text)} streaming={streaming} />;
  }
  const stops = [...new Set(steps.map((step) => Math.min(step.at, text.length)))].sort(
    (a, b) => a - b,
  );
  let from = 0;
  return (
    <>
      {stops.map((at) => {
        const before = text.slice(from, at);
        from = at;
        return (
          <Fragment key={at}>
            {before.trim() !== "" && <Markdown text={cites(before)} />}
            <ol className="tool-steps" aria-label="Tool calls">
              {steps
                .filter((step) => Math.min(step.at, text.length) === at)
                .map((step) => (
                  <ToolStepView key={step.callId} step={step} />
                ))}
            </ol>
          </Fragment>
        );
      })}
      {text.slice(from) !== "" && <Markdown text={cites(text.slice(from))} streaming={streaming} />}
    </>
  );
}

function ToolStepView({ step }: { step: ShownStep }) {
  const { result } = step;
  const state = !result ? "running" : result.ok ? "done" : "error";
  return (
    <li className="tool-step" data-state={state} data-tool={step.tool}>
      <details>
        <summary>
          {!result && <span className="tool-spinner" aria-hidden="true" />}
          <span className="tool-name">{step.tool}</span>{" "}
          <span className="tool-state" role={result ? undefined : "status"}>
            {!result
              ? "running…"
              : `${result.ok ? "done" : "failed"} · ${formatDuration(result.durationMs)}`}
          </span>
        </summary>
        <div className="tool-detail">
          <p className="tool-label">Arguments</p>
          <pre className="tool-arguments">{prettyJson(step.arguments)}</pre>
          {result && (
            <>
              <p className="tool-label">{result.ok ? "Result" : "Error"}</p>
              {/* Tool output is untrusted: the same sanitizing renderer as model output. */}
              <div className="tool-result">
                <Markdown text={result.content} />
              </div>
            </>
          )}
        </div>
      </details>
    </li>
  );
}

/** The numbered web pages under an answer. */
export function SourcesList({ steps }: { steps: readonly ShownStep[] }) {
  const sources = sourcesOf(steps);
  if (sources.length === 0) return null;
  return (
    <section className="sources" aria-label="Sources">
      <h3 className="sources-title">Sources</h3>
      <ol>
        {sources.map((source) => (
          <li key={source.n} value={source.n}>
            <a href={safeUrl(source.url)} target="_blank" rel="noopener noreferrer nofollow">
              {source.title || source.url}
            </a>
            <span className="muted source-host"> {hostOf(source.url)}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** `[n]` in the answer, for a source n, as a link to it (markdown, sanitized like the rest). */
function linkCitations(text: string, sources: readonly ToolSource[]): string {
  if (sources.length === 0) return text;
  const byNumber = new Map(sources.map((source) => [source.n, source]));
  return text.replace(/\[(\d{1,3})\](?![(:[])/g, (whole, digits: string) => {
    const source = byNumber.get(Number(digits));
    return source ? `[\\[${digits}\\]](${encodeURI(safeUrl(source.url))})` : whole;
  });
}

function safeUrl(url: string): string {
  return /^https?:\/\//i.test(url) ? url : "#";
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
