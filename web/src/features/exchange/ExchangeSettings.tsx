import { EXCHANGE_LIMITS, type ImportOutput } from "@parley/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type ChangeEvent, useId, useState } from "react";
import { Link } from "../../app/router.tsx";
import { useTRPC } from "../../trpc.ts";
import { messageOf } from "../chat/errors.ts";
import { titleOf } from "../conversations/groups.ts";
import { ExportButton, ExportFailure } from "./ExportButton.tsx";
import { useExport } from "./useExport.ts";
import "./exchange.css";

const LIMIT_MB = EXCHANGE_LIMITS.importChars / 1024 / 1024;

/** Settings → Export and import: every conversation out as JSON or Markdown; a file back in. */
export function ExchangeSettings() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ids = { heading: useId(), file: useId(), hint: useId() };
  const exporter = useExport();
  const [readError, setReadError] = useState<string | null>(null);
  const importer = useMutation(
    trpc.conversations.import.mutationOptions({
      // The sidebar lists the new conversations.
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.conversations.pathKey() }),
    }),
  );

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.target;
    const file = input.files?.[0];
    // Picking the same file again (after fixing it) must fire another change.
    input.value = "";
    if (!file) return;
    importer.reset();
    setReadError(null);
    const tooLarge = `"${file.name}" is too large to import (the limit is ${LIMIT_MB} MB).`;
    // A character takes at least one byte: only a file this large is surely over the limit.
    if (file.size > 3 * EXCHANGE_LIMITS.importChars) return setReadError(tooLarge);
    try {
      const content = await file.text();
      if (content.length > EXCHANGE_LIMITS.importChars) return setReadError(tooLarge);
      importer.mutate({ content, filename: file.name });
    } catch (cause) {
      setReadError(`Could not read "${file.name}": ${messageOf(cause)}`);
    }
  };

  const error = readError ?? (importer.error ? messageOf(importer.error) : null);

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
          A Parley export (.json), or <code>conversations.json</code> from ChatGPT's data export
          (Settings → Data controls → Export data). Branches are kept. Up to {LIMIT_MB} MB.
        </p>
        <input
          id={ids.file}
          type="file"
          accept=".json,application/json"
          aria-describedby={ids.hint}
          disabled={importer.isPending}
          onChange={(event) => void onFile(event)}
        />
        {importer.isPending && (
          <p role="status" className="muted">
            Importing…
          </p>
        )}
        {error && (
          <p role="alert" className="form-error">
            Could not import: {error}
          </p>
        )}
        {importer.data && <ImportReport report={importer.data} />}
      </div>
    </section>
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
            </li>
          ))}
        </ul>
      )}
      {report.skipped.length > 0 && (
        <>
          <h3>Left out</h3>
          <ul aria-label="Left out">
            {report.skipped.map((item, index) => (
              // The same title may appear more than once (several notes for one conversation).
              // biome-ignore lint/suspicious/noArrayIndexKey: the list never reorders.
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
