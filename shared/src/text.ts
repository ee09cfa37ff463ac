import { z } from "zod";

/**
 * A NUL character, or half of a UTF-16 surrogate pair without its other half. PostgreSQL cannot
 * store the first in text, and UTF-8 cannot encode the second (it would be replaced silently).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** True when `text` can be stored and sent back unchanged. */
export function isStorableText(text: string): boolean {
  UNSTORABLE.lastIndex = 0;
  return !UNSTORABLE.test(text);
}

/** `text` without what cannot be stored (for text from elsewhere, such as an import). */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, "");
}

/**
 * A string a person or script sends that may reach the database: `z.string()` that refuses NUL
 * characters and lone surrogates with a clear message. Chain `.min`, `.max`, `.trim` as usual.
 */
export const Text = z.string().refine(isStorableText, {
  error: "Contains a character that cannot be stored (NUL, or half of a surrogate pair)",
});
