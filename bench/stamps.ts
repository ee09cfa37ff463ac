// The text of every answer token the benchmark's upstream sends: its position and the time it
// was sent, e.g. " 2s~mhz3k1q8w1". A client finds every stamp in whatever text reaches it, so
// tokens are counted and timed the same whether a server forwards them one event each or merges
// several into one event.

const STAMP = /([0-9a-z]+)~([0-9a-z]+)/g;

/** Token `index` (from 0), sent at `sentAt` (ms since the epoch, µs resolution). */
export function stampToken(index: number, sentAt: number): string {
  return ` ${index.toString(36)}~${Math.round(sentAt * 1000).toString(36)}`;
}

export interface Stamp {
  index: number;
  /** When the upstream sent the token (ms since the epoch). */
  sentAt: number;
}

/** Every stamp in `text`, in order. */
export function readStamps(text: string): Stamp[] {
  const stamps: Stamp[] = [];
  for (const match of text.matchAll(STAMP)) {
    stamps.push({
      index: Number.parseInt(match[1] as string, 36),
      sentAt: Number.parseInt(match[2] as string, 36) / 1000,
    });
  }
  return stamps;
}
