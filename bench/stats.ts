// From raw stream samples (client side) and upstream records (mock side) to distributions.

import type { UpstreamRecord } from "./mock-process.ts";
import type { StreamSample } from "./streams.ts";

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
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  return {
    n: sorted.length,
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    p50: rank(50),
    p95: rank(95),
    p99: rank(99),
    max: sorted.at(-1) ?? 0,
  };
}

export interface PathSummary {
  streams: number;
  /** Finished normally with every token. */
  complete: number;
  errors: number;
  /** Up to five distinct error messages. */
  errorMessages: string[];
  /** Streams that ended (or failed) with fewer tokens than asked for. */
  shortStreams: number;
  /** Client start → first answer token at the client. */
  timeToFirstToken: Distribution | null;
  /** Between consecutive answer tokens at the client, all streams pooled. */
  interTokenGap: Distribution | null;
  /** The same gaps where the mock emitted the tokens: the pacing every client sees at best. */
  upstreamGap: Distribution | null;
  /** Mock emits a token → the client has it, every token of every stream. */
  tokenLag: Distribution | null;
  /**
   * The same for live tokens only: those the mock emitted after the subscriber's first event
   * arrived (Parley; every token for the direct client). Replayed tokens, which waited for a
   * late subscription rather than for Parley's streaming, are left out.
   */
  liveTokenLag: Distribution | null;
  /** Client start → the request reached the mock (Parley: send, tRPC, database, SDK call). */
  toUpstream: Distribution | null;
  /** Request at the mock → its first token emitted (the mock's own pacing). */
  upstreamFirstToken: Distribution | null;
  /** First token emitted → at the client. */
  firstTokenLag: Distribution | null;
  /** Parley: client start → `messages.send` returned. */
  sendReturned: Distribution | null;
  /** Parley: `messages.send` returned → the subscription's first event. */
  subscribeToFirstEvent: Distribution | null;
  /** First → last token at the client. */
  streamDuration: Distribution | null;
  /** Streams whose token count at the mock and at the client differ (no lag for them). */
  unmatched: number;
}

export function summarize(
  samples: readonly StreamSample[],
  records: ReadonlyMap<string, UpstreamRecord>,
  expectedTokens: number,
): PathSummary {
  const errors = samples.filter((sample) => sample.error !== undefined);
  const values = {
    ttft: [] as number[],
    gap: [] as number[],
    upstreamGap: [] as number[],
    lag: [] as number[],
    liveLag: [] as number[],
    toUpstream: [] as number[],
    upstreamFirst: [] as number[],
    firstLag: [] as number[],
    sent: [] as number[],
    subscribe: [] as number[],
    duration: [] as number[],
  };
  let unmatched = 0;
  for (const sample of samples) {
    const { tokens } = sample;
    const first = tokens[0];
    const last = tokens.at(-1);
    if (first !== undefined && last !== undefined) {
      values.ttft.push(first - sample.start);
      values.duration.push(last - first);
    }
    for (let i = 1; i < tokens.length; i++)
      values.gap.push((tokens[i] ?? 0) - (tokens[i - 1] ?? 0));
    if (sample.sent !== undefined) values.sent.push(sample.sent - sample.start);
    if (sample.sent !== undefined && sample.firstEvent !== undefined) {
      values.subscribe.push(sample.firstEvent - sample.sent);
    }
    const record = records.get(sample.tag);
    if (!record) continue;
    values.toUpstream.push(record.received - sample.start);
    const { emitted } = record;
    const firstEmitted = emitted[0];
    if (firstEmitted !== undefined) values.upstreamFirst.push(firstEmitted - record.received);
    for (let i = 1; i < emitted.length; i++) {
      values.upstreamGap.push((emitted[i] ?? 0) - (emitted[i - 1] ?? 0));
    }
    if (emitted.length !== tokens.length) {
      unmatched += 1;
      continue;
    }
    if (firstEmitted !== undefined && first !== undefined)
      values.firstLag.push(first - firstEmitted);
    const liveFrom = sample.firstEvent ?? Number.NEGATIVE_INFINITY;
    for (let i = 0; i < tokens.length; i++) {
      const lag = (tokens[i] ?? 0) - (emitted[i] ?? 0);
      values.lag.push(lag);
      if ((emitted[i] ?? 0) >= liveFrom) values.liveLag.push(lag);
    }
  }
  return {
    streams: samples.length,
    complete: samples.filter(
      (sample) =>
        sample.error === undefined && sample.finished && sample.tokens.length === expectedTokens,
    ).length,
    errors: errors.length,
    errorMessages: [...new Set(errors.map((sample) => sample.error ?? ""))].slice(0, 5),
    shortStreams: samples.filter((sample) => sample.tokens.length < expectedTokens).length,
    timeToFirstToken: distribution(values.ttft),
    interTokenGap: distribution(values.gap),
    upstreamGap: distribution(values.upstreamGap),
    tokenLag: distribution(values.lag),
    liveTokenLag: distribution(values.liveLag),
    toUpstream: distribution(values.toUpstream),
    upstreamFirstToken: distribution(values.upstreamFirst),
    firstTokenLag: distribution(values.firstLag),
    sendReturned: distribution(values.sent),
    subscribeToFirstEvent: distribution(values.subscribe),
    streamDuration: distribution(values.duration),
    unmatched,
  };
}

export interface Comparison {
  /** Parley ÷ direct, time from the client's start to the first token. */
  timeToFirstTokenRatio: { mean: number; p50: number; p95: number } | null;
  /** Parley ÷ direct, gap between tokens at the client. */
  interTokenGapRatio: { mean: number; p50: number; p95: number } | null;
  /** Parley − direct, ms. */
  timeToFirstTokenAddedMs: { mean: number; p50: number; p95: number } | null;
  /** Parley − direct, ms: the delay Parley adds to each token (mock emit → client). */
  perTokenAddedMs: { mean: number; p50: number; p95: number } | null;
  /** The same over live tokens only (see PathSummary.liveTokenLag). */
  perLiveTokenAddedMs: { mean: number; p50: number; p95: number } | null;
  /** Parley − direct, ms, mean gap between tokens. */
  interTokenGapAddedMs: number | null;
}

export function compare(direct: PathSummary, parley: PathSummary): Comparison {
  const ratio = (a: Distribution | null, b: Distribution | null) =>
    a && b ? { mean: b.mean / a.mean, p50: b.p50 / a.p50, p95: b.p95 / a.p95 } : null;
  const added = (a: Distribution | null, b: Distribution | null) =>
    a && b ? { mean: b.mean - a.mean, p50: b.p50 - a.p50, p95: b.p95 - a.p95 } : null;
  return {
    timeToFirstTokenRatio: ratio(direct.timeToFirstToken, parley.timeToFirstToken),
    interTokenGapRatio: ratio(direct.interTokenGap, parley.interTokenGap),
    timeToFirstTokenAddedMs: added(direct.timeToFirstToken, parley.timeToFirstToken),
    perTokenAddedMs: added(direct.tokenLag, parley.tokenLag),
    perLiveTokenAddedMs: added(direct.liveTokenLag, parley.liveTokenLag),
    interTokenGapAddedMs:
      direct.interTokenGap && parley.interTokenGap
        ? parley.interTokenGap.mean - direct.interTokenGap.mean
        : null,
  };
}
