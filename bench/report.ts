// The results as tables for people (the JSON has everything): per level and API, each target
// against the baselines measured in the same run, then issue 11's, 12's and 13's bounds.

import type { DatabaseStats } from "./parley-process.ts";
import type { ProcessStats } from "./probe.ts";
import type { Distribution, TargetSummary } from "./stats.ts";
import type { TargetKind } from "./targets.ts";

export interface TargetResult {
  name: string;
  kind: TargetKind;
  summary: TargetSummary;
  /** While this target's batches ran; `server` sums its processes (`instances` of them). */
  processes: {
    client: ProcessStats | undefined;
    upstream: ProcessStats | undefined;
    server: ProcessStats | undefined;
    instances: number;
  };
  /** Upstream streams whose reader went away before the end. */
  abandonedUpstreamStreams: number;
  /** Parley's upstream requests that failed before a response, by cause. */
  upstreamFetchFailures: Record<string, number>;
  /** With --count-queries: Parley's Prisma operations during the batches. */
  database?: DatabaseStats;
}

export interface LevelResult {
  api: string;
  concurrency: number;
  /** 1-minute load average when the level started. */
  loadAverage: number;
  targets: TargetResult[];
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [
    line(headers),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...rows.map(line),
  ].join("\n");
}

const ms = (value: number | undefined | null) =>
  value == null ? "-" : value >= 100 ? value.toFixed(0) : value.toFixed(1);
const times = (value: number | undefined | null) => (value == null ? "-" : `${value.toFixed(2)}x`);
const plus = (value: number | undefined | null) =>
  value == null ? "-" : `${value >= 0 ? "+" : ""}${ms(value)}`;
const percent = (value: number) => `${Math.round(value)}%`;
const p50p99 = (d: Distribution | null | undefined) => [ms(d?.p50), ms(d?.p99)];

function busy(stats: ProcessStats | undefined): { cpu: string; elu: string } {
  if (!stats || stats.wallMs <= 0) return { cpu: "-", elu: "-" };
  const elu = stats.eluActiveMs / Math.max(1, stats.eluActiveMs + stats.eluIdleMs);
  return { cpu: percent((stats.cpuMs / stats.wallMs) * 100), elu: percent(elu * 100) };
}

const find = (level: LevelResult, kind: TargetKind, name?: string) =>
  level.targets.find(
    (target) => target.kind === kind && (name === undefined || target.name === name),
  );

/** Figures against the baselines of the same level: the bare proxy, and the direct read. */
export function compareTargets(level: LevelResult, target: TargetResult) {
  const direct = find(level, "direct", "direct")?.summary;
  const proxy = find(level, "proxy", "proxy")?.summary;
  const ratio = (a: Distribution | null | undefined, b: Distribution | null | undefined) =>
    a && b && b.p50 > 0 ? a.p50 / b.p50 : null;
  const lag = target.summary.tokenLag;
  const base = direct?.tokenLag;
  return {
    firstTokenVsProxy: ratio(target.summary.firstToken, proxy?.firstToken),
    fromSendVsProxy: ratio(target.summary.firstTokenFromSend, proxy?.firstToken),
    addedP50: lag && base ? lag.p50 - base.p50 : null,
    addedP99: lag && base ? lag.p99 - base.p99 : null,
  };
}

function levelTables(level: LevelResult): string {
  const latency = table(
    [
      "target",
      "complete",
      "1st token p50",
      "p99",
      "÷ proxy",
      "from send p50",
      "÷ proxy",
      "added/token p50",
      "p99",
      "lag p50",
      "p99",
    ],
    level.targets.map((target) => {
      const s = target.summary;
      const c = compareTargets(level, target);
      const isDirect = target.kind === "direct" && target.name === "direct";
      return [
        target.name,
        `${s.complete}/${s.streams}`,
        ...p50p99(s.firstToken),
        target.name === "proxy" ? "" : times(c.firstTokenVsProxy),
        ms(s.firstTokenFromSend?.p50),
        times(c.fromSendVsProxy),
        isDirect ? "" : plus(c.addedP50),
        isDirect ? "" : plus(c.addedP99),
        ...p50p99(s.tokenLag),
      ];
    }),
  );
  const parleys = level.targets.filter((target) => target.kind === "parley");
  const steps = table(
    [
      "target",
      "create p50",
      "p99",
      "send p50",
      "p99",
      "send→1st event p50",
      "p99",
      "1st token lag p50",
      "p99",
    ],
    parleys.map((target) => {
      const s = target.summary;
      return [
        target.name,
        ...p50p99(s.createReturned),
        ...p50p99(s.sendReturned),
        ...p50p99(s.subscribedToFirstEvent),
        ...p50p99(s.firstTokenLag),
      ];
    }),
  );
  const costs = table(
    [
      "target",
      "bytes/token",
      "in token events",
      "tokens/event",
      "tokens/read",
      "client cpu",
      "elu",
      "server cpu",
      "elu",
      "cpu ms/stream",
      "loop delay p99",
      "rss MB",
      "upstream elu",
    ],
    level.targets.map((target) => {
      const s = target.summary;
      const p = target.processes;
      const server = busy(p.server);
      const each = p.instances > 1 ? ` (${p.instances}, each)` : "";
      return [
        target.name,
        s.bytesPerToken?.toFixed(0) ?? "-",
        s.tokenEventBytesPerToken?.toFixed(0) ?? "-",
        s.tokensPerEvent?.toFixed(2) ?? "-",
        s.tokensPerRead?.toFixed(2) ?? "-",
        busy(p.client).cpu,
        busy(p.client).elu,
        server.cpu + each,
        server.elu,
        p.server && s.streams > 0 ? ms(p.server.cpuMs / s.streams) : "-",
        ms(p.server?.loopDelayP99Ms),
        p.server ? p.server.rssMb.toFixed(0) : "-",
        busy(p.upstream).elu,
      ];
    }),
  );
  const sanity = table(
    [
      "target",
      "streams",
      "complete",
      "errors",
      "lost tokens",
      "repeated",
      "out of order",
      "first error",
    ],
    level.targets.map((target) => {
      const s = target.summary;
      return [
        target.name,
        String(s.streams),
        String(s.complete),
        String(s.errors),
        String(s.lostTokens),
        String(s.repeatedTokens),
        String(s.outOfOrderStreams),
        (s.errorMessages[0] ?? "").replace(/\s+/g, " ").slice(0, 90),
      ];
    }),
  );
  const failures = level.targets.flatMap((target) =>
    Object.entries(target.upstreamFetchFailures).map(
      ([cause, count]) => `  ${target.name}: ${count} × ${cause}`,
    ),
  );
  const database = level.targets
    .filter((target) => target.database)
    .map((target) => {
      const stats = target.database as DatabaseStats;
      const perStream = (count: number) => (count / Math.max(1, target.summary.streams)).toFixed(1);
      const top = Object.entries(stats.byOperation)
        .sort((a, b) => b[1].count - a[1].count)
        .slice(0, 8)
        .map(([key, entry]) => `${key} ${perStream(entry.count)}×${entry.meanMs.toFixed(1)} ms`)
        .join(", ");
      return `  ${target.name}: ${perStream(stats.operations)} operations per stream: ${top}`;
    });
  return [
    `== ${level.concurrency} concurrent stream${level.concurrency === 1 ? " (in sequence)" : "s"}, ${level.api === "chat" ? "Chat Completions" : "Responses"} (load ${level.loadAverage.toFixed(1)}) ==`,
    "",
    latency,
    "",
    ...(parleys.length > 0 ? ["Parley's first token, step by step (ms):", steps, ""] : []),
    "Wire and processes while each target ran (cpu: % of one core; elu: event-loop utilisation):",
    costs,
    "",
    "Sanity:",
    sanity,
    ...(failures.length > 0
      ? ["", "Parley's upstream requests that failed before a response:", ...failures]
      : []),
    ...(database.length > 0
      ? ["", "Database operations (Prisma, count per stream × mean):", ...database]
      : []),
  ].join("\n");
}

/** Issue 11's acceptance bounds (and issue 12's for a cluster), as measured in this run. */
export function acceptance(results: readonly LevelResult[]): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean) => (ok ? "ok  " : "MISS");
  for (const level of results) {
    const proxyTarget = find(level, "proxy", "proxy");
    const proxy = proxyTarget?.summary;
    const proxyAdded = proxyTarget ? compareTargets(level, proxyTarget).addedP50 : null;
    for (const target of level.targets.filter((t) => t.kind === "parley")) {
      const s = target.summary;
      const c = compareTargets(level, target);
      const where = `${level.api} × ${level.concurrency}, ${target.name}`;
      const clean = s.errors === 0 && s.lostTokens === 0 && s.repeatedTokens === 0;
      lines.push(
        `${verdict(clean)} ${where}: ${s.errors} errors, ${s.lostTokens} lost, ${s.repeatedTokens} repeated tokens`,
      );
      const first = s.firstToken?.p50;
      const proxyFirst = proxy?.firstToken?.p50;
      if (first === undefined || proxyFirst === undefined) continue;
      if (level.concurrency === 1) {
        lines.push(
          `${verdict(first <= proxyFirst + 10)} ${where}: first token p50 ${ms(first)} ms ≤ proxy ${ms(proxyFirst)} + 10 ms`,
        );
      } else {
        const bound = Math.max(2 * (proxyAdded ?? 0), 5);
        lines.push(
          `${verdict(first <= 2 * proxyFirst)} ${where}: first token p50 ${ms(first)} ms ≤ 2 × proxy ${ms(proxyFirst)} ms`,
          `${verdict((c.addedP50 ?? Number.POSITIVE_INFINITY) <= bound)} ${where}: added/token p50 ${ms(c.addedP50)} ms ≤ ${ms(bound)} ms`,
          `${verdict((c.addedP99 ?? Number.POSITIVE_INFINITY) <= 100)} ${where}: added/token p99 ${ms(c.addedP99)} ms ≤ 100 ms`,
        );
      }
      // Issue 12: instances behind nginx within 1.5× of one instance without Redis.
      const reference = find(level, "parley", "parley postgres");
      if (target.name.endsWith("via nginx") && reference?.summary.firstToken) {
        const rc = compareTargets(level, reference);
        const firstRef = reference.summary.firstToken.p50;
        const firstOk = first <= 1.5 * firstRef;
        const addedOk =
          (c.addedP50 ?? Number.POSITIVE_INFINITY) <= 1.5 * Math.max(rc.addedP50 ?? 0, 1);
        lines.push(
          `${verdict(firstOk && addedOk)} ${where}: within 1.5× of parley postgres (first token ${ms(first)} vs ${ms(firstRef)} ms, added p50 ${ms(c.addedP50)} vs ${ms(rc.addedP50)} ms)`,
        );
      }
    }
  }
  lines.push(...chatApiAcceptance(results));
  return lines;
}

/**
 * Issue 13: /api/chat-openai within 10 % of the bare proxy. Compared on first token and on the
 * whole token lag (upstream wrote → client read): the added part alone is a fraction of a
 * millisecond, where 10 % would be measuring noise.
 */
function chatApiAcceptance(results: readonly LevelResult[]): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean) => (ok ? "ok  " : "MISS");
  for (const level of results) {
    const proxy = find(level, "proxy", "proxy")?.summary;
    for (const target of level.targets.filter((t) => t.kind === "chat-api")) {
      const s = target.summary;
      const where = `${level.api} × ${level.concurrency}, ${target.name}`;
      const first = s.firstToken?.p50;
      const proxyFirst = proxy?.firstToken?.p50;
      const lag = s.tokenLag?.p50;
      const proxyLag = proxy?.tokenLag?.p50;
      lines.push(`${verdict(s.errors === 0)} ${where}: ${s.errors} errors`);
      if (first === undefined || proxyFirst === undefined) continue;
      lines.push(
        `${verdict(first <= 1.1 * proxyFirst)} ${where}: first token p50 ${ms(first)} ms ≤ 1.1 × proxy ${ms(proxyFirst)} ms`,
      );
      if (lag === undefined || proxyLag === undefined) continue;
      lines.push(
        `${verdict(lag <= 1.1 * proxyLag)} ${where}: token lag p50 ${ms(lag)} ms ≤ 1.1 × proxy ${ms(proxyLag)} ms`,
      );
    }
  }
  return lines;
}

export function formatReport(results: readonly LevelResult[], header: string): string {
  return [
    header,
    "",
    "first token: from the client's start (Parley: conversations.create); from send: from",
    "messages.send; ÷ proxy: p50 over the bare proxy's; added/token: lag − the direct read's lag",
    "(p50 and p99 over every token); lag: upstream wrote the token → the client read it.",
    "bytes/token: whole response bodies, and the events carrying tokens, per token; tokens/read:",
    "tokens per socket read (well above 1 means something buffered them).",
    "",
    ...results.map(levelTables).flatMap((text) => [text, ""]),
    "Issue 11/12/13 bounds on this machine, this run (ok / MISS):",
    ...acceptance(results).map((line) => `  ${line}`),
  ].join("\n");
}
