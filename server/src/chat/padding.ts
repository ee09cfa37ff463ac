// Token events are padded so their size on the wire says nothing about the token: without it,
// the lengths of encrypted SSE events spell out the answer's token lengths ("What Was Your
// Prompt? A Remote Keylogging Attack on AI Assistants", 2024).

/**
 * Texts under 32 UTF-16 units serialize (JSON, as superjson sends them) to at most this many
 * bytes: 31 units escaped as `\uXXXX` (6 bytes each, the worst case) plus the quotes.
 */
export const SHORT_TEXT_BYTES = 31 * 6 + 2;
/** Longer texts are rounded up to a multiple of this. */
const BLOCK_BYTES = 64;

/**
 * The `pad` for an event carrying `text`: JSON-encoded, text and pad together always take
 * SHORT_TEXT_BYTES (+ the pad's quotes) for any text under 32 characters.
 */
export function padFor(text: string): string {
  const size = Buffer.byteLength(JSON.stringify(text));
  const target =
    size <= SHORT_TEXT_BYTES ? SHORT_TEXT_BYTES : Math.ceil(size / BLOCK_BYTES) * BLOCK_BYTES;
  return " ".repeat(target - size);
}
