// A file's type from its bytes. The name only picks among text types (a .md file is markdown);
// it never makes bytes acceptable: an .exe renamed .png is still a program.

export type Sniffed =
  | { accepted: true; mimeType: string }
  /** `looksLike` names what the bytes are, in words, when we can tell. */
  | { accepted: false; looksLike: string | undefined };

const startsWith = (bytes: Uint8Array, signature: readonly number[], offset = 0) =>
  bytes.length >= offset + signature.length &&
  signature.every((byte, index) => bytes[offset + index] === byte);

const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/** Binary formats Parley accepts, by their magic numbers. */
const BINARY: readonly { mimeType: string; matches: (bytes: Uint8Array) => boolean }[] = [
  { mimeType: "image/png", matches: (b) => startsWith(b, [0x89, ...ascii("PNG\r\n"), 0x1a, 0x0a]) },
  { mimeType: "image/jpeg", matches: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  {
    mimeType: "image/gif",
    matches: (b) => startsWith(b, ascii("GIF87a")) || startsWith(b, ascii("GIF89a")),
  },
  {
    mimeType: "image/webp",
    matches: (b) => startsWith(b, ascii("RIFF")) && startsWith(b, ascii("WEBP"), 8),
  },
  { mimeType: "application/pdf", matches: (b) => startsWith(b, ascii("%PDF-")) },
];

/** Binary formats people try, named so a refusal can say what the file is. */
const REFUSED: readonly { looksLike: string; matches: (bytes: Uint8Array) => boolean }[] = [
  { looksLike: "a Windows program", matches: (b) => startsWith(b, ascii("MZ")) },
  { looksLike: "a Linux program", matches: (b) => startsWith(b, [0x7f, ...ascii("ELF")]) },
  {
    looksLike: "a macOS program",
    matches: (b) =>
      [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].some((magic) =>
        startsWith(b, [magic >>> 24, (magic >>> 16) & 0xff, (magic >>> 8) & 0xff, magic & 0xff]),
      ),
  },
  { looksLike: "a ZIP archive", matches: (b) => startsWith(b, ascii("PK\x03\x04")) },
  { looksLike: "a gzip archive", matches: (b) => startsWith(b, [0x1f, 0x8b]) },
  { looksLike: "a 7-Zip archive", matches: (b) => startsWith(b, [0x37, 0x7a, 0xbc, 0xaf]) },
  { looksLike: "a RAR archive", matches: (b) => startsWith(b, ascii("Rar!")) },
];

/**
 * Languages by extension: code is sent as text/x-<language>. JavaScript is "javascript-source":
 * text/x-javascript is a script type to browsers, and a served upload must never be one.
 */
const CODE_EXTENSIONS: Record<string, string> = {
  py: "python",
  js: "javascript-source",
  mjs: "javascript-source",
  cjs: "javascript-source",
  jsx: "javascript-source",
  ts: "typescript",
  tsx: "typescript",
  java: "java",
  c: "c",
  h: "c",
  cpp: "cpp",
  cc: "cpp",
  hpp: "cpp",
  cs: "csharp",
  go: "go",
  rs: "rust",
  rb: "ruby",
  php: "php",
  sh: "shellscript",
  bash: "shellscript",
  swift: "swift",
  kt: "kotlin",
  scala: "scala",
  sql: "sql",
  css: "css",
  scss: "scss",
  xml: "xml",
  yaml: "yaml",
  yml: "yaml",
  toml: "toml",
  ini: "ini",
  lua: "lua",
  r: "r",
  pl: "perl",
  dart: "dart",
  vue: "vue",
  svelte: "svelte",
};

const TEXT_EXTENSIONS: Record<string, string> = {
  md: "text/markdown",
  markdown: "text/markdown",
  csv: "text/csv",
  json: "application/json",
  html: "text/html",
  htm: "text/html",
  svg: "image/svg+xml",
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The accepted type of `bytes` (named `name`), or why it is refused. */
export function sniff(bytes: Uint8Array, name: string): Sniffed {
  for (const format of BINARY) {
    if (format.matches(bytes)) return { accepted: true, mimeType: format.mimeType };
  }
  for (const format of REFUSED) {
    if (format.matches(bytes)) return { accepted: false, looksLike: format.looksLike };
  }
  const text = decodeText(bytes);
  if (text === undefined) return { accepted: false, looksLike: undefined };
  return { accepted: true, mimeType: textType(text, extensionOf(name)) };
}

/** The text of valid UTF-8 with no NUL bytes (binary formats have them; text never does). */
function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

function textType(text: string, extension: string): string {
  // Markup is recognised from its content too: it is what decides how a browser would treat it.
  const head = text
    .replace(/^\uFEFF/, "")
    .trimStart()
    .slice(0, 1024)
    .toLowerCase();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]/.test(head)) {
    return "image/svg+xml";
  }
  if (/^(<!--[\s\S]*?-->\s*)*(<!doctype html|<html[\s>])/.test(head)) return "text/html";
  const byExtension = TEXT_EXTENSIONS[extension];
  if (byExtension) return byExtension;
  const language = CODE_EXTENSIONS[extension];
  if (language) return `text/x-${language}`;
  if (isJson(text)) return "application/json";
  return "text/plain";
}

function isJson(text: string): boolean {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return false;
  try {
    JSON.parse(trimmed);
    return true;
  } catch {
    return false;
  }
}
