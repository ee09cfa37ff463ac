import type { ExportInput } from "@parley/shared";
import type { Exporter } from "./useExport.ts";

/** One export's button: "Exporting…" while it runs; no other export starts meanwhile. */
export function ExportButton(props: {
  exporter: Exporter;
  input: ExportInput;
  /** The export was saved. */
  onDone?: () => void;
  children: string;
}) {
  const { exporter, input, onDone } = props;
  return (
    <button
      type="button"
      className="button-secondary"
      disabled={exporter.pending !== null}
      onClick={() => void exporter.run(input).then((done) => done && onDone?.())}
    >
      {exporter.pending === input.format ? "Exporting…" : props.children}
    </button>
  );
}

/** Why the last export failed, if it did. */
export function ExportFailure({ exporter }: { exporter: Exporter }) {
  if (!exporter.error) return null;
  return (
    <p role="alert" className="form-error">
      Could not export: {exporter.error}
    </p>
  );
}
