// A recorded prompt without the bytes of its images. Every later turn on a branch resends the
// branch's images as base64 data URLs, so recording them as sent would store each image again
// in every later answer. Instead, each data URL the prompt builder made from a stored file is
// recorded as a reference to that file, and expanded again, from the content-addressed store,
// when the prompt is read: the expanded prompt is the request the upstream received.

import type { FileService } from "../../files/service.ts";
import type { PromptMessage, UpstreamRequest } from "../../llm/stream.ts";
import { imageDataUrl } from "./attachments.ts";

/**
 * The key of a reference, `{"parley-file": sha256, "mimeType": type}`, which stands where the
 * data URL (a JSON string) was. No request body Parley builds has an object with this key, and
 * what people write is always a string in the request, never an object: text that looks like a
 * reference is text, and a reference can only be one made here.
 */
const FILE_KEY = "parley-file";

interface FileReference {
  [FILE_KEY]: string;
  mimeType: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Where an image part's URL is: `image_url.url` (Chat Completions), `image_url` (Responses). */
const IMAGE_URL_KEYS = new Set(["url", "image_url"]);

/**
 * The JSON text to record for `request`, built from `messages`: `JSON.stringify(request)` with
 * each data URL that `messages` made from a stored file replaced by a reference to the file.
 */
export function recordPrompt(request: UpstreamRequest, messages: readonly PromptMessage[]): string {
  const files = new Map<string, FileReference>();
  for (const message of messages) {
    if (typeof message.content === "string") continue;
    for (const part of message.content) {
      if (part.type === "image" && part.file) {
        files.set(part.url, { [FILE_KEY]: part.file.sha256, mimeType: part.file.mimeType });
      }
    }
  }
  if (files.size === 0) return JSON.stringify(request);
  // Only where buildRequest puts an image's URL, so text that equals one stays text.
  return JSON.stringify(request, (key, value: unknown) =>
    IMAGE_URL_KEYS.has(key) && typeof value === "string" ? (files.get(value) ?? value) : value,
  );
}

/**
 * A recorded prompt's JSON text, parsed, with its file references expanded into the data URLs
 * they stood for (records made before references parse as they are). A reference to a file
 * that is no longer stored is left as it is. Throws SyntaxError when `text` is not JSON.
 */
export async function readRecordedPrompt(
  text: string,
  read: FileService["read"],
): Promise<unknown> {
  const hashes = new Set<string>();
  const parsed: unknown = JSON.parse(text, (_key, value: unknown) => {
    if (isReference(value)) hashes.add(value[FILE_KEY]);
    return value;
  });
  if (hashes.size === 0) return parsed;

  const bytes = new Map<string, Uint8Array>();
  await Promise.all(
    [...hashes].map(async (sha256) => {
      const stored = await read(sha256);
      if (stored) bytes.set(sha256, stored.bytes);
    }),
  );
  // Parsed again rather than walked: a reviver sees every value, in place.
  return JSON.parse(text, (_key, value: unknown) => {
    if (!isReference(value)) return value;
    const stored = bytes.get(value[FILE_KEY]);
    return stored ? imageDataUrl(value.mimeType, stored) : value;
  });
}

function isReference(value: unknown): value is FileReference {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const reference = value as Partial<Record<string, unknown>>;
  return (
    keys.length === 2 &&
    typeof reference[FILE_KEY] === "string" &&
    SHA256.test(reference[FILE_KEY]) &&
    typeof reference.mimeType === "string"
  );
}
