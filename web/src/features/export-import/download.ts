import type { ExportOutput } from "@parley/shared";

/** Saves an export as a file: a Blob behind an object URL, clicked as a download link. */
export function saveExport(file: ExportOutput) {
  const url = URL.createObjectURL(new Blob([file.content], { type: file.mimeType }));
  const link = document.createElement("a");
  link.href = url;
  link.download = file.filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once started; the URL only needs to outlive this task.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
