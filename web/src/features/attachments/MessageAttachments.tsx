import { type FileRef, isImageType } from "@parley/shared";
import { FileIcon } from "../../lib/icons.tsx";
import { fileUrl, formatSize } from "./upload.ts";
import "./attachments.css";

/**
 * A sent message's files: images shown inline, anything else as a download link. Viewers of a
 * share pass its id, which is what lets them read the files.
 */
export function MessageAttachments(props: { files: readonly FileRef[]; shareId?: string }) {
  const { files, shareId } = props;
  if (files.length === 0) return null;
  const images = files.filter((file) => isImageType(file.mimeType));
  const others = files.filter((file) => !isImageType(file.mimeType));
  return (
    <div className="message-attachments">
      {images.map((file) => (
        <a
          key={file.sha256}
          className="message-image"
          href={fileUrl(file.sha256, shareId)}
          target="_blank"
          rel="noopener noreferrer"
          title={file.name}
        >
          <img src={fileUrl(file.sha256, shareId)} alt={file.name} loading="lazy" />
        </a>
      ))}
      {others.map((file) => (
        <a
          key={file.sha256}
          className="attachment-chip message-file"
          href={fileUrl(file.sha256, shareId)}
          download={file.name}
        >
          <FileIcon className="attachment-icon" />
          <span className="attachment-text">
            <span className="attachment-name">{file.name}</span>
            <span className="attachment-size">{formatSize(file.size)}</span>
          </span>
        </a>
      ))}
    </div>
  );
}
