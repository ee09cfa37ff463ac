import { FileError, IMPORT_FIELD, ImportEvent, type ImportOutput } from "@parley/shared";
import { parseJson } from "../attachments/upload.ts";

/** Where import files go (same origin; Vite proxies /imports in dev). */
export const IMPORTS_URL = "/imports";

/** How far an import has got: the file going up, then the conversations going in. */
export type ImportProgress =
  | { phase: "uploading"; fraction: number }
  | { phase: "importing"; done: number; total: number };

/**
 * Uploads an export file to POST /imports and follows the import's progress (NDJSON lines) to
 * its report. XMLHttpRequest rather than fetch: only it reports upload progress.
 */
export function uploadImport(
  file: File,
  onProgress: (progress: ImportProgress) => void,
): Promise<ImportOutput> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", IMPORTS_URL);
    request.withCredentials = true;
    request.responseType = "text";
    request.setRequestHeader("accept", "application/x-ndjson");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) {
        onProgress({ phase: "uploading", fraction: event.loaded / event.total });
      }
    });

    let read = 0;
    let outcome: { report: ImportOutput } | { error: string } | undefined;
    /** Handles the lines that have arrived complete since the last call. */
    const readLines = () => {
      const text = request.responseText;
      const end = text.lastIndexOf("\n") + 1;
      if (end <= read) return;
      for (const line of text.slice(read, end).split("\n")) {
        if (!line.trim()) continue;
        const event = ImportEvent.safeParse(parseJson(line));
        if (!event.success) continue;
        if (event.data.type === "progress") onProgress({ phase: "importing", ...event.data });
        else if (event.data.type === "report") outcome = { report: event.data.report };
        else outcome = { error: event.data.message };
      }
      read = end;
    };
    request.addEventListener("progress", () => {
      if (request.status === 200) readLines();
    });
    request.addEventListener("load", () => {
      if (request.status !== 200) {
        const refused = FileError.safeParse(parseJson(request.responseText));
        return reject(
          new Error(
            refused.success
              ? refused.data.message
              : `Importing "${file.name}" failed (HTTP ${request.status}).`,
          ),
        );
      }
      readLines();
      if (outcome && "report" in outcome) resolve(outcome.report);
      else reject(new Error(outcome?.error ?? `Importing "${file.name}" stopped before the end.`));
    });
    request.addEventListener("error", () =>
      reject(new Error(`Importing "${file.name}" failed: the server could not be reached.`)),
    );
    const form = new FormData();
    form.append(IMPORT_FIELD, file, file.name);
    request.send(form);
  });
}
