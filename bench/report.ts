// The results as tables for people and as JSON for tools.

import type { DatabaseStats } from "./parley-process.ts";
import type { ProcessStats } from "./probe.ts";
import type { Comparison, Distribution, PathSummary } from "./stats.ts";

export interface LevelResult {
  api: string;
  model: string;
  concurrency: number;
  direct: PathSummary;
  parley: PathSummary;
  comparison: Comparison;
  /** Parley's upstream requests that failed before a response, by cause (diagnostics). */
  parleyUpstreamFetchFailures: Record<string, number>;
  /** Prisma operations Parley ran while each path ran (direct: none expected). */
  parleyDatabase: Record<"direct" | "parley", DatabaseStats>;
  /** CPU and event loop of each process while each path ran. */
  processes: {
    direct: Record<"client" | "parley" | "mock", ProcessStats | undefined>;
    parley: Record<"client" | "parley" | "mock", ProcessStats | undefined>;
  };
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ");
  return [
    line(headers),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...rows.map(line),
  ].join("\n");
}

const ms = (value: number | undefined | null) => (value == null ? "-" : value.toFixed(1));
const times = (value: number | undefined | null) => (value == null ? "-" : `${value.toFixed(2)}x`);
const plus = (value: number | undefined | null) =>
  value == null ? "-" : `${value >= 0 ? "+" : ""}${value.toFixed(2)}`;
const trio = (d: Distribution | null) => [ms(d?.mean), ms(d?.p50), ms(d?.p95)];
const percent = (value: number) => `${Math.round(value)}%`;

function cpu(stats: ProcessStats | undefined): string {
  if (!stats || stats.wallMs <= 0) return "-";
  const elu = stats.eluActiveMs / Math.max(1, stats.eluActiveMs + stats.eluIdleMs);
  return `${percent((stats.cpuMs / stats.wallMs) * 100)}/${percent(elu * 100)}`;
}

export function formatReport(results: readonly LevelResult[], header: string): string {
  const key = (result: LevelResult) => [result.api, String(result.concurrency)];
  const ttft = table(
    [
      "api",
      "conc",
      "path",
      "mean",
      "p50",
      "p95",
      "max",
      "parley/direct mean",
      "p50",
      "p95",
      "added mean ms",
    ],
    results.flatMap((result) => [
      [
        ...key(result),
        "direct",
        ...trio(result.direct.timeToFirstToken),
        ms(result.direct.timeToFirstToken?.max),
        "",
        "",
        "",
        "",
      ],
      [
        ...key(result),
        "parley",
        ...trio(result.parley.timeToFirstToken),
        ms(result.parley.timeToFirstToken?.max),
        times(result.comparison.timeToFirstTokenRatio?.mean),
        times(result.comparison.timeToFirstTokenRatio?.p50),
        times(result.comparison.timeToFirstTokenRatio?.p95),
        plus(result.comparison.timeToFirstTokenAddedMs?.mean),
      ],
    ]),
  );
  const perToken = table(
    [
      "api",
      "conc",
      "path",
      "gap mean",
      "p50",
      "p95",
      "gap ratio mean",
      "lag mean",
      "p50",
      "p95",
      "added/token mean",
      "p50",
      "p95",
      "live tokens",
      "live lag mean",
      "p95",
      "added/live token mean",
      "p95",
    ],
    results.flatMap((result) => {
      const c = result.comparison;
      const live = (summary: PathSummary) =>
        summary.tokenLag && summary.liveTokenLag
          ? `${Math.round((100 * summary.liveTokenLag.n) / summary.tokenLag.n)}%`
          : "-";
      return [
        [
          ...key(result),
          "direct",
          ...trio(result.direct.interTokenGap),
          "",
          ...trio(result.direct.tokenLag),
          "",
          "",
          "",
          live(result.direct),
          ms(result.direct.liveTokenLag?.mean),
          ms(result.direct.liveTokenLag?.p95),
          "",
          "",
        ],
        [
          ...key(result),
          "parley",
          ...trio(result.parley.interTokenGap),
          times(c.interTokenGapRatio?.mean),
          ...trio(result.parley.tokenLag),
          plus(c.perTokenAddedMs?.mean),
          plus(c.perTokenAddedMs?.p50),
          plus(c.perTokenAddedMs?.p95),
          live(result.parley),
          ms(result.parley.liveTokenLag?.mean),
          ms(result.parley.liveTokenLag?.p95),
          plus(c.perLiveTokenAddedMs?.mean),
          plus(c.perLiveTokenAddedMs?.p95),
        ],
      ];
    }),
  );
  const breakdown = table(
    [
      "api",
      "conc",
      "path",
      "send returned",
      "p95",
      "subscribed→1st event",
      "p95",
      "at upstream",
      "p95",
      "1st token emitted",
      "p95",
      "1st token lag",
      "p95",
    ],
    results.flatMap((result) =>
      (["direct", "parley"] as const).map((path) => {
        const summary = result[path];
        const firstEmitted = (p: "mean" | "p95") =>
          summary.toUpstream && summary.upstreamFirstToken
            ? summary.toUpstream[p] + summary.upstreamFirstToken[p]
            : undefined;
        return [
          ...key(result),
          path,
          ms(summary.sendReturned?.mean),
          ms(summary.sendReturned?.p95),
          ms(summary.subscribeToFirstEvent?.mean),
          ms(summary.subscribeToFirstEvent?.p95),
          ms(summary.toUpstream?.mean),
          ms(summary.toUpstream?.p95),
          ms(firstEmitted("mean")),
          ms(firstEmitted("p95")),
          ms(summary.firstTokenLag?.mean),
          ms(summary.firstTokenLag?.p95),
        ];
      }),
    ),
  );
  const processes = table(
    [
      "api",
      "conc",
      "path",
      "client cpu/elu",
      "parley cpu/elu",
      "mock cpu/elu",
      "parley loop delay p99",
      "max",
      "parley rss MB",
    ],
    results.flatMap((result) =>
      (["direct", "parley"] as const).map((path) => {
        const stats = result.processes[path];
        return [
          ...key(result),
          path,
          cpu(stats.client),
          cpu(stats.parley),
          cpu(stats.mock),
          ms(stats.parley?.loopDelayP99Ms),
          ms(stats.parley?.loopDelayMaxMs),
          ms(stats.parley?.rssMb),
        ];
      }),
    ),
  );
  const sanity = table(
    [
      "api",
      "conc",
      "path",
      "streams",
      "complete",
      "errors",
      "short",
      "unmatched",
      "upstream gap mean",
      "p95",
      "first error",
    ],
    results.flatMap((result) =>
      (["direct", "parley"] as const).map((path) => {
        const summary = result[path];
        return [
          ...key(result),
          path,
          String(summary.streams),
          String(summary.complete),
          String(summary.errors),
          String(summary.shortStreams),
          String(summary.unmatched),
          ms(summary.upstreamGap?.mean),
          ms(summary.upstreamGap?.p95),
          (summary.errorMessages[0] ?? "").slice(0, 80),
        ];
      }),
    ),
  );
  const database = table(
    [
      "api",
      "conc",
      "path",
      "db ops/stream",
      "op mean ms",
      "busiest operations (count per stream, mean ms)",
    ],
    results.map((result) => {
      const stats = result.parleyDatabase.parley;
      const streams = Math.max(1, result.parley.streams);
      const top = Object.entries(stats.byOperation)
        .sort((a, b) => b[1].count * b[1].meanMs - a[1].count * a[1].meanMs)
        .slice(0, 4)
        .map(
          ([key, entry]) =>
            `${key} ${(entry.count / streams).toFixed(1)}×${entry.meanMs.toFixed(1)}`,
        )
        .join(", ");
      return [
        ...key(result),
        "parley",
        (stats.operations / streams).toFixed(1),
        ms(stats.operations > 0 ? stats.totalMs / stats.operations : null),
        top,
      ];
    }),
  );
  const failures = results.flatMap((result) =>
    Object.entries(result.parleyUpstreamFetchFailures).map(
      ([cause, count]) => `  ${result.api} × ${result.concurrency}: ${count} × ${cause}`,
    ),
  );
  return [
    header,
    "",
    "Time to first token (ms): client start → first answer token at the client",
    "  direct = openai SDK request → first delta; parley = messages.send → subscribe → first token event",
    ttft,
    "",
    "Per token (ms): gap = between consecutive tokens at the client; lag = mock emits the token → client has it",
    "  added/token = parley lag − direct lag (the delay Parley adds to every token); live tokens = those",
    "  emitted after the subscription's first event (not replayed), the streaming cost without a late subscribe",
    perToken,
    "",
    "Where the first token's time goes (ms from client start, except subscribed→1st event: from send's return)",
    breakdown,
    "",
    "Processes while each path ran: CPU (% of one core) / event-loop utilisation",
    processes,
    "",
    "Parley's database operations per measured stream (Prisma, timed from Parley's side)",
    database,
    "",
    "Sanity",
    sanity,
    ...(failures.length > 0
      ? ["", "Parley's upstream requests that failed before a response, by cause", ...failures]
      : []),
  ].join("\n");
}
