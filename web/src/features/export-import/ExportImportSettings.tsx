import { IMPORT_LIMITS, type ImportOutput } from "@parley/shared";
import { useQueryClient } from "@tanstack/react-query";
import { type ChangeEvent, useId, useState } from "react";
import { Link } from "../../app/router.tsx";
import { errorText } from "../../lib/errors.ts";
import { useTRPC } from "../../trpc.ts";
import { titleOf } from "../conversations/groups.ts";
import { ExportButton, ExportFailure } from "./ExportButton.tsx";
import { type ImportProgress, uploadImport } from "./uploadImport.ts";
import { useExport } from "./useExport.ts";
import "./export-import.css";

const LIMIT_MB = IMPORT_LIMITS.uploadBytes / 1024 / 1024;

type ImportState =
  | { step: "idle" }
  | { step: "running"; name: string; progress: ImportProgress }
  | { step: "done"; report: ImportOutput }
  | { step: "failed"; message: string };

/** Settings → Export and import: every conversation out as JSON or Markdown; a file back in. */
export function ExportImportSettings() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ids = { heading: useId(), file: useId(), hint: useId() };
  const exporter = useExport();
  const [state, setState] = useState<ImportState>({ step: "idle" });

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.target;
    const file = input.files?.[0];
    // Picking the same file again (after fixing it) must fire another change.
    input.value = "";
    if (!file) return;
    const name = file.name;
    setState({ step: "running", name, progress: { phase: "uploading", fraction: 0 } });
    try {
      const report = await uploadImport(file, (progress) =>
        setState({ step: "running", name, progress }),
      );
      setState({ step: "done", report });
    } catch (cause) {
      setState({ step: "failed", message: errorText(cause) });
    } finally {
      // The sidebar lists the new conversations (also those imported before a failure).
      void queryClient.invalidateQueries({ queryKey: trpc.conversations.pathKey() });
    }
  };

  return (
    <section className="form-section" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>Export and import</h2>
      <div className="form-field">
        <span className="form-label">Export all conversations</span>
        <p className="form-hint">
          JSON keeps every branch and attached file, and can be imported again. Markdown is for
          reading: the latest branch of each conversation.
        </p>
        <div className="form-actions">
          <ExportButton exporter={exporter} input={{ format: "json" }}>
            Export all as JSON
          </ExportButton>
          <ExportButton exporter={exporter} input={{ format: "markdown" }}>
            Export all as Markdown
          </ExportButton>
        </div>
        <ExportFailure exporter={exporter} />
      </div>

      <div className="form-field">
        <label htmlFor={ids.file}>Import conversations</label>
        <p id={ids.hint} className="form-hint">
          A Parley export, ChatGPT's data export (the ZIP, or <code>conversations.json</code> from
          it), or an export from Open WebUI, LibreChat or chatbot-ui. Branches are kept. Up to{" "}
          {LIMIT_MB} MB unless your server sets another limit.
        </p>
        <input
          id={ids.file}
          type="file"
          accept=".json,.zip,application/json,application/zip"
          aria-describedby={ids.hint}
          disabled={state.step === "running"}
          onChange={(event) => void onFile(event)}
        />
        {state.step === "running" && <ImportRunning name={state.name} progress={state.progress} />}
        {state.step === "failed" && (
          <p role="alert" className="form-error">
            Could not import: {state.message}
          </p>
        )}
        {state.step === "done" && <ImportReport report={state.report} />}
      </div>
    </section>
  );
}

function ImportRunning({ name, progress }: { name: string; progress: ImportProgress }) {
  const uploading = progress.phase === "uploading";
  const label = uploading
    ? `Uploading "${name}"… ${Math.round(progress.fraction * 100)}%`
    : `Importing… ${progress.done.toLocaleString()} of ${progress.total.toLocaleString()} conversations`;
  return (
    <div role="status" className="import-progress">
      <span>{label}</span>
      <progress
        aria-label={uploading ? "Upload" : "Import"}
        max={1}
        value={uploading ? progress.fraction : progress.total ? progress.done / progress.total : 0}
      />
    </div>
  );
}

function ImportReport({ report }: { report: ImportOutput }) {
  const count = report.imported.length;
  return (
    <div role="status" className="import-report">
      <h3>
        {count === 0
          ? "Nothing was imported."
          : `Imported ${count === 1 ? "1 conversation" : `${count.toLocaleString()} conversations`}.`}
      </h3>
      {count > 0 && (
        <ul aria-label="Imported">
          {report.imported.map((item) => (
            <li key={item.conversationId}>
              <Link to={`/c/${item.conversationId}`}>{titleOf(item)}</Link>{" "}
              <span className="muted">
                ({item.messages === 1 ? "1 message" : `${item.messages.toLocaleString()} messages`})
              </span>
              {item.notes.length > 0 && (
                <ul aria-label={`Left out of ${titleOf(item)}`} className="import-notes">
                  {item.notes.map((note) => (
                    <li key={note}>{note}</li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
      {report.skipped.length > 0 && (
        <>
          <h3>
            Skipped{" "}
            {report.skipped.length === 1
              ? "1 conversation"
              : `${report.skipped.length.toLocaleString()} conversations`}
          </h3>
          <ul aria-label="Skipped">
            {report.skipped.map((item, index) => (
              // Titles may repeat, and the list never reorders.
              // biome-ignore lint/suspicious/noArrayIndexKey: see above.
              <li key={index}>
                <strong>{item.title}</strong>: {item.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
