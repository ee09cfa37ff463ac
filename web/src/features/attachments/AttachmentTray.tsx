import { ACCEPTED_FILES, isImageType } from "@parley/shared";
import { useRef } from "react";
import { CloseIcon, FileIcon, IconButton, PaperclipIcon } from "../../lib/icons.tsx";
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
                <FileIcon className="attachment-icon" />
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
              <IconButton
                className="attachment-remove"
                label={`Remove ${item.name}`}
                title="Remove"
                onClick={() => remove(item.key)}
              >
                <CloseIcon />
              </IconButton>
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
      <IconButton
        className="composer-attach"
        label="Attach files"
        title="Attach files (or drop or paste them)"
        disabled={props.disabled}
        onClick={() => input.current?.click()}
      >
        <PaperclipIcon />
      </IconButton>
    </>
  );
}
