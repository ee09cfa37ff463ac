import { useEffect, useId, useRef, useState } from "react";
import { useExport } from "./useExport.ts";
import "./exchange.css";

/**
 * "Export" in a conversation's header: the whole conversation as JSON (every branch and file,
 * to import again), or the branch shown (ending at `leafId`) as Markdown to read.
 */
export function ExportMenu(props: { conversationId: string; leafId: string | undefined }) {
  const { conversationId, leafId } = props;
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const exporter = useExport();

  // Close on a click or focus outside; Escape closes and returns focus to the button.
  useEffect(() => {
    if (!open) return;
    const outside = (event: Event) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      // The conversation page stops a running answer on Escape; here it only closes the menu.
      event.preventDefault();
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener("pointerdown", outside);
    document.addEventListener("focusin", outside);
    document.addEventListener("keydown", onKeyDown);
    return () => {
      document.removeEventListener("pointerdown", outside);
      document.removeEventListener("focusin", outside);
      document.removeEventListener("keydown", onKeyDown);
    };
  }, [open]);

  const exportAs = async (format: "json" | "markdown") => {
    const done = await exporter.run(
      format === "json"
        ? { id: conversationId, format }
        : { id: conversationId, format, ...(leafId ? { leafId } : {}) },
    );
    if (done) setOpen(false);
  };

  return (
    <div className="export-menu" ref={root}>
      <button
        ref={button}
        type="button"
        className="button-secondary"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((value) => !value)}
      >
        Export
      </button>
      {open && (
        <div id={panelId} className="export-menu-panel">
          <button
            type="button"
            className="button-secondary"
            disabled={exporter.pending !== null}
            onClick={() => void exportAs("markdown")}
          >
            {exporter.pending === "markdown" ? "Exporting…" : "Markdown (this branch)"}
          </button>
          <button
            type="button"
            className="button-secondary"
            disabled={exporter.pending !== null}
            onClick={() => void exportAs("json")}
          >
            {exporter.pending === "json" ? "Exporting…" : "JSON (every branch and file)"}
          </button>
          {exporter.error && (
            <p role="alert" className="form-error">
              Could not export: {exporter.error}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
