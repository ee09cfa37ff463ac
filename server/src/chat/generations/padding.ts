// Streamed text is padded so that the size of what goes over the wire says nothing about it:
// without it, the lengths of encrypted SSE events spell out the answer's token lengths ("What
// Was Your Prompt? A Remote Keylogging Attack on AI Assistants", 2024). Each frame is padded up
// to a multiple of FRAME_BLOCK_BYTES: a frame's size tells its text's length only to within a
// block, and the smallest frame (two blocks) holds any usual token (up to about 30 bytes of text).

/** Frames of streamed text take a whole number of these. */
export const FRAME_BLOCK_BYTES = 64;
/** And at least this much: room for a usual token whatever else the frame carries. */
export const MIN_FRAME_BYTES = 2 * FRAME_BLOCK_BYTES;

/** The spaces that bring a frame of `bytes` (with an empty pad) to a whole number of blocks. */
export function padForFrame(bytes: number): string {
  const target = Math.max(
    MIN_FRAME_BYTES,
    Math.ceil(bytes / FRAME_BLOCK_BYTES) * FRAME_BLOCK_BYTES,
  );
  return " ".repeat(target - bytes);
}

/**
 * An SSE frame of streamed text, padded to whole blocks: `head` and `tail` are its other lines
 * (`event: …\n`, `id: …\n`), the data line is `{ type, text, pad }` as JSON. Its JSON is written
 * out here because its size must be known before the pad goes in.
 */
export function paddedTextFrame(
  type: "token" | "reasoning",
  text: string,
  lines: { head?: string; tail?: string } = {},
): string {
  const start = `${lines.head ?? ""}data: {"type":"${type}","text":${JSON.stringify(text)},"pad":"`;
  const end = `"}\n${lines.tail ?? ""}\n`;
  return start + padForFrame(Buffer.byteLength(start) + Buffer.byteLength(end)) + end;
}
