import type { FileRef } from "@parley/shared";

/** Where uploads go and downloads come from (same origin; Vite proxies /files in dev). */
export const FILES_URL = "/files";

/** A file's URL; viewers of a share pass its id, which is what lets them read it. */
export function fileUrl(sha256: string, shareId?: string): string {
  return `${FILES_URL}/${sha256}${shareId ? `?share=${encodeURIComponent(shareId)}` : ""}`;
}

/** An upload the server refused (413 too large, 415 type not accepted…) or that failed. */
export class UploadFailed extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "UploadFailed";
  }
}

/**
 * POSTs one file as multipart (field `file`). XMLHttpRequest rather than fetch: only it reports
 * upload progress. `onProgress` gets the fraction sent (0 to 1).
 */
export function uploadFile(
  file: File,
  options: { onProgress?: (fraction: number) => void; signal?: AbortSignal } = {},
): Promise<FileRef> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", FILES_URL);
    request.withCredentials = true;
    request.responseType = "text";
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) options.onProgress?.(event.loaded / event.total);
    });
    request.addEventListener("load", () => {
      // The schemas load with the first upload, not with the first page.
      import("@parley/shared").then(
        ({ FileError, FileRef }) => {
          const body = parseJson(request.responseText);
          if (request.status === 200) {
            const saved = FileRef.safeParse(body);
            if (saved.success) return resolve(saved.data);
          }
          const refused = FileError.safeParse(body);
          const message = refused.success
            ? refused.data.message
            : `Uploading "${file.name}" failed (HTTP ${request.status}).`;
          reject(new UploadFailed(message, request.status));
        },
        () =>
          reject(
            new UploadFailed(
              `Uploading "${file.name}" could not be confirmed: part of the app failed to load (reload the page).`,
              request.status,
            ),
          ),
      );
    });
    request.addEventListener("error", () =>
      reject(
        new UploadFailed(`Uploading "${file.name}" failed: the server could not be reached.`, 0),
      ),
    );
    request.addEventListener("abort", () =>
      reject(new UploadFailed(`Uploading "${file.name}" was cancelled.`, 0)),
    );
    options.signal?.addEventListener("abort", () => request.abort(), { once: true });
    const form = new FormData();
    form.append("file", file, file.name);
    request.send(form);
  });
}

/** The JSON in a response body, or undefined when there is none. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** "1.2 MB", "340 KB", "12 bytes". */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
