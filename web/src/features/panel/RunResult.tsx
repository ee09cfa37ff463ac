import type { CallOutcome } from "./client.ts";
import { formatJson, formatJsonLine } from "./json.ts";
import type { StreamState, StreamStatus } from "./useProcedureRun.ts";

/** What a query or mutation returned, or how it failed. */
export function OutcomeView(props: { outcome: CallOutcome }) {
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

/** A subscription's events so far, and how it is doing. */
export function StreamView(props: { stream: StreamState }) {
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
