import { ACCEPTED_FILES, isImageType } from "@parley/shared";
import { useRef } from "react";
import { fileUrl, formatSize } from "./upload.ts";
import type { Attachments } from "./useAttachments.ts";
import "./attachments.css";

/** The composer's attachments: previews with progress and remove buttons, and refusals. */
export function AttachmentTray({ attachments }: { attachments: Attachments }) {
  const { items, errors, remove, dismissErrors } = attachments;
  if (items.length === 0 && errors.length === 0) return null;
  return (
    <div className="attachment-tray">
      {errors.length > 0 && (
        <div role="alert" className="error attachment-errors">
          <ul>
            {errors.map((error) => (
              <li key={error}>{error}</li>
            ))}
          </ul>
          <button type="button" className="button-secondary" onClick={dismissErrors}>
            Dismiss
          </button>
        </div>
      )}
      {items.length > 0 && (
        <ul className="attachment-list" aria-label="Attachments">
          {items.map((item) => (
            <li
              key={item.key}
              className="attachment-chip"
              data-status={item.ref ? "ready" : "uploading"}
            >
              {item.ref && isImageType(item.ref.mimeType) ? (
                // The uploader may read their own upload: the preview is the stored file.
                <img className="attachment-thumb" src={fileUrl(item.ref.sha256)} alt="" />
              ) : (
                <FileIcon />
              )}
              <span className="attachment-text">
                <span className="attachment-name">{item.name}</span>
                <span className="attachment-size">
                  {item.ref ? formatSize(item.size) : `${Math.round(item.progress * 100)}%`}
                </span>
                {!item.ref && (
                  <progress
                    className="attachment-progress"
                    max={1}
                    value={item.progress}
                    aria-label={`Uploading ${item.name}`}
                  />
                )}
              </span>
              <button
                type="button"
                className="icon-button attachment-remove"
                aria-label={`Remove ${item.name}`}
                title="Remove"
                onClick={() => remove(item.key)}
              >
                <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true">
                  <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" strokeWidth="2" />
                </svg>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The paperclip: opens the file picker (several files at once). */
export function AttachButton(props: { onFiles: (files: File[]) => void; disabled?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        accept={ACCEPTED_FILES}
        aria-label="Attach files"
        onChange={(event) => {
          const files = [...(event.target.files ?? [])];
          // Choosing the same file again must fire change again.
          event.target.value = "";
          if (files.length > 0) props.onFiles(files);
        }}
      />
      <button
        type="button"
        className="icon-button composer-attach"
        aria-label="Attach files"
        title="Attach files (or drop or paste them)"
        disabled={props.disabled}
        onClick={() => input.current?.click()}
      >
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <path
            d="M20 11.5l-7.8 7.8a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.8"
            strokeLinecap="round"
          />
        </svg>
      </button>
    </>
  );
}

export function FileIcon() {
  return (
    <svg className="attachment-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
      <path
        d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zM14 3v5h5"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinejoin="round"
      />
    </svg>
  );
}
