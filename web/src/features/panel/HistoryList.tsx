import { useId } from "react";
import type { HistoryEntry } from "./history.ts";
import { formatJsonLine } from "./json.ts";

const time = (iso: string) =>
  new Date(iso).toLocaleTimeString(undefined, {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });

/** Recent calls, newest first: load one into the form, or run it again as it ran. */
export function HistoryList(props: {
  entries: HistoryEntry[];
  onLoad(entry: HistoryEntry, run: boolean): void;
  onClear(): void;
}) {
  const headingId = useId();
  return (
    <section className="panel-history" aria-labelledby={headingId}>
      <div className="panel-section-header">
        <h2 id={headingId}>Recent calls</h2>
        {props.entries.length > 0 && (
          <button
            type="button"
            className="button-secondary panel-small-button"
            onClick={props.onClear}
          >
            Clear history
          </button>
        )}
      </div>
      {props.entries.length === 0 ? (
        <p className="muted">Calls you run appear here, kept in this browser.</p>
      ) : (
        <ol className="panel-history-list" aria-labelledby={headingId}>
          {props.entries.map((entry) => (
            <li key={entry.id} className="panel-history-item" data-ok={entry.ok ? "" : undefined}>
              <div className="panel-history-text">
                <p>
                  <code>{entry.path}</code>{" "}
                  <span className={`panel-kind panel-kind-${entry.kind}`}>{entry.kind}</span>{" "}
                  <span className={entry.ok ? "panel-ok" : "panel-failed"}>{entry.outcome}</span>
                </p>
                <p className="form-hint">
                  <time dateTime={entry.at}>{time(entry.at)}</time>
                  {" · "}
                  {entry.runAs === "token" ? "as an API token" : "as this session"}
                  {entry.ms !== null && ` · ${entry.ms} ms`}
                  {entry.input !== undefined && (
                    <>
                      {" · "}
                      <code className="panel-history-input">{formatJsonLine(entry.input)}</code>
                    </>
                  )}
                </p>
              </div>
              <div className="panel-history-actions">
                <button
                  type="button"
                  className="button-secondary panel-small-button"
                  aria-label={`Load ${entry.path} from ${time(entry.at)}`}
                  onClick={() => props.onLoad(entry, false)}
                >
                  Load
                </button>
                <button
                  type="button"
                  className="button-secondary panel-small-button"
                  aria-label={`Run ${entry.path} from ${time(entry.at)} again`}
                  onClick={() => props.onLoad(entry, true)}
                >
                  Run again
                </button>
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
