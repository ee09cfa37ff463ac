// Text arrives in bursts (a busy connection delivers many tokens in one event); with smoothing
// on, it is revealed at an even pace instead, one step per frame.

/**
 * How many characters of `text` to show in the next frame when `shown` are shown now. Closes a
 * fixed share of the gap each frame: even in bursts, never far behind; faster once the stream
 * has ended. Never splits a surrogate pair.
 */
export function nextShown(
  text: string,
  shown: number,
  options: { smoothing: boolean; ended: boolean },
): number {
  const backlog = text.length - shown;
  if (backlog <= 0 || !options.smoothing) return text.length;
  let next = shown + Math.max(2, Math.ceil(backlog / (options.ended ? 3 : 6)));
  const code = text.charCodeAt(next - 1);
  if (code >= 0xd800 && code <= 0xdbff) next += 1;
  return Math.min(next, text.length);
}
