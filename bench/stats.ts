// From the client's stream samples to distributions and checks.

import type { StreamSample } from "./targets.ts";

export interface Distribution {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles; null for no values. */
export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    n: sorted.length,
    mean: sum / sorted.length,
    p50: rank(50),
    p95: rank(95),
    p99: rank(99),
    max: sorted.at(-1) ?? 0,
  };
}

/** One target's streams at one level, summed up. Times in ms. */
export interface TargetSummary {
  streams: number;
  /** Ended properly, no error, every token once and in order. */
  complete: number;
  errors: number;
  /** Up to five distinct error messages. */
  errorMessages: string[];
  /** Tokens sent by the upstream that never arrived (over all streams). */
  lostTokens: number;
  /** Tokens that arrived more than once. */
  repeatedTokens: number;
  /** Streams whose tokens arrived out of order. */
  outOfOrderStreams: number;
  /** Client start → first answer token (Parley: from conversations.create). */
  firstToken: Distribution | null;
  /** Parley: messages.send starts → first answer token. */
  firstTokenFromSend: Distribution | null;
  /** Parley: client start → conversations.create returned. */
  createReturned: Distribution | null;
  /** Parley: messages.send starts → it returned. */
  sendReturned: Distribution | null;
  /** Parley: messages.send returned → the subscription's first event. */
  subscribedToFirstEvent: Distribution | null;
  /** Upstream sends the first token → the client has it. */
  firstTokenLag: Distribution | null;
  /** Upstream sends a token → the client has it, every token of every stream. */
  tokenLag: Distribution | null;
  /** Response bytes per answer token (whole streams), and of token events only. */
  bytesPerToken: number | null;
  tokenEventBytesPerToken: number | null;
  /** Answer tokens per event that carried any (above 1: events merged). */
  tokensPerEvent: number | null;
  /** Answer tokens per socket read that carried any (well above 1: something buffered). */
  tokensPerRead: number | null;
}

export function summarize(samples: readonly StreamSample[], expectedTokens: number): TargetSummary {
  const v = {
    firstToken: [] as number[],
    fromSend: [] as number[],
    created: [] as number[],
    sent: [] as number[],
    subscribed: [] as number[],
    firstLag: [] as number[],
    lag: [] as number[],
  };
  let complete = 0;
  let lostTokens = 0;
  let repeatedTokens = 0;
  let outOfOrderStreams = 0;
  let bytes = 0;
  let tokenEventBytes = 0;
  let tokens = 0;
  let tokenEvents = 0;
  let tokenReads = 0;
  for (const sample of samples) {
    const first = sample.at[0];
    if (first !== undefined) {
      v.firstToken.push(first - sample.start);
      if (sample.created !== undefined) v.fromSend.push(first - sample.created);
      v.firstLag.push(first - (sample.sentAt[0] ?? first));
    }
    if (sample.created !== undefined) v.created.push(sample.created - sample.start);
    if (sample.created !== undefined && sample.sent !== undefined) {
      v.sent.push(sample.sent - sample.created);
    }
    if (sample.sent !== undefined && sample.firstEvent !== undefined) {
      v.subscribed.push(sample.firstEvent - sample.sent);
    }
    for (let i = 0; i < sample.at.length; i++) {
      v.lag.push((sample.at[i] ?? 0) - (sample.sentAt[i] ?? 0));
      // Tokens of one read share its arrival time.
      if (i === 0 || sample.at[i] !== sample.at[i - 1]) tokenReads += 1;
    }
    const seen = new Set(sample.index);
    repeatedTokens += sample.index.length - seen.size;
    lostTokens += sample.error === undefined ? expectedTokens - seen.size : 0;
    const inOrder = sample.index.every((index, i) => index === i);
    if (!inOrder && sample.index.some((index, i) => i > 0 && index <= (sample.index[i - 1] ?? 0))) {
      outOfOrderStreams += 1;
    }
    const whole = inOrder && sample.index.length === expectedTokens;
    if (sample.ended && sample.error === undefined && whole) complete += 1;
    bytes += sample.bytes;
    tokenEventBytes += sample.tokenEventBytes;
    tokens += sample.index.length;
    tokenEvents += sample.tokenEvents;
  }
  const errors = samples.filter((sample) => sample.error !== undefined);
  return {
    streams: samples.length,
    complete,
    errors: errors.length,
    errorMessages: [...new Set(errors.map((sample) => sample.error ?? ""))].slice(0, 5),
    lostTokens,
    repeatedTokens,
    outOfOrderStreams,
    firstToken: distribution(v.firstToken),
    firstTokenFromSend: distribution(v.fromSend),
    createReturned: distribution(v.created),
    sendReturned: distribution(v.sent),
    subscribedToFirstEvent: distribution(v.subscribed),
    firstTokenLag: distribution(v.firstLag),
    tokenLag: distribution(v.lag),
    bytesPerToken: tokens > 0 ? bytes / tokens : null,
    tokenEventBytesPerToken: tokens > 0 ? tokenEventBytes / tokens : null,
    tokensPerEvent: tokenEvents > 0 ? tokens / tokenEvents : null,
    tokensPerRead: tokenReads > 0 ? tokens / tokenReads : null,
  };
}
