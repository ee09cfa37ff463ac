// Plain values only, no Zod: the first page (the composer's file picker and attachment tray) uses
// them, and importing a module that builds schemas would bring all of Zod with it.

export const FILE_LIMITS = {
  /** Bytes in one upload, unless the server sets UPLOAD_MAX_BYTES. */
  maxBytes: 10 * 1024 * 1024,
  /** Files attached to one message. */
  perMessage: 10,
  /** Characters kept of an uploaded file's name. */
  nameChars: 255,
} as const;

/** Raster images: shown inline, and sent to models that accept images. */
export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;

export function isImageType(mimeType: string): boolean {
  return (IMAGE_TYPES as readonly string[]).includes(mimeType);
}

/** Text the model reads as a document (SVG and HTML included: they are text to a model). */
export function isTextType(mimeType: string): boolean {
  return (
    mimeType.startsWith("text/") || mimeType === "application/json" || mimeType === "image/svg+xml"
  );
}

/**
 * What a file picker offers (the `accept` attribute). The server decides from the bytes, not
 * from this list: it only saves people from picking files that would be refused.
 */
export const ACCEPTED_FILES = [
  ...IMAGE_TYPES,
  "application/pdf",
  "text/*",
  "application/json",
  "image/svg+xml",
  ".md",
  ".markdown",
  ".csv",
  ".json",
  ".txt",
  ".log",
  ".xml",
  ".yaml",
  ".yml",
  ".toml",
  ".ini",
  ".sql",
  ".py",
  ".js",
  ".mjs",
  ".ts",
  ".tsx",
  ".jsx",
  ".java",
  ".c",
  ".h",
  ".cpp",
  ".cs",
  ".go",
  ".rs",
  ".rb",
  ".php",
  ".sh",
  ".swift",
  ".kt",
  ".html",
  ".css",
  ".svg",
].join(",");
